//go:build linux

package main

import (
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// tmuxSession runs the explorer in a detached tmux server of its own
// (w×h), so that a test can resize the window, press keys and read the
// terminal's scrollback as a user's terminal would keep it.
type tmuxSession struct {
	t      *testing.T
	socket string
}

func newTmux(t *testing.T, w, h int, args ...string) *tmuxSession {
	t.Helper()
	needTool(t, "tmux")
	s := &tmuxSession{t: t, socket: fmt.Sprintf("layerscope-test-%d", time.Now().UnixNano())}
	bin, err := filepath.Abs(binary)
	if err != nil {
		t.Fatal(err)
	}
	cmdline := bin
	for _, a := range args {
		cmdline += " '" + a + "'"
	}
	// CI=true would make it the gate, not the explorer. The shell says when the explorer is over and keeps the pane open
	// (tmux's own "Pane is dead" line would scroll the screen).
	s.run("new-session", "-d", "-x", fmt.Sprint(w), "-y", fmt.Sprint(h),
		"env -u CI TERM=xterm-256color "+cmdline+"; echo explorer-exited; sleep 60")
	t.Cleanup(func() { exec.Command("tmux", "-L", s.socket, "kill-server").Run() })
	return s
}

func (s *tmuxSession) run(args ...string) string {
	s.t.Helper()
	return sh(s.t, "tmux", append([]string{"-L", s.socket}, args...)...)
}

// waitFor waits until the visible screen shows text.
func (s *tmuxSession) waitFor(text string) {
	s.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		if strings.Contains(s.run("capture-pane", "-p"), text) {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	s.t.Fatalf("the screen never showed %q:\n%s", text, s.run("capture-pane", "-p"))
}

// TestExploreTmuxWidenThenQuit: widening the terminal and then quitting
// leaves no frame lines in the scrollback (issue 14, point 7); before the
// fix a 100-column frame widened to 101 or 160 left 15 lines.
func TestExploreTmuxWidenThenQuit(t *testing.T) {
	for _, c := range []struct {
		width int
		key   string
	}{{101, "q"}, {160, "q"}, {160, "C-c"}} {
		t.Run(fmt.Sprintf("%d-%s", c.width, c.key), func(t *testing.T) {
			s := newTmux(t, 100, 30, testdata("fixtures", "basic.docker.tar"))
			s.waitFor("Layers (")
			s.run("resize-window", "-x", fmt.Sprint(c.width))
			s.waitFor("Layers (") // redrawn at the new width
			time.Sleep(200 * time.Millisecond)
			s.run("send-keys", c.key)
			s.waitFor("explorer-exited")
			if h := strings.TrimSpace(s.run("display", "-p", "#{history_size}")); h != "0" {
				t.Errorf("history holds %s lines after quitting:\n%s", h, s.run("capture-pane", "-p", "-S", "-"))
			}
		})
	}
}
