// Package common is the context every explorer component shares: size,
// styles, key map, and the lock that guards the analysis while layers are
// still being read into it.
package common

import (
	"sync"

	"charm.land/bubbles/v2/key"

	"github.com/layerscope/layerscope/analysis"
	"github.com/layerscope/layerscope/ui/keymap"
	"github.com/layerscope/layerscope/ui/styles"
)

// Common is shared by pointer; components read it, the app sets it.
type Common struct {
	Styles *styles.Styles
	KeyMap *keymap.KeyMap
	// Result is the analysis, filled in by a reader goroutine that holds
	// Lock for writing while it changes Result.
	Result *analysis.Result
	Lock   *sync.RWMutex
}

// Read runs fn holding the analysis lock for reading.
func (c *Common) Read(fn func()) {
	c.Lock.RLock()
	defer c.Lock.RUnlock()
	fn()
}

// CloseBinding describes the keys that close a pane (esc and q).
func CloseBinding(cancel, quit key.Binding) key.Binding {
	keys := append(append([]string{}, cancel.Keys()...), quit.Keys()...)
	return key.NewBinding(key.WithKeys(keys...), key.WithHelp(cancel.Help().Key+"/"+quit.Help().Key, "close"))
}
