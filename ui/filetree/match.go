package filetree

import (
	"bytes"
	"math/bits"
	"path"
	"strings"

	"github.com/layerscope/layerscope/tree"
)

// match marks, per node, the paths the query's path words match and, in
// keep, those and their ancestors. A regular expression takes the tree's
// own walk over whole paths; the other words are decided per distinct
// name, in one pass over the nodes (byName), or, for the few that need
// whole paths, in a walk that builds them (walk).
func (q query) match(fs *tree.FS) (keep, match []bool) {
	if q.re != nil {
		return fs.MatchPaths("", q.re)
	}
	if keep, match, ok := q.byName(fs); ok {
		return keep, match
	}
	return q.walk(fs)
}

// nameTests are the questions byName asks of each distinct name, one bit
// each, answered once per name however many nodes carry it. Bit 63 of an
// answer says it is known.
const (
	maxNameTests = 63
	knownBit     = uint64(1) << 63
)

// plan is a query taken apart for byName. A path is "/" + its names
// joined with "/", and no name holds a /, so:
//   - a substring without / is in a path when it is in one of its names:
//     a node matches when its parent does or its own name holds it;
//   - a substring with /, split at them into pieces p0/p1/…/pk, is in a
//     path when some name starts with pk, the k-1 names above it are
//     p(k-1) … p1 exactly, and the one above those ends with p0 (the root,
//     whose name is the empty text before the first /, ends only with "");
//   - a glob without / tests the name alone;
//   - a glob with / but no [ or \ matches a path when both have as many
//     / and each piece matches its name: * and ? never match a /.
type plan struct {
	tests []func(string) bool // bit i of a name's answer is tests[i]
	subs  int                 // bits 0..subs-1: the substrings, inherited down the tree
	plain uint64              // of those, the substrings without /: the test is the answer
	spans []span              // per substring bit with /: the names above to check
	globs uint64              // name globs: every bit must hold
	paths []pathGlob
}

type span struct {
	bit   int
	first string        // p0, the end of the name above the middle ones
	mid   []string      // p(k-1) … p1, from the bottom up
	ids   []tree.NameID // of mid, in the tree's names
}

type pathGlob struct {
	depth int // names in a matching path: the /s of the pattern
	bit0  int // the test of piece d (name at depth d, from 1) is bit0+d-1
}

// newPlan takes q apart; ok is false when byName cannot decide it (too
// many words, a path glob with a class or an escape, whose [^x] or \/
// could match a /). none reports a word no path can match.
func newPlan(q query) (p plan, none, ok bool) {
	add := func(t func(string) bool) int { p.tests = append(p.tests, t); return len(p.tests) - 1 }
	for _, s := range q.subs {
		pieces := strings.Split(s, "/")
		last := pieces[len(pieces)-1]
		if len(pieces) == 1 {
			p.plain |= 1 << add(func(n string) bool { return strings.Contains(n, s) })
			continue
		}
		sp := span{bit: add(func(n string) bool { return strings.HasPrefix(n, last) }), first: pieces[0]}
		for i := len(pieces) - 2; i >= 1; i-- {
			sp.mid = append(sp.mid, pieces[i])
		}
		p.spans = append(p.spans, sp)
	}
	p.subs = len(p.tests)
	for _, g := range q.globs {
		if !g.path {
			p.globs |= 1 << add(g.match)
			continue
		}
		if strings.ContainsAny(g.pattern, "[\\") {
			return p, false, false
		}
		pieces := strings.Split(g.pattern, "/")
		if ok, _ := path.Match(pieces[0], ""); !ok {
			none = true // the text before a path's first / is empty
		}
		pg := pathGlob{depth: len(pieces) - 1, bit0: len(p.tests)}
		for _, piece := range pieces[1:] {
			pc, err := compileGlob(piece)
			if err != nil {
				return p, false, false
			}
			add(pc.match)
		}
		p.paths = append(p.paths, pg)
	}
	return p, none, len(p.tests) <= maxNameTests
}

// answer runs the tests on one name.
func (p *plan) answer(name string) uint64 {
	a := knownBit
	for i, t := range p.tests {
		if t(name) {
			a |= 1 << i
		}
	}
	return a
}

// spanned: the substring of sp ends in n's name (whose answer said it
// starts with the last piece) and spans the names above.
func spanned(fs *tree.FS, n tree.NodeID, sp *span) bool {
	a := fs.Parent(n)
	for _, id := range sp.ids {
		if a == tree.Root || fs.NameID(a) != id {
			return false
		}
		a = fs.Parent(a)
	}
	if a == tree.Root {
		return sp.first == ""
	}
	return strings.HasSuffix(fs.Name(a), sp.first)
}

