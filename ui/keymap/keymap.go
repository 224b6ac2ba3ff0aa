// Package keymap holds every key binding of the explorer, built from
// key.NewBinding, and applies the user's overrides from the config file.
package keymap

import (
	"fmt"
	"slices"
	"strings"

	"charm.land/bubbles/v2/key"
)

// KeyMap is the explorer's key bindings. Each field's config name is the
// lowerCamelCase of the field (see Names).
type KeyMap struct {
	Up, Down, PageUp, PageDown, Top, Bottom key.Binding
	SwitchPane, ViewMode                    key.Binding

	ToggleDir, ToggleAll, Parent, Open key.Binding
	HideAdded, HideModified            key.Binding
	HideRemoved, HideUnmodified        key.Binding
	Sort, Attributes                   key.Binding

	Filter, FilterRegex, Accept, Cancel, NextMatch, PrevMatch key.Binding

	Contents, Extract, History, Waste key.Binding
	Largest, SinceBase, Advice        key.Binding
	CopyPath, CopyCommand             key.Binding
	Help, Quit                        key.Binding
}

// DefaultKeyMap returns the default bindings.
func DefaultKeyMap() *KeyMap {
	b := func(keys []string, help, desc string) key.Binding {
		return key.NewBinding(key.WithKeys(keys...), key.WithHelp(help, desc))
	}
	return &KeyMap{
		Up:         b([]string{"up", "k"}, "↑/k", "up"),
		Down:       b([]string{"down", "j"}, "↓/j", "down"),
		PageUp:     b([]string{"pgup", "ctrl+b"}, "pgup", "page up"),
		PageDown:   b([]string{"pgdown", "ctrl+f"}, "pgdn", "page down"),
		Top:        b([]string{"home", "g"}, "g/home", "top"),
		Bottom:     b([]string{"end", "G"}, "G/end", "bottom"),
		SwitchPane: b([]string{"tab"}, "tab", "switch pane"),
		ViewMode:   b([]string{"v"}, "v", "layer/aggregated"),

		ToggleDir:      b([]string{"space"}, "space", "open/close"),
		ToggleAll:      b([]string{"z"}, "z", "collapse/expand all"),
		Parent:         b([]string{"left", "h"}, "←/h", "parent"),
		Open:           b([]string{"right", "l"}, "→/l", "open"),
		HideAdded:      b([]string{"a"}, "a", "added"),
		HideModified:   b([]string{"m"}, "m", "modified"),
		HideRemoved:    b([]string{"r"}, "r", "removed"),
		HideUnmodified: b([]string{"u"}, "u", "unmodified"),
		Sort:           b([]string{"s"}, "s", "sort name/size"),
		Attributes:     b([]string{"p"}, "p", "attributes"),

		Filter:      b([]string{"/"}, "/", "filter"),
		FilterRegex: b([]string{"ctrl+r"}, "ctrl+r", "regex"),
		Accept:      b([]string{"enter"}, "enter", "keep"),
		Cancel:      b([]string{"esc"}, "esc", "clear"),
		NextMatch:   b([]string{"n"}, "n", "next match"),
		PrevMatch:   b([]string{"N"}, "N", "previous match"),

		Contents: b([]string{"enter"}, "enter", "contents"),
		Extract:  b([]string{"x"}, "x", "extract"),
		History:  b([]string{"i"}, "i", "history"),
		Waste:    b([]string{"w"}, "w", "wasted files"),
		Largest:  b([]string{"L"}, "L", "largest files"),
		// b: what the image added on top of its base, as one change set.
		SinceBase: b([]string{"b"}, "b", "changes since base"),
		Advice:    b([]string{"A"}, "A", "advice"),
		// c and C copy to the clipboard (OSC 52, and the system's).
		CopyPath:    b([]string{"c"}, "c", "copy path"),
		CopyCommand: b([]string{"C"}, "C", "copy extract command"),
		Help:        b([]string{"?"}, "?", "all keys"),
		Quit:        b([]string{"q", "ctrl+c"}, "q", "quit"),
	}
}

// bindings maps config names to the bindings they set.
func (k *KeyMap) bindings() map[string]*key.Binding {
	return map[string]*key.Binding{
		"up": &k.Up, "down": &k.Down, "pageUp": &k.PageUp, "pageDown": &k.PageDown, "top": &k.Top, "bottom": &k.Bottom,
		"switchPane": &k.SwitchPane, "viewMode": &k.ViewMode,
		"toggleDir": &k.ToggleDir, "toggleAll": &k.ToggleAll, "parent": &k.Parent, "open": &k.Open,
		"hideAdded": &k.HideAdded, "hideModified": &k.HideModified, "hideRemoved": &k.HideRemoved, "hideUnmodified": &k.HideUnmodified,
		"sort": &k.Sort, "attributes": &k.Attributes,
		"filter": &k.Filter, "filterRegex": &k.FilterRegex, "accept": &k.Accept, "cancel": &k.Cancel,
		"nextMatch": &k.NextMatch, "prevMatch": &k.PrevMatch,
		"contents": &k.Contents, "extract": &k.Extract, "history": &k.History, "waste": &k.Waste,
		"largest": &k.Largest, "sinceBase": &k.SinceBase, "advice": &k.Advice,
		"copyPath": &k.CopyPath, "copyCommand": &k.CopyCommand,
		"help": &k.Help, "quit": &k.Quit,
	}
}

// Names lists the config names of every binding.
func (k *KeyMap) Names() []string {
	var out []string
	for n := range k.bindings() {
		out = append(out, n)
	}
	slices.Sort(out)
	return out
}

// Set replaces the keys of the binding called name.
func (k *KeyMap) Set(name string, keys []string) error {
	b, ok := k.bindings()[name]
	if !ok {
		return fmt.Errorf("unknown key binding %q (known: %s)", name, strings.Join(k.Names(), ", "))
	}
	if len(keys) == 0 {
		return fmt.Errorf("key binding %q: no keys given", name)
	}
	b.SetKeys(keys...)
	b.SetHelp(strings.Join(keys, "/"), b.Help().Desc)
	return nil
}
