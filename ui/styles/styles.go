// Package styles holds the explorer's lipgloss styles for dark and light
// terminals, without colour for NO_COLOR, with the user's colour
// overrides.
package styles

import (
	"fmt"
	"image/color"
	"slices"
	"strings"

	"charm.land/lipgloss/v2"
)

// Palette names the colours a config file may override.
type Palette struct {
	Added, Modified, Removed, Unmodified color.Color
	Accent, Border, Dim, Selection       color.Color
}

// DefaultPalette picks colours that read well on the background.
func DefaultPalette(isDark bool) Palette {
	ld := lipgloss.LightDark(isDark)
	return Palette{
		Added:      ld(lipgloss.Color("#0a7d2c"), lipgloss.Color("#5fd787")),
		Modified:   ld(lipgloss.Color("#9a6700"), lipgloss.Color("#ffd75f")),
		Removed:    ld(lipgloss.Color("#c0262d"), lipgloss.Color("#ff6b6b")),
		Unmodified: ld(lipgloss.Color("#333333"), lipgloss.Color("#d0d0d0")),
		Accent:     ld(lipgloss.Color("#5b3fd1"), lipgloss.Color("#af87ff")),
		Border:     ld(lipgloss.Color("#b0b0b0"), lipgloss.Color("#585858")),
		Dim:        ld(lipgloss.Color("#8a8a8a"), lipgloss.Color("#808080")),
		Selection:  ld(lipgloss.Color("#dcd6ff"), lipgloss.Color("#3a3360")),
	}
}

// paletteNames maps config names to palette fields.
func (p *Palette) fields() map[string]*color.Color {
	return map[string]*color.Color{
		"added": &p.Added, "modified": &p.Modified, "removed": &p.Removed, "unmodified": &p.Unmodified,
		"accent": &p.Accent, "border": &p.Border, "dim": &p.Dim, "selection": &p.Selection,
	}
}

// Set overrides the colour called name with a hex ("#ff0000") or ANSI
// ("1", "204") value.
func (p *Palette) Set(name, value string) error {
	f, ok := p.fields()[name]
	if !ok {
		var names []string
		for n := range p.fields() {
			names = append(names, n)
		}
		slices.Sort(names)
		return fmt.Errorf("unknown colour %q (known: %s)", name, strings.Join(names, ", "))
	}
	if !validColor(value) {
		return fmt.Errorf("colour %s: %q is neither #rrggbb nor an ANSI number 0-255", name, value)
	}
	*f = lipgloss.Color(value)
	return nil
}

func validColor(v string) bool {
	if strings.HasPrefix(v, "#") {
		if len(v) != 7 && len(v) != 4 {
			return false
		}
		for _, c := range strings.ToLower(v[1:]) {
			if !strings.ContainsRune("0123456789abcdef", c) {
				return false
			}
		}
		return true
	}
	n := 0
	for _, c := range v {
		if c < '0' || c > '9' {
			return false
		}
		n = n*10 + int(c-'0')
	}
	return v != "" && n <= 255
}

// Styles is every style the explorer draws with.
type Styles struct {
	// Border and ActiveBorder colour pane edges; without colour the
	// active pane gets a thick edge instead.
	Border, ActiveBorder     lipgloss.Style
	ThickActive              bool
	Title, ActiveTitle       lipgloss.Style
	Selected, SelectedActive lipgloss.Style
	Dim, Bold, Accent        lipgloss.Style
	Added, Modified          lipgloss.Style
	MetaModified, Removed    lipgloss.Style
	Unmodified, Bar          lipgloss.Style
	Error, Footer, Key       lipgloss.Style
	Match                    lipgloss.Style // a search's matches
	NoColor                  bool
}

// New builds the styles from a palette; noColor keeps only bold, faint and
// reverse, so that NO_COLOR terminals still show selection and state.
func New(p Palette, noColor bool) *Styles {
	fg := func(c color.Color) lipgloss.Style {
		if noColor {
			return lipgloss.NewStyle()
		}
		return lipgloss.NewStyle().Foreground(c)
	}
	s := &Styles{
		Border:       fg(p.Border),
		ActiveBorder: fg(p.Accent),
		ThickActive:  noColor,
		Title:        fg(p.Dim).Bold(true),
		ActiveTitle:  fg(p.Accent).Bold(true),
		Dim:          fg(p.Dim).Faint(noColor),
		Bold:         lipgloss.NewStyle().Bold(true),
		Accent:       fg(p.Accent),
		Added:        fg(p.Added),
		Modified:     fg(p.Modified),
		MetaModified: fg(p.Modified).Faint(true),
		Removed:      fg(p.Removed).Strikethrough(noColor),
		Unmodified:   fg(p.Unmodified),
		Bar:          fg(p.Accent),
		Error:        fg(p.Removed).Bold(true),
		Footer:       fg(p.Dim),
		Key:          fg(p.Accent).Bold(true),
		Match:        lipgloss.NewStyle().Reverse(true),
		NoColor:      noColor,
	}
	s.Selected = lipgloss.NewStyle().Reverse(noColor)
	s.SelectedActive = lipgloss.NewStyle().Reverse(true).Bold(true)
	if !noColor {
		s.Selected = lipgloss.NewStyle().Background(p.Selection)
		s.SelectedActive = lipgloss.NewStyle().Background(p.Accent).Foreground(lipgloss.Color("#ffffff")).Bold(true)
	}
	return s
}
