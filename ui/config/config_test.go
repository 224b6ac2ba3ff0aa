package config

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"charm.land/lipgloss/v2"

	"github.com/layerscope/layerscope/ui/filetree"
	"github.com/layerscope/layerscope/ui/styles"
)

func write(t *testing.T, text string) string {
	p := filepath.Join(t.TempDir(), "config.yaml")
	os.WriteFile(p, []byte(text), 0o644)
	return p
}

func TestLoad(t *testing.T) {
	l, err := Load(write(t, `
keys:
  quit: [ctrl+q, q]
  filter: f
colors:
  added: "#00ff00"
  removed: "196"
defaults:
  sort: size
  attributes: false
  aggregated: true
  hide: [unmodified, modified]
`))
	if err != nil {
		t.Fatal(err)
	}
	if got := l.KeyMap.Quit.Keys(); strings.Join(got, ",") != "ctrl+q,q" || l.KeyMap.Filter.Keys()[0] != "f" {
		t.Errorf("keys: quit %v filter %v", got, l.KeyMap.Filter.Keys())
	}
	tr := l.Tree
	if !tr.SortBySize || tr.Attributes || !tr.Aggregated || !tr.Hidden[filetree.Unmodified] || !tr.Hidden[filetree.MetaModified] || tr.Hidden[filetree.Added] {
		t.Errorf("tree options %+v", tr)
	}
	if p := l.Palette(true); p.Added == nil {
		t.Error("no palette")
	}
}

func TestXDGDefault(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", dir)
	if l, err := Load(""); err != nil || l.Path != "" {
		t.Fatalf("no file: %v %v", l, err)
	}
	os.MkdirAll(filepath.Join(dir, "layerscope"), 0o755)
	os.WriteFile(filepath.Join(dir, "layerscope", "config.yaml"), []byte("defaults:\n  sort: size\n"), 0o644)
	if l, err := Load(""); err != nil || !l.Tree.SortBySize || l.Path != filepath.Join(dir, "layerscope", "config.yaml") {
		t.Errorf("XDG file: %+v %v", l, err)
	}
}

func TestInvalid(t *testing.T) {
	for text, want := range map[string]string{
		"keys:\n  jump: x\n":             `unknown key binding "jump"`,
		"colors:\n  added: green\n":      `colour added: "green"`,
		"colors:\n  pink: \"1\"\n":       `unknown colour "pink"`,
		"defaults:\n  sort: date\n":      `defaults.sort: "date"`,
		"defaults:\n  hide: [new]\n":     `defaults.hide: "new"`,
		"theme: solarized\n":             `theme: unknown theme "solarized" (known: auto, dark, light, high-contrast, colorblind)`,
		"themes: dark\n":                 "field themes not found",
		"keys:\n  quit: {a: b}\n":        "want a key or a list of keys",
		"defaults:\n  attributes: maybe": "`maybe` into bool",
	} {
		if _, err := Load(write(t, text)); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: err %v, want %q", text, err, want)
		}
	}
	if _, err := Load(filepath.Join(t.TempDir(), "missing.yaml")); err == nil {
		t.Error("a missing --config file was accepted")
	}
}

// TestTheme: the theme picks the palette, colours override it, and
// without a theme the palette follows the terminal's background.
func TestTheme(t *testing.T) {
	l, err := Load(write(t, "theme: colorblind\ncolors:\n  removed: \"#ff0000\"\n"))
	if err != nil {
		t.Fatal(err)
	}
	for _, dark := range []bool{true, false} {
		p, want := l.Palette(dark), styles.ColorblindPalette(dark)
		if fmt.Sprint(p.Added, p.Modified) != fmt.Sprint(want.Added, want.Modified) || fmt.Sprint(p.Removed) != fmt.Sprint(lipgloss.Color("#ff0000")) {
			t.Errorf("dark %v: palette %+v", dark, p)
		}
	}
	l, err = Load(write(t, "theme: light\n"))
	if err != nil || fmt.Sprint(l.Palette(true)) != fmt.Sprint(styles.DefaultPalette(false)) {
		t.Errorf("light on a dark terminal: %v %v", l.Palette(true), err)
	}
	l, err = Load(write(t, "keys:\n  quit: q\n"))
	if err != nil || fmt.Sprint(l.Palette(false)) != fmt.Sprint(styles.DefaultPalette(false)) || fmt.Sprint(l.Palette(true)) != fmt.Sprint(styles.DefaultPalette(true)) {
		t.Errorf("no theme: does not follow the background")
	}
}
