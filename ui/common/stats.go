package common

import (
	"fmt"
	"strings"

	"github.com/layerscope/layerscope/tree"
)

// LayerStats are one layer's counts as the panes show them.
type LayerStats struct {
	Added, Modified, Removed int
	Bytes                    int64
	// Opaque counts the opaque markers among Removed: each stands for a
	// directory whose lower contents the layer hid.
	Opaque int
	// RemovedPaths counts the paths the removals took away, each path
	// below a removed directory too: the D rows of the layer's tree.
	RemovedPaths int
}

// Stats returns layer i's counts once it is merged (ok is false before:
// a layer not read yet has no size, not 0 B). The analysis fills its own
// counts only when every layer is read; until then they are counted from
// the layer's entries, whose states the merge set, once per layer.
func (c *Common) Stats(i int) (s LayerStats, ok bool) {
	res := c.Result
	if res == nil || i < 0 || i >= res.Merged() {
		return s, false
	}
	if res.Done() != c.statsDone {
		c.stats, c.statsDone = nil, res.Done() // the analysis's own counts from now on
	}
	if i < len(c.stats) && c.stats[i] != nil {
		return *c.stats[i], true
	}
	fs := res.FS
	for _, e := range fs.LayerEntries(i) {
		switch e.State {
		case tree.Added:
			s.Added++
		case tree.Modified:
			s.Modified++
		case tree.Removed:
			s.Removed++
			if e.Type == tree.TypeOpaque {
				s.Opaque++
			}
			s.RemovedPaths += removedPaths(fs, e.Node, i, e.Type == tree.TypeOpaque)
		}
		if b := e.Bytes(); b > 0 && s.Bytes <= 1<<62 {
			s.Bytes += b
		}
	}
	if res.Done() {
		// The analysis's own sums are the ones the report has.
		l := res.Layers[i]
		s.Added, s.Modified, s.Removed, s.Bytes = l.Added, l.Modified, l.Removed, l.SizeBytes
	}
	for len(c.stats) <= i {
		c.stats = append(c.stats, nil)
	}
	c.stats[i] = &s
	return s, true
}

// removedPaths counts what a removal at n in layer k took away, as the
// layer's tree shows it: a whiteout, n and everything below it that was
// there after layer k-1; an opaque marker, n's children that layer k has
// no entry for, with what was below them.
func removedPaths(fs *tree.FS, n tree.NodeID, k int, opaque bool) int {
	if k == 0 {
		return 0
	}
	inLayer := func(c tree.NodeID) bool {
		in := false
		fs.History(c, func(_ tree.EntryID, e *tree.Entry) bool {
			in = int(e.Layer) == k
			return int(e.Layer) >= k && !in
		})
		return in
	}
	var roots []tree.NodeID
	if opaque {
		fs.Children(n, func(c tree.NodeID) bool {
			if !inLayer(c) {
				roots = append(roots, c)
			}
			return true
		})
	} else {
		roots = []tree.NodeID{n}
	}
	total := 0
	for _, r := range roots {
		total += liveBelow(fs, r, k-1)
	}
	return total
}

// liveBelow counts the nodes of r's subtree (r too) there after layer
// k: visible, or holding something visible. Post-order with a stack:
// image paths can be thousands of levels deep.
func liveBelow(fs *tree.FS, r tree.NodeID, k int) int {
	type frame struct {
		n     tree.NodeID
		kids  []tree.NodeID
		next  int
		count int // live nodes found below n
	}
	kids := func(n tree.NodeID) []tree.NodeID {
		var out []tree.NodeID
		fs.Children(n, func(c tree.NodeID) bool { out = append(out, c); return true })
		return out
	}
	stack := []frame{{n: r, kids: kids(r)}}
	for {
		f := &stack[len(stack)-1]
		if f.next < len(f.kids) {
			c := f.kids[f.next]
			f.next++
			stack = append(stack, frame{n: c, kids: kids(c)})
			continue
		}
		count := f.count
		if count > 0 || fs.VisibleAt(f.n, k) != tree.NoEntry {
			count++
		}
		stack = stack[:len(stack)-1]
		if len(stack) == 0 {
			return count
		}
		stack[len(stack)-1].count += count
	}
}

// Count is "1 file", "2 files": n and the noun that fits it.
func Count(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// Bar draws value's share of largest in width cells with eighth blocks,
// so that 9 B and 9 MB do not draw alike. A value above zero shows at
// least an eighth; zero, or an unknown value (negative), draws nothing.
func Bar(value, largest int64, width int) string {
	if width <= 0 {
		return ""
	}
	if value <= 0 || largest <= 0 {
		return strings.Repeat(" ", width)
	}
	eighths := int(float64(min(value, largest)) / float64(largest) * float64(width*8))
	eighths = max(eighths, 1)
	partial := []string{"", "▏", "▎", "▍", "▌", "▋", "▊", "▉"}
	s := strings.Repeat("█", eighths/8) + partial[eighths%8]
	full := eighths / 8
	if eighths%8 != 0 {
		full++
	}
	return s + strings.Repeat(" ", width-full)
}
