// Package common is the context every explorer component shares: styles,
// key map and the analysis.
package common

import (
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/layerscope/layerscope/analysis"
	"github.com/layerscope/layerscope/ui/keymap"
	"github.com/layerscope/layerscope/ui/styles"
)

// Common is shared by pointer; components read it, the app sets it.
type Common struct {
	Styles *styles.Styles
	KeyMap *keymap.KeyMap
	// Result is the analysis. The app merges layers into it in Update,
	// so components read it in Update and View only; what runs in a
	// tea.Cmd takes plain values from it first (content.Locate,
	// extract.Prepare), or runs only once Result.Done (nothing changes
	// it after that).
	Result *analysis.Result

	stats     []*LayerStats // Stats' memo, per merged layer
	statsDone bool          // the memo holds the analysis's own counts
	ranks     []uint32      // PathRanks' memo, once the tree is whole
}

// CloseBinding describes the keys that close a pane (esc and q).
func CloseBinding(cancel, quit key.Binding) key.Binding {
	keys := append(append([]string{}, cancel.Keys()...), quit.Keys()...)
	return key.NewBinding(key.WithKeys(keys...), key.WithHelp(cancel.Help().Key+"/"+quit.Help().Key, "close"))
}

// PathRanks numbers every path of the analysis in byte-wise order
// (tree.PathRanks), for lists that sort by path. RanksCmd computes it in
// the background once the tree is whole; asked for before, it is computed
// on the spot.
func (c *Common) PathRanks() []uint32 {
	if c.ranks != nil {
		return c.ranks
	}
	r := c.Result.FS.PathRanks()
	if c.Result.Done() {
		c.ranks = r
	}
	return r
}

// RanksMsg carries the path ranks computed by RanksCmd.
type RanksMsg struct{ ranks []uint32 }

// RanksCmd computes the path ranks in the background, once the analysis
// is done (nothing changes the tree after that); nil before, or when they
// are known.
func (c *Common) RanksCmd() tea.Cmd {
	if c.ranks != nil || c.Result == nil || !c.Result.Done() {
		return nil
	}
	fs := c.Result.FS
	return func() tea.Msg { return RanksMsg{ranks: fs.PathRanks()} }
}

// SetRanks keeps what RanksCmd computed.
func (c *Common) SetRanks(msg RanksMsg) {
	if c.ranks == nil {
		c.ranks = msg.ranks
	}
}
