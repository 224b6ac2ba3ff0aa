// Package uitest builds what the explorer's tests share: the basic
// fixture's analysis in a common.Common, and golden-file comparison.
package uitest

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/layerscope/layerscope/analysis"
	"github.com/layerscope/layerscope/analysis/source"
	"github.com/layerscope/layerscope/ui/common"
	"github.com/layerscope/layerscope/ui/keymap"
	"github.com/layerscope/layerscope/ui/styles"
)

// updating reports whether golden files are to be rewritten:
// LAYERSCOPE_UPDATE_GOLDEN=1 go test ./ui/... (an environment variable,
// as teatest's golden package owns the -update flag).
func updating() bool { return os.Getenv("LAYERSCOPE_UPDATE_GOLDEN") == "1" }

// Repo is the repository's root.
func Repo() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "..")
}

// Fixture opens and analyses testdata/fixtures/<name>.
func Fixture(t testing.TB, name string) (*source.Image, *analysis.Result) {
	t.Helper()
	img, err := source.Open(context.Background(), filepath.Join(Repo(), "testdata", "fixtures", name), source.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { img.Close() })
	res, err := analysis.Analyze(context.Background(), img)
	if err != nil {
		t.Fatal(err)
	}
	return img, res
}

// Common wraps an analysis for components, dark background.
func Common(res *analysis.Result, noColor bool) *common.Common {
	return &common.Common{
		Styles: styles.New(styles.DefaultPalette(true), noColor),
		KeyMap: keymap.DefaultKeyMap(),
		Result: res,
	}
}

// Golden compares got with testdata/<name>.golden, twice: as drawn (with
// colour) and with the ANSI codes stripped (<name>.txt.golden), which is
// the one to read in a review.
func Golden(t testing.TB, name, got string) {
	t.Helper()
	for file, text := range map[string]string{name + ".golden": got, name + ".txt.golden": ansi.Strip(got)} {
		p := filepath.Join("testdata", file)
		if updating() {
			os.MkdirAll("testdata", 0o755)
			os.WriteFile(p, []byte(text), 0o644)
		}
		want, err := os.ReadFile(p)
		if err != nil {
			t.Fatalf("%v (LAYERSCOPE_UPDATE_GOLDEN=1 go test writes it)", err)
		}
		if !bytes.Equal([]byte(text), want) {
			t.Errorf("%s differs:\n%s", p, ansi.Strip(text))
		}
	}
}

// Key is the key press a name stands for: "down", "pgdown", "enter",
// "ctrl+u", or a printable key such as "j" or "/".
func Key(name string) tea.KeyPressMsg {
	special := map[string]rune{
		"up": tea.KeyUp, "down": tea.KeyDown, "left": tea.KeyLeft, "right": tea.KeyRight,
		"pgup": tea.KeyPgUp, "pgdown": tea.KeyPgDown, "home": tea.KeyHome, "end": tea.KeyEnd,
		"enter": tea.KeyEnter, "esc": tea.KeyEscape, "tab": tea.KeyTab, "backspace": tea.KeyBackspace,
	}
	if code, ok := special[name]; ok {
		return tea.KeyPressMsg{Code: code}
	}
	if name == "space" {
		return tea.KeyPressMsg{Code: tea.KeySpace, Text: " "}
	}
	if k, ok := strings.CutPrefix(name, "ctrl+"); ok {
		return tea.KeyPressMsg{Code: []rune(k)[0], Mod: tea.ModCtrl}
	}
	return tea.KeyPressMsg{Code: []rune(name)[0], Text: name}
}

// CheckSize fails unless view is exactly h lines, none wider than w cells.
func CheckSize(t testing.TB, view string, w, h int) {
	t.Helper()
	lines := strings.Split(view, "\n")
	if len(lines) != h {
		t.Errorf("%d×%d: %d lines", w, h, len(lines))
	}
	for _, l := range lines {
		if n := ansi.StringWidth(l); n > w {
			t.Errorf("%d×%d: a line of %d cells: %q", w, h, n, ansi.Strip(l))
		}
	}
}

// Msgs runs cmd and returns the messages it produces, batches and
// sequences flattened: how a test sees a component's outcome (a
// common.CloseMsg, a common.JumpMsg).
func Msgs(cmd tea.Cmd) []tea.Msg {
	if cmd == nil {
		return nil
	}
	switch msg := cmd().(type) {
	case tea.BatchMsg:
		var out []tea.Msg
		for _, c := range msg {
			out = append(out, Msgs(c)...)
		}
		return out
	case nil:
		return nil
	default:
		return []tea.Msg{msg}
	}
}
