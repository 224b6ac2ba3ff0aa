package ui

import (
	"charm.land/bubbles/v2/help"
	tea "charm.land/bubbletea/v2"

	"github.com/layerscope/layerscope/ui/common"
)

// legacyPane is the shape panes had before common.Pane: Update returned
// whether to close. asPane adapts such a pane at run time, so the app
// compiles whether pager and history are converted yet or not (they are
// converted on another branch; once merged, this file can go).
type legacyPane interface {
	help.KeyMap
	Title() string
	SetSize(w, h int)
	Update(msg tea.Msg) (tea.Cmd, bool)
	View() string
}

type adapted struct{ legacyPane }

func (a *adapted) Init() tea.Cmd {
	if i, ok := a.legacyPane.(interface{ Init() tea.Cmd }); ok {
		return i.Init()
	}
	return nil
}

func (a *adapted) Close() {
	if c, ok := a.legacyPane.(interface{ Close() }); ok {
		c.Close()
	}
}

func (a *adapted) Update(msg tea.Msg) tea.Cmd {
	cmd, closed := a.legacyPane.Update(msg)
	if closed {
		return tea.Batch(cmd, common.CloseCmd(a))
	}
	return cmd
}

// asPane returns p as a common.Pane.
func asPane(p any) common.Pane {
	switch p := p.(type) {
	case common.Pane:
		return p
	case legacyPane:
		return &adapted{p}
	}
	panic("ui: not a pane")
}
