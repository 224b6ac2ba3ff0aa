// Package config reads the explorer's configuration file,
// $XDG_CONFIG_HOME/layerscope/config.yaml: key bindings, the theme and
// colours, and view defaults. Unknown keys and invalid values are errors,
// never ignored.
//
//	theme: colorblind      # auto (default: follows the terminal), dark, light, high-contrast, colorblind
//	colors:
//	  removed: "#ff0000"   # overrides one colour of the theme
package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"

	"go.yaml.in/yaml/v3"

	"github.com/layerscope/layerscope/analysis/gate/configfile"
	"github.com/layerscope/layerscope/ui/filetree"
	"github.com/layerscope/layerscope/ui/keymap"
	"github.com/layerscope/layerscope/ui/styles"
)

// File is the configuration file's shape.
type File struct {
	Theme    string                `yaml:"theme"`
	Keys     map[string]stringList `yaml:"keys"`
	Colors   map[string]string     `yaml:"colors"`
	Defaults Defaults              `yaml:"defaults"`
}

// Defaults preset the tree view.
type Defaults struct {
	Sort       string   `yaml:"sort"` // name or size
	Attributes *bool    `yaml:"attributes"`
	Aggregated *bool    `yaml:"aggregated"`
	Hide       []string `yaml:"hide"` // added, modified, removed, unmodified
}

// stringList accepts "q" as well as [q, ctrl+q].
type stringList []string

func (s *stringList) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		*s = stringList{n.Value}
		return nil
	}
	var l []string
	if err := n.Decode(&l); err != nil {
		return fmt.Errorf("line %d: want a key or a list of keys", n.Line)
	}
	*s = l
	return nil
}

// Loaded is the configuration applied to the explorer's parts.
type Loaded struct {
	Path    string // "" when there is no file
	KeyMap  *keymap.KeyMap
	Palette func(isDark bool) styles.Palette
	Tree    filetree.Options
}

// Default is the configuration without a file: what a user gets.
func Default() *Loaded {
	return &Loaded{KeyMap: keymap.DefaultKeyMap(), Palette: styles.DefaultPalette, Tree: filetree.Options{Attributes: true}}
}

// DefaultPath is $XDG_CONFIG_HOME/layerscope/config.yaml.
func DefaultPath() string {
	dir := os.Getenv("XDG_CONFIG_HOME")
	if dir == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return ""
		}
		dir = filepath.Join(home, ".config")
	}
	return filepath.Join(dir, "layerscope", "config.yaml")
}

// Load reads path (explicit: it must exist) or, when path is "", the
// default file if there is one.
func Load(path string) (*Loaded, error) {
	explicit := path != ""
	if !explicit {
		path = DefaultPath()
	}
	out := Default()
	b, err := configfile.Read(path)
	if err != nil {
		if !explicit && errors.Is(err, fs.ErrNotExist) {
			return out, nil
		}
		return nil, err
	}
	out.Path = path
	var f File
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%s: %w", configfile.OneLine(path), configfile.YAMLError(err))
	}
	if err := out.apply(f); err != nil {
		return nil, fmt.Errorf("%s: %s", configfile.OneLine(path), configfile.OneLine(err.Error()))
	}
	return out, nil
}

func (l *Loaded) apply(f File) error {
	for _, name := range sortedKeys(f.Keys) {
		if err := l.KeyMap.Set(name, f.Keys[name]); err != nil {
			return fmt.Errorf("keys: %w", err)
		}
	}
	theme, err := styles.Theme(f.Theme)
	if err != nil {
		return fmt.Errorf("theme: %w", err)
	}
	colors := f.Colors
	// Validate once, up front, so that a bad colour fails at start.
	probe := theme(true)
	for _, name := range sortedKeys(colors) {
		if err := probe.Set(name, colors[name]); err != nil {
			return fmt.Errorf("colors: %w", err)
		}
	}
	l.Palette = func(isDark bool) styles.Palette {
		p := theme(isDark)
		for name, v := range colors {
			p.Set(name, v) // checked above
		}
		return p
	}
	d := f.Defaults
	switch d.Sort {
	case "", "name":
	case "size":
		l.Tree.SortBySize = true
	default:
		return fmt.Errorf("defaults.sort: %q is neither name nor size", d.Sort)
	}
	if d.Attributes != nil {
		l.Tree.Attributes = *d.Attributes
	}
	if d.Aggregated != nil {
		l.Tree.Aggregated = *d.Aggregated
	}
	states := map[string][]filetree.Status{
		"added": {filetree.Added}, "modified": {filetree.Modified, filetree.MetaModified},
		"removed": {filetree.Removed}, "unmodified": {filetree.Unmodified},
	}
	for _, h := range d.Hide {
		sts, ok := states[h]
		if !ok {
			return fmt.Errorf("defaults.hide: %q is not one of added, modified, removed, unmodified", h)
		}
		for _, s := range sts {
			l.Tree.Hidden[s] = true
		}
	}
	return nil
}

func sortedKeys[V any](m map[string]V) []string {
	var keys []string
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
