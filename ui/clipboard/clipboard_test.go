package clipboard

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/exp/teatest/v2"
)

// fake is a system: environment variables, the tools on PATH, and what
// each run got.
type fake struct {
	mu    sync.Mutex
	env   map[string]string
	tools map[string]bool
	runs  []string
	fail  error
}

func (f *fake) copier(goos string) *Copier {
	return &Copier{
		Getenv: func(k string) string { return f.env[k] },
		LookPath: func(n string) (string, error) {
			if f.tools[n] {
				return "/usr/bin/" + n, nil
			}
			return "", exec.ErrNotFound
		},
		Run: func(_ context.Context, name string, args []string, text string) error {
			f.mu.Lock()
			defer f.mu.Unlock()
			f.runs = append(f.runs, strings.Join(append([]string{name}, args...), " ")+" <- "+text)
			return f.fail
		},
		GOOS: goos,
	}
}

// host is a program that copies on "c" and keeps the report.
type host struct {
	c    *Copier
	text string
	got  chan CopiedMsg
}

func (h *host) Init() tea.Cmd { return nil }
func (h *host) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.KeyPressMsg:
		if msg.String() == "c" {
			return h, h.c.Copy(h.text, "the path")
		}
	case CopiedMsg:
		h.got <- msg
		return h, tea.Quit
	}
	return h, nil
}
func (h *host) View() tea.View { return tea.NewView("x") }

// TestOSC52: the program writes the OSC 52 sequence with the text, and the
// system tool gets it too, on a desktop.
func TestOSC52(t *testing.T) {
	f := &fake{env: map[string]string{"DISPLAY": ":0"}, tools: map[string]bool{"xclip": true}}
	h := &host{c: f.copier("linux"), text: "/data/keep.txt", got: make(chan CopiedMsg, 1)}
	tm := teatest.NewTestModel(t, h, teatest.WithInitialTermSize(80, 24))
	tm.Send(tea.KeyPressMsg{Code: 'c', Text: "c"})
	var msg CopiedMsg
	select {
	case msg = <-h.got:
	case <-time.After(10 * time.Second):
		t.Fatal("no report")
	}
	tm.WaitFinished(t, teatest.WithFinalTimeout(5*time.Second))
	out := readAll(t, tm)
	want := "\x1b]52;c;" + base64.StdEncoding.EncodeToString([]byte("/data/keep.txt")) + "\a"
	if !strings.Contains(out, want) {
		t.Errorf("no OSC 52 sequence %q in the output %q", want, out)
	}
	if msg.Status() != "copied the path (OSC 52, xclip)" {
		t.Errorf("status %q", msg.Status())
	}
	if !reflect.DeepEqual(f.runs, []string{"xclip -selection clipboard <- /data/keep.txt"}) {
		t.Errorf("runs %q", f.runs)
	}
}

func readAll(t *testing.T, tm *teatest.TestModel) string {
	t.Helper()
	var b strings.Builder
	buf := make([]byte, 4096)
	r := tm.FinalOutput(t)
	for {
		n, err := r.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			return b.String()
		}
	}
}

// TestTool: which system clipboard is used where, and none over SSH.
func TestTool(t *testing.T) {
	all := map[string]bool{"pbcopy": true, "clip.exe": true, "wl-copy": true, "xclip": true, "xsel": true}
	for _, c := range []struct {
		goos  string
		env   map[string]string
		tools map[string]bool
		want  string
	}{
		{"darwin", nil, all, "pbcopy"},
		{"windows", nil, all, "clip.exe"},
		{"linux", map[string]string{"WAYLAND_DISPLAY": "wayland-0"}, all, "wl-copy"},
		{"linux", map[string]string{"DISPLAY": ":0"}, all, "xclip"},
		{"linux", map[string]string{"DISPLAY": ":0"}, map[string]bool{"xsel": true}, "xsel"},
		{"linux", map[string]string{"DISPLAY": ":0"}, nil, ""},
		{"linux", nil, all, ""},
		{"linux", map[string]string{"DISPLAY": ":0", "SSH_CONNECTION": "1 2 3 4"}, all, ""},
		{"darwin", map[string]string{"SSH_TTY": "/dev/pts/1"}, all, ""},
	} {
		f := &fake{env: c.env, tools: c.tools}
		if got, _ := f.copier(c.goos).tool(); got != c.want {
			t.Errorf("%s %v %v: %q, want %q", c.goos, c.env, c.tools, got, c.want)
		}
	}
}

