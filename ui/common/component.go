package common

import (
	"charm.land/bubbles/v2/help"
	tea "charm.land/bubbletea/v2"

	"github.com/layerscope/layerscope/tree"
)

// Component is one part of the explorer's screen, built the way
// soft-serve builds its UI: a model with its own keys (help.KeyMap, which
// the footer and the ? screen show) that is told its size. What it wants
// the app to do (close it, jump to a path, say something in the footer)
// comes back as a message from the command Update returns, never as a
// return value the app has to interpret.
type Component interface {
	help.KeyMap
	// SetSize sets the inner size, without the border the app draws.
	SetSize(width, height int)
	// Update handles a message, ignoring what is not its own.
	Update(msg tea.Msg) tea.Cmd
	View() string
}

// Pane is a Component the app shows in place of the file tree: a file's
// contents, a path's history, the wasted files, the largest files.
type Pane interface {
	Component
	// Init starts what the pane needs (a first read); it may return nil.
	Init() tea.Cmd
	// Title goes into the pane's top border.
	Title() string
	// Close releases what the pane holds (a reader, a pending read). The
	// app calls it whenever it drops the pane, however that happens; a
	// second call does nothing.
	Close()
}

// CloseMsg asks the app to drop Pane. It names the pane so that a message
// that arrives late cannot close a pane opened after it.
type CloseMsg struct{ Pane Pane }

// CloseCmd is the command a pane returns to be closed.
func CloseCmd(p Pane) tea.Cmd { return func() tea.Msg { return CloseMsg{p} } }

// JumpMsg asks the app to close the pane that sent it (if any), select
// Layer (a negative Layer keeps the one shown) and put the tree's cursor
// on Path, opening its parents ("" leaves the cursor where it is).
type JumpMsg struct {
	Path  string
	Layer int
}

// JumpCmd is the command that asks for a jump.
func JumpCmd(path string, layer int) tea.Cmd {
	return func() tea.Msg { return JumpMsg{Path: path, Layer: layer} }
}

// StatusMsg is a line for the footer, shown until the next key.
type StatusMsg string

// StatusCmd is the command that shows text in the footer.
func StatusCmd(text string) tea.Cmd { return func() tea.Msg { return StatusMsg(text) } }

// FilesMsg carries the files of the tree's view, listed in the
// background (a large tree), to the largest-files list waiting for them;
// View counts the tree's views, so that a list for an older one is known.
type FilesMsg struct {
	View int
	IDs  []tree.EntryID
}
