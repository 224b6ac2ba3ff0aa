package filetree

import (
	"path"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
)

func TestParseQuery(t *testing.T) {
	for _, c := range []struct {
		text, err string
		subs      int
		globs     int
		sizes     []sizeTerm
	}{
		{text: "passwd", subs: 1},
		{text: "*.so* >1MB", globs: 1, sizes: []sizeTerm{{n: 1_000_000}}},
		{text: "<10k", sizes: []sizeTerm{{less: true, n: 10_000}}},
		{text: ">=2KiB lib", subs: 1, sizes: []sizeTerm{{orEqual: true, n: 2048}}},
		{text: "<=0", sizes: []sizeTerm{{less: true, orEqual: true}}},
		{text: ">big", err: `">big" is not a size`},
		{text: "[a", err: "invalid glob"},
		{text: ">99999999999999999999", err: "not a size"},
	} {
		q, err := parseQuery(c.text, false)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%q: error %v, want %q", c.text, err, c.err)
			}
			continue
		}
		if err != nil || len(q.subs) != c.subs || len(q.globs) != c.globs || len(q.sizes) != len(c.sizes) {
			t.Errorf("%q: %+v, %v", c.text, q, err)
			continue
		}
		for i := range c.sizes {
			if q.sizes[i] != c.sizes[i] {
				t.Errorf("%q: size %+v, want %+v", c.text, q.sizes[i], c.sizes[i])
			}
		}
	}
	// The compiled shapes agree with path.Match.
	for _, pat := range []string{"*.so*", "*.so", "lib*", "*", "**", "a*b", "?at", "[ab]*", "*\\*"} {
		g, err := compileGlob(pat)
		if err != nil {
			t.Fatalf("%q: %v", pat, err)
		}
		for _, name := range []string{"libc.so.6", "libc.so", "lib", "x.so", "cat", "bat", "a*b", "ab", "", "*"} {
			want, _ := path.Match(pat, name)
			if g.match(name) != want {
				t.Errorf("glob %q on %q: %v, path.Match says %v", pat, name, !want, want)
			}
		}
	}
	if q, err := parseQuery(`\.sh$ >10`, true); err != nil || q.re == nil || len(q.sizes) != 1 {
		t.Errorf("regex with a size: %+v, %v", q, err)
	}
}

// TestFilterSizeAndGlob: on the basic fixture's final tree, the files
// named *.txt above 35 bytes are exactly those three (sizes from
// expected/basic.rootfs.txt: keep.txt 40, chown-me.txt 40,
// hardlink-to-lower.txt 43), and <1 keeps only empty files.
func TestFilterSizeAndGlob(t *testing.T) {
	m := newBasic(t, Options{Aggregated: true}, true)
	m.SetLayer(16)
	press(m, "/", "*", ".", "t", "x", "t", " ", ">", "3", "5", "enter")
	var got []string
	for _, n := range m.matches() {
		got = append(got, m.fs.Path(n))
	}
	if strings.Join(got, " ") != "/data/chown-me.txt /data/hardlink-to-lower.txt /data/keep.txt" {
		t.Errorf("matches %v", got)
	}
	press(m, "esc", "/", "<", "1", "enter")
	for _, n := range m.matches() {
		if m.isDir(n) || m.size(n) != 0 {
			t.Errorf("<1 matched %s (%d B)", m.fs.Path(n), m.size(n))
		}
	}
	if len(m.matches()) == 0 {
		t.Errorf("<1 matched nothing; the symlinks are 0 B")
	}
}

// TestFilterOpensParents: z closes every folder; a filter shows its
// matches anyway, and clearing it gives the collapsed tree back.
func TestFilterOpensParents(t *testing.T) {
	m := newBasic(t, Options{Aggregated: true}, true)
	m.SetLayer(16)
	press(m, "z", "/", "c", "h", "o", "w", "n", "-", "enter")
	if v := ansi.Strip(m.View()); !strings.Contains(v, "chown-me.txt") || !strings.Contains(v, "1/1") {
		t.Errorf("the match is hidden:\n%s", v)
	}
	press(m, "esc")
	if v := ansi.Strip(m.View()); strings.Contains(v, "chown-me.txt") || !strings.Contains(v, "data/ …") {
		t.Errorf("after esc the tree is not collapsed again:\n%s", v)
	}
}

// TestSinceBase: the change set of layers 1–16 against layer 0.
func TestSinceBase(t *testing.T) {
	m := newBasic(t, Options{SinceBase: true, BaseLayers: 1}, true)
	m.SetLayer(16)
	st := func(p string) Status {
		n, ok := m.fs.Lookup(p)
		if !ok {
			t.Fatalf("no %s", p)
		}
		return m.status(n)
	}
	if s := st("/bin/busybox"); s != Unmodified {
		t.Errorf("busybox (the base's) is %d", s)
	}
	if s := st("/data/keep.txt"); s != Added {
		t.Errorf("keep.txt (added in 2) is %d", s)
	}
	if s := st("/blobs/big-deleted.bin"); s != absent {
		t.Errorf("big-deleted.bin (added in 3, deleted in 16) is %d", s)
	}
	if !strings.Contains(m.Title(), "changes since the base, layers 1–16") {
		t.Errorf("title %q", m.Title())
	}
	m.SetLayer(0) // the base itself: the layer's own view
	if strings.Contains(m.Title(), "since") {
		t.Errorf("title at the base %q", m.Title())
	}
}

// TestRemovedDirSize: the removed directory weighs what it removed in
// both views (a.txt 16 + b.txt 16 + sub/c.txt 20).
func TestRemovedDirSize(t *testing.T) {
	for _, agg := range []bool{false, true} {
		m := newBasic(t, Options{Aggregated: agg}, true)
		m.SetLayer(9)
		n, _ := m.fs.Lookup("/data/dir-to-delete")
		if !m.Removed(n) || m.size(n) != 52 || len(m.visibleChildren(n)) != 3 {
			t.Errorf("aggregated %v: removed %v, %d B, %d children", agg, m.Removed(n), m.size(n), len(m.visibleChildren(n)))
		}
	}
}
