package advice

import (
	"context"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/mutate"

	"github.com/layerscope/layerscope/analysis"
	"github.com/layerscope/layerscope/analysis/synth"
	"github.com/layerscope/layerscope/ui/common"
	"github.com/layerscope/layerscope/ui/internal/uitest"
)

// advised has one finding of each kind: layer 1 leaves apt lists (9000 B)
// and a copy of a file of layer 0 (6000 B); layer 2 chmods a 4000-byte
// file of layer 0; layer 0 adds 3000 bytes that layer 3 deletes; layer 0
// ships a .netrc; the config has a token in ENV.
func advised(t *testing.T) *analysis.Result {
	t.Helper()
	tok := "ghp_" + strings.Repeat("Kd4", 12)
	img, err := synth.Image(
		[]synth.Entry{synth.File("opt/app/data.bin", strings.Repeat("d", 6000)), {Name: "opt/app/run.sh", Body: strings.Repeat("#", 4000), Mode: 0o644},
			synth.File("tmp/build.log", strings.Repeat("l", 3000)), synth.File("root/.netrc", "machine example.com login bob password Pa55-w0rd-x\n")},
		[]synth.Entry{synth.File("var/lib/apt/lists/deb.debian.org_debian_dists_bookworm_main_binary-amd64_Packages", strings.Repeat("p", 9000)),
			synth.File("srv/copy.bin", strings.Repeat("d", 6000))},
		[]synth.Entry{{Name: "opt/app/run.sh", Body: strings.Repeat("#", 4000), Mode: 0o755}},
		[]synth.Entry{synth.Whiteout("tmp/build.log")},
	)
	if err != nil {
		t.Fatal(err)
	}
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	cf = cf.DeepCopy()
	cf.Config.Env = []string{"GITHUB_TOKEN=" + tok}
	cf.History = []v1.History{{CreatedBy: "/bin/sh -c #(nop) COPY dir:app in /"}, {CreatedBy: "/bin/sh -c apt-get update && cp /opt/app/data.bin /srv/copy.bin"},
		{CreatedBy: "/bin/sh -c chmod 0755 /opt/app/run.sh"}, {CreatedBy: "/bin/sh -c #(nop)  ENV GITHUB_TOKEN=" + tok, EmptyLayer: true},
		{CreatedBy: "/bin/sh -c rm /tmp/build.log"}}
	if img, err = mutate.ConfigFile(img, cf); err != nil {
		t.Fatal(err)
	}
	res, err := analysis.Analyze(context.Background(), img)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

var (
	down  = uitest.Key("down")
	up    = uitest.Key("up")
	end   = uitest.Key("end")
	home  = uitest.Key("home")
	enter = uitest.Key("enter")
	esc   = uitest.Key("esc")
	q     = uitest.Key("q")
)

// press sends keys; closed says whether the last one asked the app to
// drop the list (a close, or a jump, which closes it too).
func press(m *Model, keys ...tea.KeyPressMsg) (msg tea.Msg, closed bool) {
	var cmd tea.Cmd
	for _, k := range keys {
		cmd = m.Update(k)
	}
	if cmd == nil {
		return nil, false
	}
	msg = cmd()
	switch msg := msg.(type) {
	case common.CloseMsg:
		return msg, msg.Pane == m
	case common.JumpMsg:
		return msg, true
	}
	return msg, false
}

var _ common.Pane = (*Model)(nil)

func TestGolden(t *testing.T) {
	res := advised(t)
	for _, c := range []struct {
		name    string
		noColor bool
		w, h    int
		keys    []tea.KeyPressMsg
	}{
		{"80x24", false, 80, 24, nil},
		{"80x24-nocolor", true, 80, 24, nil},
		{"80x24-secret", true, 80, 24, []tea.KeyPressMsg{end}},
		{"120x40", false, 120, 40, []tea.KeyPressMsg{down, down}},
		{"120x40-nocolor", true, 120, 40, []tea.KeyPressMsg{down, down}},
	} {
		t.Run(c.name, func(t *testing.T) {
			m := New(uitest.Common(res, c.noColor))
			m.SetSize(c.w, c.h)
			press(m, c.keys...)
			view := m.View()
			uitest.CheckSize(t, view, c.w, c.h)
			uitest.Golden(t, "advice-"+c.name, view)
			if strings.Contains(view, "ghp_Kd4Kd4Kd4") || strings.Contains(view, "Pa55-w0rd-x") {
				t.Error("a secret is shown whole")
			}
		})
	}
	if got, want := New(uitest.Common(res, true)).Title(), "Advice (6 findings, 22 kB reclaimable)"; got != want {
		t.Errorf("title %q, want %q", got, want)
	}
}

// TestKeys walks the list at both sizes and jumps: enter closes and
// reports the finding's first path at its layer.
func TestKeys(t *testing.T) {
	res := advised(t)
	fs := res.Advice().Findings
	for _, size := range [][2]int{{80, 24}, {120, 40}} {
		m := New(uitest.Common(res, true))
		m.SetSize(size[0], size[1])
		mark, _, _ := strings.Cut(m.c.Styles.SelectedActive.Render("x"), "x")
		for _, c := range []struct {
			key  tea.KeyPressMsg
			want int
		}{{down, 1}, {down, 2}, {up, 1}, {end, len(fs) - 1}, {down, len(fs) - 1}, {home, 0}, {up, 0}, {down, 1}} {
			if _, closed := press(m, c.key); closed {
				t.Fatalf("%v closed", c.key)
			}
			if m.Selected() != c.want {
				t.Fatalf("%v: after %v selected %d, want %d", size, c.key, m.Selected(), c.want)
			}
			var sel string
			for _, l := range strings.Split(m.View(), "\n") {
				if strings.HasPrefix(l, mark) {
					sel = ansi.Strip(l)
				}
			}
			if !strings.Contains(sel, fs[c.want].Kind) {
				t.Fatalf("%v: the selected row %q is not finding %d (%s)", size, sel, c.want, fs[c.want].Kind)
			}
		}
		msg, closed := press(m, enter)
		if !closed {
			t.Fatalf("enter: closed %v, msg %v", closed, msg)
		}
		jump, ok := msg.(common.JumpMsg)
		if !ok || jump.Path != fs[1].Paths[0] || jump.Layer != fs[1].Layer {
			t.Errorf("enter reports %+v, want %s at layer %d", jump, fs[1].Paths[0], fs[1].Layer)
		}
		if p, l, ok := m.Chosen(); !ok || p != jump.Path || l != jump.Layer {
			t.Errorf("Chosen() = %s, %d, %v", p, l, ok)
		}
	}
	// The ENV secret has no path: enter leaves the list open.
	m := New(uitest.Common(res, true))
	press(m, end)
	if f := fs[len(fs)-1]; f.Secret == nil || f.Secret.Where != "env" {
		t.Fatalf("the fixture's last finding is %+v, want the ENV secret", f)
	}
	if msg, closed := press(m, enter); closed || msg != nil {
		t.Errorf("enter on a pathless finding: closed %v", closed)
	}
	for _, k := range []tea.KeyPressMsg{esc, q} {
		m := New(uitest.Common(res, true))
		if msg, closed := press(m, down, k); !closed {
			t.Errorf("%v: closed %v (%v)", k, closed, msg)
		}
		if _, ok := m.Update(k)().(common.CloseMsg); !ok {
			t.Errorf("%v: no CloseMsg", k)
		}
		if _, _, ok := m.Chosen(); ok {
			t.Errorf("%v closed with a choice", k)
		}
	}
}

func TestEmptyAndSmall(t *testing.T) {
	img, err := synth.Image([]synth.Entry{synth.File("f", "1")})
	if err != nil {
		t.Fatal(err)
	}
	none, err := analysis.Analyze(context.Background(), img)
	if err != nil {
		t.Fatal(err)
	}
	m := New(uitest.Common(none, true))
	m.SetSize(80, 24)
	uitest.Golden(t, "advice-none", m.View())
	if _, closed := press(m, enter); !closed {
		t.Error("enter did not close the empty list")
	}
	big := New(uitest.Common(advised(t), false))
	for _, size := range [][2]int{{1, 1}, {20, 5}, {40, 10}, {200, 60}} {
		big.SetSize(size[0], size[1])
		for _, k := range []tea.KeyPressMsg{home, end} {
			press(big, k)
			uitest.CheckSize(t, big.View(), size[0], size[1])
		}
	}
}
