package filetree

import (
	"math/rand/v2"
	"path"
	"strings"
	"testing"

	"github.com/layerscope/layerscope/tree"
)

// oddNames are names an image may hold: control bytes, bytes that are
// not UTF-8, glob and regex characters, spaces, repeats and prefixes of
// one another, and the empty name.
var oddNames = []string{
	"usr", "lib", "libc.so.6", "libc.so", "lib64", "bin", "a", "ab", "ba", "b",
	"x\x00y", "\xff\xfe", "caf\xc3\xa9", "\xc3", "*", "a*b", "?", "[x]", "\\", "\\*",
	"sp ace", ".", "..", "...", "-", "é", "usr.lib", "",
}

// randomFS builds a tree of odd names, names repeating at every level.
func randomFS(r *rand.Rand, paths int) *tree.FS {
	fs := tree.NewFS()
	for range paths {
		n := tree.Root
		for range 1 + r.IntN(5) {
			n = fs.Child(n, oddNames[r.IntN(len(oddNames))])
		}
	}
	return fs
}

// randomWord is a filter word cut from the odd names and slashes, as a
// user who types a piece of a path would: a substring, or a glob.
func randomWord(r *rand.Rand) string {
	var b strings.Builder
	if r.IntN(4) == 0 {
		b.WriteByte('/')
	}
	for i := range 1 + r.IntN(3) {
		if i > 0 {
			b.WriteByte('/')
		}
		name := oddNames[r.IntN(len(oddNames))]
		if len(name) > 1 && r.IntN(2) == 0 { // a piece of a name
			from := r.IntN(len(name))
			name = name[from : from+1+r.IntN(len(name)-from)]
		}
		b.WriteString(name)
	}
	if r.IntN(5) == 0 {
		b.WriteByte('/')
	}
	w := b.String()
	switch r.IntN(6) {
	case 0:
		w = "*" + w
	case 1:
		w += "*"
	case 2:
		if w != "" {
			w = strings.Replace(w, string(w[len(w)/2]), "?", 1)
		}
	}
	return w
}

// bruteMatch is the filter's meaning, path by path: every substring in
// the path, every glob on the name (on the path when it has a /).
func bruteMatch(q query, fs *tree.FS) (keep, match []bool) {
	keep, match = make([]bool, fs.Len()), make([]bool, fs.Len())
	for n := tree.NodeID(1); int(n) < fs.Len(); n++ {
		p, hit := fs.Path(n), true
		for _, s := range q.subs {
			hit = hit && strings.Contains(p, s)
		}
		for _, g := range q.globs {
			target := fs.Name(n)
			if g.path {
				target = p
			}
			ok, _ := path.Match(g.pattern, target)
			hit = hit && ok
		}
		if match[n] = hit; hit {
			for a := n; a != tree.Root; a = fs.Parent(a) {
				keep[a] = true
			}
		}
	}
	return keep, match
}

func sameMarks(t *testing.T, fs *tree.FS, how, text string, keep, match, wantKeep, wantMatch []bool) {
	t.Helper()
	for n := range wantMatch {
		if match[n] != wantMatch[n] || keep[n] != wantKeep[n] {
			t.Fatalf("%s, filter %q, %q: match %v keep %v, want %v %v", how, text, fs.Path(tree.NodeID(n)),
				match[n], keep[n], wantMatch[n], wantKeep[n])
		}
	}
}

// checkQuery compares both ways of matching with the brute one.
func checkQuery(t *testing.T, fs *tree.FS, text string) {
	t.Helper()
	q, err := parseQuery(text, false)
	if err != nil || q.empty() {
		return
	}
	wantKeep, wantMatch := bruteMatch(q, fs)
	keep, match := q.match(fs)
	sameMarks(t, fs, "match", text, keep, match, wantKeep, wantMatch)
	keep, match = q.walk(fs)
	sameMarks(t, fs, "walk", text, keep, match, wantKeep, wantMatch)
}

// TestMatchByName: deciding the words per distinct name gives what
// matching every whole path gives, on trees of odd names and words cut
// from them: substrings across a / and not, globs on names and paths,
// several at once.
func TestMatchByName(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for range 40 {
		fs := randomFS(r, 300)
		for range 60 {
			words := make([]string, 1+r.IntN(3))
			for i := range words {
				words[i] = randomWord(r)
			}
			checkQuery(t, fs, strings.Join(words, " "))
		}
	}
	fs := randomFS(r, 300)
	for _, text := range []string{"/", "//", "/usr/", "usr/lib", "/usr/lib/*", "*/*", "/*/*", "/*", "usr/*",
		"/usr/l?b", "/usr/[l]ib", "/\\u*", "lib/", "/lib", "a*b", "\\*", "x\x00", "\xff", ".", "...", "a b usr/"} {
		checkQuery(t, fs, text)
	}
}

// TestMatchByNameTakesApart: the words a user types are decided per
// name, not by the walk over whole paths.
func TestMatchByNameTakesApart(t *testing.T) {
	fs := randomFS(rand.New(rand.NewPCG(3, 4)), 50)
	for _, text := range []string{"lib", "usr/lib", "*.so lib", "/usr/*/*.so*", "/", "a b c"} {
		q, _ := parseQuery(text, false)
		if _, _, ok := q.byName(fs); !ok {
			t.Errorf("%q is matched by the walk", text)
		}
	}
	for _, text := range []string{"/usr/[a-z]*", "/a\\*"} { // a class or an escape might match a /
		q, _ := parseQuery(text, false)
		if _, _, ok := q.byName(fs); ok {
			t.Errorf("%q is taken apart", text)
		}
	}
}

// FuzzMatchByName: any words on a tree of any names.
func FuzzMatchByName(f *testing.F) {
	f.Add("usr/lib", "/usr/lib/libc.so\n/usr/lib64/x")
	f.Add("/*/l?b*", "/a/lib/b\n/a/b")
	f.Add("b/ a", "/ab/ba\n/b/a")
	f.Fuzz(func(t *testing.T, text, paths string) {
		fs := tree.NewFS()
		for i, p := range strings.Split(paths, "\n") {
			if i == 50 {
				break
			}
			n := tree.Root
			for j, name := range strings.Split(strings.TrimPrefix(p, "/"), "/") {
				if j == 8 {
					break
				}
				n = fs.Child(n, name)
			}
		}
		checkQuery(t, fs, text)
	})
}

// TestSyncLimit: what the walk or a regular expression matches is
// computed on the key press on smaller trees only.
func TestSyncLimit(t *testing.T) {
	for text, want := range map[string]int{"lib": syncFilterLimit, "usr/lib *.so >1k": syncFilterLimit,
		"/usr/*/x": syncFilterLimit, "/usr/[a-z]*": slowSyncLimit, "/a\\*/b": slowSyncLimit} {
		if q, _ := parseQuery(text, false); q.syncLimit() != want {
			t.Errorf("%q: %d paths", text, q.syncLimit())
		}
	}
	if q, _ := parseQuery("lib.*so", true); q.syncLimit() != slowSyncLimit {
		t.Errorf("a regular expression: %d paths", q.syncLimit())
	}
}
