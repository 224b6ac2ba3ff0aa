package config

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/layerscope/layerscope/analysis/safefile"
	"github.com/layerscope/layerscope/analysis/synth"
)

// TestLoadNotRegular: a FIFO, a device, a directory or a symlink to one,
// given as --config or found as the default file, is refused at once.
func TestLoadNotRegular(t *testing.T) {
	for _, kind := range []string{"fifo", "device", "dir", "link-to-fifo"} {
		t.Run(kind, func(t *testing.T) {
			xdg := t.TempDir()
			p := filepath.Join(xdg, "layerscope", "config.yaml")
			if err := synth.NotRegular(p, kind); err != nil {
				t.Fatal(err)
			}
			t.Setenv("XDG_CONFIG_HOME", xdg)
			for _, arg := range []string{p, ""} {
				if _, err := Load(arg); !errors.Is(err, safefile.ErrNotRegular) || !strings.Contains(err.Error(), p) {
					t.Errorf("Load(%q): error %v, want not a regular file naming %s", arg, err, p)
				}
			}
		})
	}
}

func TestLoadTooLarge(t *testing.T) {
	p := write(t, "defaults:\n  sort: size\n"+strings.Repeat("# padding\n", 200_000))
	if _, err := Load(p); err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Errorf("error %v, want one saying the file is too large", err)
	}
}

// TestYAMLErrorsOneLine: duplicate keys, type errors (several at once
// come from the library on several lines), syntax errors and unknown keys
// are one line naming the file and the line.
func TestYAMLErrorsOneLine(t *testing.T) {
	for name, c := range map[string]struct {
		text string
		want []string
	}{
		"duplicate key":  {"defaults:\n  sort: size\n  sort: name\n", []string{"line 3", "already defined"}},
		"two errors":     {"defaults:\n  attributes: maybe\n  aggregated: perhaps\n", []string{"line 2", "line 3"}},
		"syntax":         {"keys:\n  quit: [q\n", []string{"line "}},
		"unknown key":    {"default:\n  sort: size\n", []string{"line 1", "default"}},
		"bad key list":   {"keys:\n  quit: {a: b}\n", []string{"line 2", "want a key"}},
		"control a byte": {"colors:\n  \"\\e[31m\": red\n", []string{`\x1b`}},
	} {
		t.Run(name, func(t *testing.T) {
			p := write(t, c.text)
			_, err := Load(p)
			if err == nil {
				t.Fatal("no error")
			}
			msg := err.Error()
			if strings.ContainsAny(msg, "\n\r\x1b") {
				t.Errorf("not one clean line: %q", msg)
			}
			for _, w := range append(c.want, p) {
				if !strings.Contains(msg, w) {
					t.Errorf("%q does not mention %q", msg, w)
				}
			}
		})
	}
}
