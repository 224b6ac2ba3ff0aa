package analysis

import (
	"path"
	"strings"
	"testing"
)

// refCleanPath is what cleanPath must return: path.Clean from the root,
// made relative.
func refCleanPath(name string) string { return strings.TrimPrefix(path.Clean("/"+name), "/") }

func TestCleanPath(t *testing.T) {
	for _, name := range []string{
		"", ".", "..", "/", "//", "a", "a/", "/a", "a//b", "a/./b", "a/../b", "./a", "../a", "a/.", "a/..",
		".a", "..a", "a.", "a..", "...", "a/.../b", "a/.b/c", "a/..b", "a/b..", ".wh..wh..opq", "a/.wh.b",
		"usr/share/doc/x.txt", "a/b/c/", "a/b//", "../../etc/passwd", "a/\x00/b", "a/ /b",
	} {
		if got, want := cleanPath(name), refCleanPath(name); got != want {
			t.Errorf("cleanPath(%q) = %q, want %q", name, got, want)
		}
	}
}

// FuzzCleanPath: cleanPath agrees with path.Clean for any name, and
// isClean holds exactly for the names that clean to themselves (those
// take no allocation).
func FuzzCleanPath(f *testing.F) {
	for _, s := range []string{"a/b", "./a/../b", "a//b/", "...", "a/.b", ".."} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		got, want := cleanPath(name), refCleanPath(name)
		if got != want {
			t.Errorf("cleanPath(%q) = %q, want %q", name, got, want)
		}
		if isClean(name) != (name != "" && want == name) {
			t.Errorf("isClean(%q) = %v, but it cleans to %q", name, isClean(name), want)
		}
	})
}
