// Package configfile reads the small YAML files that configure layerscope
// (the CI rules, dive's .dive-ci, the explorer's config.yaml) the same
// safe way: only a regular file (a FIFO, a device or a directory, also
// behind a symlink, is refused at once, never blocking), of bounded size,
// and every YAML error as one line that names the file.
package configfile

import (
	"errors"
	"fmt"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/layerscope/layerscope/analysis/safefile"
)

// MaxSize bounds a configuration file; real ones are a few hundred bytes.
const MaxSize = 1 << 20

// Read reads the configuration file name.
func Read(name string) ([]byte, error) {
	return safefile.ReadFile(name, MaxSize)
}

// YAMLError is err of the YAML library as one line: its several errors
// (one a line, for duplicate keys and type errors) are joined with "; ",
// and its "yaml: " prefix goes.
func YAMLError(err error) error {
	var te *yaml.TypeError
	msg := err.Error()
	if errors.As(err, &te) {
		msg = strings.Join(te.Errors, "; ")
	}
	msg = strings.TrimPrefix(msg, "yaml: ")
	return errors.New(OneLine(msg))
}

// OneLine makes s fit one line of a terminal: line breaks become "; " and
// other control bytes are escaped, so a file cannot break or recolour the
// message that quotes it.
func OneLine(s string) string {
	var lines []string
	for _, l := range strings.FieldsFunc(s, func(r rune) bool { return r == '\n' || r == '\r' }) {
		if l = strings.TrimSpace(l); l != "" {
			lines = append(lines, l)
		}
	}
	s = strings.Join(lines, "; ")
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == 0x7f {
			fmt.Fprintf(&b, `\x%02x`, c)
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}