// byName decides q in one pass over the nodes in ID order, each from its
// parent's state: a node is created after its parent, so the parent is
// done first. ok is false when the plan cannot decide q, or the tree
// breaks that order.
func (q query) byName(fs *tree.FS) (keep, match []bool, ok bool) {
	names := fs.Names()
	p, none, ok := newPlan(q)
	if !ok {
		return nil, nil, false
	}
	for i := range p.spans {
		sp := &p.spans[i]
		for _, piece := range sp.mid {
			id, found := names.Lookup(piece)
			none = none || !found // no name is that piece
			sp.ids = append(sp.ids, id)
		}
	}
	n := fs.Len()
	keep, match = make([]bool, n), make([]bool, n)
	if none {
		return keep, match, true
	}
	answers := make([]uint64, names.Len())
	var inh []uint64 // per node: the substrings its path holds
	if p.subs > 0 {
		inh = make([]uint64, n)
	}
	var on []uint64 // per node: the path globs its path so far matches
	var depth []int32
	if len(p.paths) > 0 {
		on, depth = make([]uint64, n), make([]int32, n)
		on[tree.Root] = 1<<len(p.paths) - 1
	}
	allSubs := uint64(1)<<p.subs - 1
	for c := tree.NodeID(1); int(c) < n; c++ {
		par := fs.Parent(c)
		if par >= c {
			return nil, nil, false
		}
		var a uint64
		if id := fs.NameID(c); int(id) < len(answers) {
			if a = answers[id]; a == 0 {
				a = p.answer(names.String(id))
				answers[id] = a
			}
		} else {
			a = p.answer(fs.Name(c))
		}
		hit := true
		if p.subs > 0 {
			has := inh[par] | a&p.plain
			for i := range p.spans {
				sp := &p.spans[i]
				if bit := uint64(1) << sp.bit; has&bit == 0 && a&bit != 0 && spanned(fs, c, sp) {
					has |= bit
				}
			}
			inh[c] = has
			hit = has == allSubs
		}
		hit = hit && a&p.globs == p.globs
		if on != nil {
			d := depth[par] + 1
			depth[c] = d
			var still uint64
			for j, pg := range p.paths {
				if on[par]&(1<<j) != 0 && int(d) <= pg.depth && a&(1<<(pg.bit0+int(d)-1)) != 0 {
					still |= 1 << j
				}
				hit = hit && int(d) == pg.depth
			}
			on[c] = still
			hit = hit && bits.OnesCount64(still) == len(p.paths)
		}
		match[c] = hit
	}
	// Children come after their parents: from the last node back, each
	// kept node keeps its parent.
	for c := tree.NodeID(n - 1); c >= 1; c-- {
		if match[c] || keep[c] {
			keep[c] = true
			keep[fs.Parent(c)] = true
		}
	}
	keep[tree.Root] = false
	return keep, match, true
}

// walk decides q on every path, built as it walks the tree: what byName
// cannot take apart.
func (q query) walk(fs *tree.FS) (keep, match []bool) {
	keep, match = make([]bool, fs.Len()), make([]bool, fs.Len())
	buf := make([]byte, 0, 256)
	hit := func(name string) bool {
		for _, s := range q.subs {
			if !bytes.Contains(buf, []byte(s)) {
				return false
			}
		}
		for _, g := range q.globs {
			target := name
			if g.path {
				target = string(buf)
			}
			if !g.match(target) {
				return false
			}
		}
		return true
	}
	// An explicit stack: image paths can be thousands of levels deep.
	type frame struct {
		n      tree.NodeID
		kids   []tree.NodeID
		next   int
		pathAt int
	}
	children := func(n tree.NodeID) []tree.NodeID {
		var out []tree.NodeID
		fs.Children(n, func(c tree.NodeID) bool { out = append(out, c); return true })
		return out
	}
	stack := []frame{{n: tree.Root, kids: children(tree.Root)}}
	for len(stack) > 0 {
		f := &stack[len(stack)-1]
		if f.next == len(f.kids) {
			buf = buf[:f.pathAt]
			stack = stack[:len(stack)-1]
			continue
		}
		c := f.kids[f.next]
		f.next++
		at := len(buf)
		buf = append(append(buf, '/'), fs.Name(c)...)
		if hit(fs.Name(c)) {
			match[c] = true
			for a := c; a != tree.Root && !keep[a]; a = fs.Parent(a) {
				keep[a] = true
			}
		}
		if fs.HasChildren(c) {
			stack = append(stack, frame{n: c, kids: children(c), pathAt: at})
		} else {
			buf = buf[:at]
		}
	}
	return keep, match
}

// syncLimit is the most paths a tree may have for q to be computed on
// the key press (else in the background): a regular expression, or a
// glob matched on whole paths, costs some 20 times what the words
// decided per name do (BenchmarkFilterMatch).
func (q query) syncLimit() int {
	if _, _, ok := newPlan(q); q.re != nil || !ok {
		return slowSyncLimit
	}
	return syncFilterLimit
}
