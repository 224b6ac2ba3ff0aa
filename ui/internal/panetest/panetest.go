// Package panetest runs one explorer pane (a common.Pane) in a real
// bubbletea program under teatest, the way the app hosts it: told its
// size, sent keys, its outcome messages (close, jump, status) taken as
// the app takes them. Tests of the panes use it for key presses and
// golden screens at the terminal sizes the explorer supports.
package panetest

import (
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/layerscope/layerscope/ui/common"
	"github.com/layerscope/layerscope/ui/internal/uitest"
)

// Sizes are the terminal sizes every pane is tried at.
var Sizes = [][2]int{{80, 24}, {120, 40}, {200, 60}}

// Host is the program's model: the pane over a one-line footer that shows
// the last status message.
type Host struct {
	mu     sync.Mutex // Update runs on the program's goroutine, Run polls
	Pane   common.Pane
	Status string
	Closed bool
	Jumps  []common.JumpMsg
	w, h   int
}

type quitMsg struct{}

// Init starts the pane.
func (m *Host) Init() tea.Cmd { return m.Pane.Init() }

// Update routes messages as the app does.
func (m *Host) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	m.mu.Lock()
	defer m.mu.Unlock()
	switch msg := msg.(type) {
	case quitMsg:
		return m, tea.Quit
	case tea.WindowSizeMsg:
		m.w, m.h = msg.Width, msg.Height
		m.Pane.SetSize(msg.Width, msg.Height-1)
		return m, nil
	case common.CloseMsg:
		if msg.Pane == m.Pane {
			m.Closed = true
			m.Pane.Close()
			m.Status = "(closed)"
		}
		return m, nil
	case common.JumpMsg:
		m.Jumps = append(m.Jumps, msg)
		m.Status = "(jump)"
		return m, nil
	case common.StatusMsg:
		m.Status = string(msg)
		return m, nil
	case tea.KeyPressMsg:
		m.Status = ""
	}
	return m, m.Pane.Update(msg)
}

// View is the pane and the footer.
func (m *Host) View() tea.View {
	m.mu.Lock()
	defer m.mu.Unlock()
	return tea.NewView(m.Screen())
}

// Screen is what View shows, as a string.
func (m *Host) Screen() string {
	return m.Pane.View() + "\n" + ansi.Truncate(m.Status, m.w, "…")
}

// Step is a key to press, then text to wait for before the next step:
// Wait anywhere on the screen, Status in the footer (the status line the
// pane's messages set; the screen's contents may hold the same text).
type Step struct {
	Key, Wait, Status string
}

// Keys are steps without waiting.
func Keys(keys ...string) []Step {
	var out []Step
	for _, k := range keys {
		out = append(out, Step{Key: k})
	}
	return out
}

// Run runs the pane at w×h: it waits for first (if not empty) on the
// screen, takes the steps, and returns the host once the program ended.
func Run(t *testing.T, p common.Pane, w, h int, first string, steps ...Step) *Host {
	t.Helper()
	host := &Host{Pane: p}
	tm := teatest.NewTestModel(t, host, teatest.WithInitialTermSize(w, h))
	// The screen is read from the model, not the program's output: the
	// renderer writes only the cells that changed.
	wait := func(text string, footer bool) {
		t.Helper()
		if text == "" {
			return
		}
		deadline := time.Now().Add(10 * time.Second)
		for {
			host.mu.Lock()
			screen := ansi.Strip(host.Screen())
			status := host.Status
			host.mu.Unlock()
			if (!footer && strings.Contains(screen, text)) || (footer && strings.Contains(status, text)) {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("%q not on the screen (footer only: %v) after 10 s:\n%s", text, footer, screen)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	wait(first, false)
	for _, s := range steps {
		if strings.HasPrefix(s.Key, "type:") {
			for _, r := range strings.TrimPrefix(s.Key, "type:") {
				tm.Send(uitest.Key(string(r)))
			}
		} else {
			tm.Send(uitest.Key(s.Key))
		}
		wait(s.Wait, false)
		wait(s.Status, true)
	}
	tm.Send(quitMsg{})
	tm.WaitFinished(t, teatest.WithFinalTimeout(10*time.Second))
	return tm.FinalModel(t).(*Host)
}
