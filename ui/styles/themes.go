package styles

import (
	"fmt"
	"slices"
	"strings"

	"charm.land/lipgloss/v2"
)

// Themes are the built-in palettes a config file names with theme:
//
//   - auto (the default): dark or light, as the terminal's background is;
//   - dark and light: that one, whatever the terminal says;
//   - high-contrast: white or black text and pure, bright state colours,
//     for low vision and washed-out screens (follows the background);
//   - colorblind: added blue, modified yellow (ochre on light
//     backgrounds), removed vermilion (magenta on light ones), from the
//     Okabe–Ito and Tol sets: told apart with each of the three
//     dichromacies, never red against green (follows the background).
//
// Every state keeps its letter (A, M, D) and its own style too, so
// colour is never the only sign.
var themeNames = []string{"auto", "dark", "light", "high-contrast", "colorblind"}

// ThemeNames lists the built-in themes.
func ThemeNames() []string { return slices.Clone(themeNames) }

// Theme returns the palette of the built-in theme called name ("" is
// auto), for a dark or light background.
func Theme(name string) (func(isDark bool) Palette, error) {
	switch name {
	case "", "auto":
		return DefaultPalette, nil
	case "dark":
		return func(bool) Palette { return DefaultPalette(true) }, nil
	case "light":
		return func(bool) Palette { return DefaultPalette(false) }, nil
	case "high-contrast":
		return HighContrastPalette, nil
	case "colorblind":
		return ColorblindPalette, nil
	}
	return nil, fmt.Errorf("unknown theme %q (known: %s)", name, strings.Join(themeNames, ", "))
}

// HighContrastPalette uses the extremes: the brightest state colours and
// white text on dark backgrounds, the darkest and black text on light
// ones; the selection is the text colour itself (reverse).
func HighContrastPalette(isDark bool) Palette {
	ld := lipgloss.LightDark(isDark)
	return Palette{
		Added:      ld(lipgloss.Color("#005a00"), lipgloss.Color("#00ff5f")),
		Modified:   ld(lipgloss.Color("#6b3d00"), lipgloss.Color("#ffff00")),
		Removed:    ld(lipgloss.Color("#a00000"), lipgloss.Color("#ff9090")),
		Unmodified: ld(lipgloss.Color("#000000"), lipgloss.Color("#ffffff")),
		Accent:     ld(lipgloss.Color("#1a0dab"), lipgloss.Color("#5fd7ff")),
		Border:     ld(lipgloss.Color("#000000"), lipgloss.Color("#ffffff")),
		Dim:        ld(lipgloss.Color("#303030"), lipgloss.Color("#d0d0d0")),
		Selection:  ld(lipgloss.Color("#c0c0ff"), lipgloss.Color("#00005f")),
	}
}

// ColorblindPalette keeps the three states apart for protanopia,
// deuteranopia and tritanopia (see the simulation in the tests).
func ColorblindPalette(isDark bool) Palette {
	ld := lipgloss.LightDark(isDark)
	return Palette{
		Added:      ld(lipgloss.Color("#3366cc"), lipgloss.Color("#56b4e9")), // blue, sky blue
		Modified:   ld(lipgloss.Color("#aa7700"), lipgloss.Color("#f0e442")), // ochre, yellow
		Removed:    ld(lipgloss.Color("#ee3377"), lipgloss.Color("#d55e00")), // magenta, vermilion
		Unmodified: ld(lipgloss.Color("#333333"), lipgloss.Color("#d0d0d0")),
		Accent:     ld(lipgloss.Color("#5b3fd1"), lipgloss.Color("#af87ff")),
		Border:     ld(lipgloss.Color("#b0b0b0"), lipgloss.Color("#585858")),
		Dim:        ld(lipgloss.Color("#6e6e6e"), lipgloss.Color("#8a8a8a")),
		Selection:  ld(lipgloss.Color("#dcd6ff"), lipgloss.Color("#3a3360")),
	}
}
