package configfile

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/layerscope/layerscope/analysis/safefile"
)

// TestReadRefusesNonRegular: FIFOs (which block open(2) without a writer),
// devices, directories and symlinks to them are refused at once.
func TestReadRefusesNonRegular(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link")
	os.Symlink(fifo, link)
	devLink := filepath.Join(dir, "zero")
	os.Symlink("/dev/zero", devLink)
	for _, name := range []string{fifo, link, "/dev/zero", devLink, dir} {
		start := time.Now()
		_, err := Read(name)
		if !errors.Is(err, safefile.ErrNotRegular) {
			t.Errorf("%s: error %v, want ErrNotRegular", name, err)
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("%s: took %v", name, d)
		}
	}
}

func TestReadBoundsSize(t *testing.T) {
	p := filepath.Join(t.TempDir(), "big.yaml")
	os.WriteFile(p, []byte("rules: {}\n"+strings.Repeat("#", MaxSize)), 0o644)
	if _, err := Read(p); err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Errorf("error %v, want one saying the file is too large", err)
	}
	os.WriteFile(p, []byte("rules: {}\n"), 0o644)
	if b, err := Read(p); err != nil || string(b) != "rules: {}\n" {
		t.Errorf("%q, %v", b, err)
	}
}

// TestYAMLErrorOneLine: the library's multi-line errors (several
// duplicate keys, type errors) become one line that keeps every part.
func TestYAMLErrorOneLine(t *testing.T) {
	var v struct{ A, B int }
	cases := map[string][]string{
		"a: 1\na: 2\nb: 3\nb: 4\n": {"line 2", `"a" already defined`, "line 4", `"b" already defined`},
		"a: x\nb: [1]\n":           {"line 1", "line 2", "cannot unmarshal"},
		"a: 1\n b: : 2\n":          {"line 2"},
		"a: \"\\e[31m\"\n":         {"cannot unmarshal", `\x1b`},
	}
	for text, wants := range cases {
		err := yaml.Unmarshal([]byte(text), &v)
		if err == nil {
			t.Fatalf("%q: no error", text)
		}
		got := YAMLError(err).Error()
		if strings.ContainsAny(got, "\n\r\x1b") || strings.HasPrefix(got, "yaml:") {
			t.Errorf("%q: not one clean line: %q", text, got)
		}
		for _, w := range wants {
			if !strings.Contains(got, w) {
				t.Errorf("%q: %q does not mention %q", text, got, w)
			}
		}
	}
}