// TestCopyReports: a failing tool is reported beside OSC 52; text over
// the bound is refused.
func TestCopyReports(t *testing.T) {
	f := &fake{env: map[string]string{"DISPLAY": ":0"}, tools: map[string]bool{"xclip": true}, fail: errors.New("xclip: exit status 1: Error: Can't open display")}
	msgs := runCmd(f.copier("linux").Copy("x", "/x"))
	if len(msgs) != 2 {
		t.Fatalf("%d messages", len(msgs))
	}
	if got := msgs[1].(CopiedMsg).Status(); got != "copied /x (OSC 52); system clipboard: xclip: exit status 1: Error: Can't open display" {
		t.Errorf("status %q", got)
	}
	msgs = runCmd(f.copier("linux").Copy(strings.Repeat("x", MaxText+1), "big"))
	if m, ok := msgs[0].(CopiedMsg); !ok || m.Err == nil {
		t.Errorf("over the bound: %#v", msgs)
	}
}

// runCmd runs cmd and, for a batch or a sequence, the commands in it.
func runCmd(cmd tea.Cmd) []tea.Msg {
	msg := cmd()
	v := reflect.ValueOf(msg)
	if v.Kind() == reflect.Slice && v.Type().Elem() == reflect.TypeOf(tea.Cmd(nil)) {
		var out []tea.Msg
		for i := range v.Len() {
			out = append(out, v.Index(i).Interface().(tea.Cmd)())
		}
		return out
	}
	return []tea.Msg{msg}
}

// TestExtractCommandQuoting: quotes survive, control characters are
// refused.
func TestExtractCommandQuoting(t *testing.T) {
	got, err := ExtractCommand("docker", "img:1", "/data/it's here.txt")
	want := `id=$(docker create 'img:1' true) && { docker cp "$id":'/data/it'\''s here.txt' .; r=$?; docker rm "$id" >/dev/null; (exit $r); }`
	if err != nil || got != want {
		t.Errorf("got %q, %v\nwant %q", got, err, want)
	}
	if _, err := ExtractCommand("docker", "img", "/a\nrm -rf ~"); !errors.Is(err, ErrUnsafe) {
		t.Errorf("a newline in the path: %v", err)
	}
}

// TestExtractCommandRuns: the copied command, run by sh against the
// Docker Engine, copies the fixture's file out.
func TestExtractCommandRuns(t *testing.T) {
	if _, err := exec.LookPath("docker"); err != nil {
		skipOutsideCI(t, "docker")
	}
	if err := exec.Command("docker", "version").Run(); err != nil {
		skipOutsideCI(t, "a running Docker Engine")
	}
	tag := fmt.Sprintf("layerscope-clipboard-test:%d", os.Getpid())
	fixture := filepath.Join("..", "..", "testdata", "fixtures", "basic.docker.tar")
	// The fixture's own tag stays: cmd/layerscope's tests, in another
	// process at the same time, read docker://layerscope-fixture:basic.
	if out, err := exec.Command("docker", "load", "-i", fixture).CombinedOutput(); err != nil {
		t.Fatalf("docker load: %v\n%s", err, out)
	}
	if out, err := exec.Command("docker", "tag", "layerscope-fixture:basic", tag).CombinedOutput(); err != nil {
		t.Fatalf("docker tag: %v\n%s", err, out)
	}
	t.Cleanup(func() { exec.Command("docker", "rmi", tag).Run() })
	cmd, err := ExtractCommand("docker", tag, "/data/it's here.txt")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	sh := exec.Command("sh", "-c", cmd)
	sh.Dir = dir
	out, err := sh.CombinedOutput()
	_ = out
	// The fixture has no such file: the command must fail cleanly.
	if err == nil {
		t.Errorf("copying a missing file succeeded")
	}
	cmd, _ = ExtractCommand("docker", tag, "/data/keep.txt")
	sh = exec.Command("sh", "-c", cmd)
	sh.Dir = dir
	if out, err := sh.CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", cmd, err, out)
	}
	b, err := os.ReadFile(filepath.Join(dir, "keep.txt"))
	want, _ := os.ReadFile(filepath.Join("..", "..", "testdata", "fixtures", "basic", "files", "keep.txt"))
	if err != nil || string(b) != string(want) {
		t.Errorf("keep.txt: %q, %v; want %q", b, err, want)
	}
	if out, _ := exec.Command("docker", "ps", "-aq", "--filter", "ancestor="+tag).Output(); len(strings.TrimSpace(string(out))) > 0 {
		t.Errorf("containers left behind: %s", out)
	}
}

func skipOutsideCI(t *testing.T, what string) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s is required in CI", what)
	}
	t.Skipf("needs %s", what)
}
