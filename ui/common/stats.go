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
