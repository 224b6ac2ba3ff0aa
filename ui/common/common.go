// Package common is the context every explorer component shares: styles,
// key map and the analysis.
package common

import (
	"charm.land/bubbles/v2/key"

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
}

// CloseBinding describes the keys that close a pane (esc and q).
func CloseBinding(cancel, quit key.Binding) key.Binding {
	keys := append(append([]string{}, cancel.Keys()...), quit.Keys()...)
	return key.NewBinding(key.WithKeys(keys...), key.WithHelp(cancel.Help().Key+"/"+quit.Help().Key, "close"))
}
