package styles

import (
	"fmt"
	"image/color"
	"math"
	"testing"
)

// Colour science for the tests: WCAG contrast, CIE Lab distance, and the
// Machado et al. (2009) simulation of the three dichromacies (severity 1).

func linear(c color.Color) [3]float64 {
	r, g, b, _ := c.RGBA()
	f := func(v uint32) float64 {
		x := float64(v) / 0xffff
		if x <= 0.04045 {
			return x / 12.92
		}
		return math.Pow((x+0.055)/1.055, 2.4)
	}
	return [3]float64{f(r), f(g), f(b)}
}

func luminance(l [3]float64) float64 { return 0.2126*l[0] + 0.7152*l[1] + 0.0722*l[2] }

func contrast(a, b color.Color) float64 {
	la, lb := luminance(linear(a)), luminance(linear(b))
	return (max(la, lb) + 0.05) / (min(la, lb) + 0.05)
}

func lab(l [3]float64) [3]float64 {
	for i := range l {
		l[i] = min(max(l[i], 0), 1)
	}
	x := (0.4124*l[0] + 0.3576*l[1] + 0.1805*l[2]) / 0.95047
	y := 0.2126*l[0] + 0.7152*l[1] + 0.0722*l[2]
	z := (0.0193*l[0] + 0.1192*l[1] + 0.9505*l[2]) / 1.08883
	f := func(t float64) float64 {
		if t > 0.008856 {
			return math.Cbrt(t)
		}
		return 7.787*t + 16.0/116
	}
	return [3]float64{116*f(y) - 16, 500 * (f(x) - f(y)), 200 * (f(y) - f(z))}
}

var deficiencies = map[string][3][3]float64{
	"protanopia":   {{0.152286, 1.052583, -0.204868}, {0.114503, 0.786281, 0.099216}, {-0.003882, -0.048116, 1.051998}},
	"deuteranopia": {{0.367322, 0.860646, -0.227968}, {0.280085, 0.672501, 0.047413}, {-0.011820, 0.042940, 0.968881}},
	"tritanopia":   {{1.255528, -0.076749, -0.178779}, {-0.078411, 0.930809, 0.147602}, {0.004733, 0.691367, 0.303900}},
	"none":         {{1, 0, 0}, {0, 1, 0}, {0, 0, 1}},
}

func seen(c color.Color, m [3][3]float64) [3]float64 {
	l := linear(c)
	var out [3]float64
	for i := range 3 {
		out[i] = m[i][0]*l[0] + m[i][1]*l[1] + m[i][2]*l[2]
	}
	return lab(out)
}

func deltaE(a, b [3]float64) float64 {
	return math.Sqrt((a[0]-b[0])*(a[0]-b[0]) + (a[1]-b[1])*(a[1]-b[1]) + (a[2]-b[2])*(a[2]-b[2]))
}

// minStateDistance is the smallest distance between two of added,
// modified and removed as someone with deficiency d sees them.
func minStateDistance(p Palette, d [3][3]float64) (float64, string) {
	states := map[string]color.Color{"added": p.Added, "modified": p.Modified, "removed": p.Removed}
	best, pair := math.Inf(1), ""
	for a, ca := range states {
		for b, cb := range states {
			if a < b {
				if e := deltaE(seen(ca, d), seen(cb, d)); e < best {
					best, pair = e, a+"/"+b
				}
			}
		}
	}
	return best, pair
}

var backgrounds = map[bool]color.Color{true: color.RGBA{0x1c, 0x1c, 0x1c, 0xff}, false: color.RGBA{0xff, 0xff, 0xff, 0xff}}

// TestColorblindTellsStatesApart: with each dichromacy, added, modified
// and removed stay clearly apart in the colour-blind theme (ΔE ≥ 20) —
// and the default theme's green against red does not, which is why the
// theme exists.
func TestColorblindTellsStatesApart(t *testing.T) {
	for _, dark := range []bool{true, false} {
		for name, d := range deficiencies {
			if e, pair := minStateDistance(ColorblindPalette(dark), d); e < 20 {
				t.Errorf("colorblind, dark %v, %s: %s only ΔE %.1f apart", dark, name, pair, e)
			}
		}
	}
	if e, pair := minStateDistance(DefaultPalette(true), deficiencies["deuteranopia"]); e >= 20 {
		t.Errorf("the default palette passes for deuteranopia (%s ΔE %.1f): the check cannot fail", pair, e)
	}
}

// TestContrast: every theme's text colours read on its background: WCAG
// 7:1 (AAA) for high-contrast, 3:1 for the others.
func TestContrast(t *testing.T) {
	for _, name := range ThemeNames() {
		theme, err := Theme(name)
		if err != nil {
			t.Fatal(err)
		}
		need := 3.0
		if name == "high-contrast" {
			need = 7
		}
		for _, dark := range []bool{true, false} {
			p := theme(dark)
			bg := backgrounds[dark]
			if name == "dark" || name == "light" {
				bg = backgrounds[name == "dark"]
			}
			for what, c := range map[string]color.Color{"added": p.Added, "modified": p.Modified, "removed": p.Removed, "unmodified": p.Unmodified, "accent": p.Accent} {
				if r := contrast(c, bg); r < need {
					t.Errorf("%s (dark terminal %v): %s has contrast %.2f, want ≥ %.0f", name, dark, what, r, need)
				}
			}
		}
	}
}

func TestThemeNames(t *testing.T) {
	for _, n := range ThemeNames() {
		if _, err := Theme(n); err != nil {
			t.Errorf("%s: %v", n, err)
		}
	}
	if _, err := Theme("solarized"); err == nil || err.Error() != `unknown theme "solarized" (known: auto, dark, light, high-contrast, colorblind)` {
		t.Errorf("unknown theme: %v", err)
	}
	light, _ := Theme("light")
	if fmt.Sprint(light(true)) != fmt.Sprint(DefaultPalette(false)) {
		t.Errorf("light does not ignore a dark terminal")
	}
}
