package diff

import (
	"cmp"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/dustin/go-humanize"
	"github.com/dustin/go-humanize/english"

	"github.com/layerscope/layerscope/analysis"
	"github.com/layerscope/layerscope/tree"
)

// How much the text form lists.
const (
	topGroups    = 10 // top-level directories
	topPerGroup  = 5  // changes in each
	commandWidth = 70
)

// Marker is the one-letter mark of a change kind: A, D, M.
func (k Kind) Marker() string { return [...]string{"A", "D", "M"}[k] }

// Signed formats a byte delta with its sign: "+1.2 MB", "-300 B", "0 B".
func Signed(n int64) string {
	switch {
	case n > 0:
		return "+" + humanize.Bytes(uint64(n))
	case n < 0:
		return "-" + humanize.Bytes(uint64(-n)) // -MinInt64 cannot occur: sizes are bounded far below
	}
	return "0 B"
}

// WriteText writes the summary of rep, where the images diverge, and the
// largest changes by size delta grouped by top-level directory. Every
// string from an image is made printable.
func WriteText(w io.Writer, rep Report) error {
	var b strings.Builder
	line := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	image := func(label string, img analysis.ImageReport, layers int) {
		line("%s %s (%s): %s in %s, %s wasted", label, tree.Printable(img.Name), img.Source,
			humanize.Bytes(uint64(img.SizeBytes)), count(layers, "layer"), humanize.Bytes(uint64(img.WastedBytes)))
	}
	l := rep.Layers
	image("Old", rep.Old, len(l.Shared)+len(l.Old))
	image("New", rep.New, len(l.Shared)+len(l.New))
	for _, warn := range rep.Old.Warnings {
		line("  warning (old): %s", tree.Printable(warn))
	}
	for _, warn := range rep.New.Warnings {
		line("  warning (new): %s", tree.Printable(warn))
	}
	line("")
	switch {
	case len(l.Old) == 0 && len(l.New) == 0:
		line("Layers: all %d shared", rep.SharedLayers)
	default:
		line("Layers: %d shared, then old has %d and new has %d of its own", rep.SharedLayers, len(l.Old), len(l.New))
		own := func(side string, ls []analysis.LayerReport) {
			for _, x := range ls {
				line("  %s %3d %9s  %s", side, x.Index, humanize.Bytes(uint64(x.SizeBytes)), truncate(tree.Printable(command(x)), commandWidth))
			}
		}
		own("old", l.Old)
		own("new", l.New)
	}
	s := rep.Summary
	line("")
	line("Summary")
	line("  added     %d (%s)", s.Added, humanize.Bytes(uint64(s.AddedBytes)))
	line("  removed   %d (%s)", s.Removed, humanize.Bytes(uint64(s.RemovedBytes)))
	line("  modified  %d", s.Modified)
	line("  size      %s (%s → %s)", Signed(s.SizeDeltaBytes), humanize.Bytes(uint64(rep.Old.SizeBytes)), humanize.Bytes(uint64(rep.New.SizeBytes)))
	line("  wasted    %s", Signed(s.WastedDeltaBytes))
	if len(rep.Changes) == 0 {
		line("")
		line("No change.")
	} else {
		writeGroups(line, rep.Changes)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func command(l analysis.LayerReport) string {
	if l.Command == "" {
		return "(no history)"
	}
	return l.Command
}

type group struct {
	dir     string
	delta   int64 // of all its changes
	abs     int64 // sum of their absolute deltas, to rank the groups
	changes []ChangeReport
}

// writeGroups lists the top-level directories by how much their changes
// move the size, each with its largest changes.
func writeGroups(line func(string, ...any), changes []ChangeReport) {
	byDir := map[string]*group{}
	var groups []*group
	for _, c := range changes {
		dir := topLevel(c.Path)
		g := byDir[dir]
		if g == nil {
			g = &group{dir: dir}
			byDir[dir] = g
			groups = append(groups, g)
		}
		g.delta += c.SizeDelta
		g.abs += abs(c.SizeDelta)
		g.changes = append(g.changes, c)
	}
	slices.SortStableFunc(groups, func(a, b *group) int { return cmp.Compare(b.abs, a.abs) })
	line("")
	line("Largest changes by size, by top-level directory (%s in %s)", count(len(changes), "change"), count(len(groups), "directory"))
	for _, g := range groups[:min(topGroups, len(groups))] {
		line("  %-10s %9s in %s", tree.Printable(g.dir), Signed(g.delta), count(len(g.changes), "change"))
		slices.SortStableFunc(g.changes, func(a, b ChangeReport) int { return cmp.Compare(abs(b.SizeDelta), abs(a.SizeDelta)) })
		for _, c := range g.changes[:min(topPerGroup, len(g.changes))] {
			what := ""
			if len(c.What) > 0 {
				what = " (" + strings.Join(c.What, ", ") + ")"
			}
			line("    %s %9s  %s%s", kindOf(c.Change).Marker(), Signed(c.SizeDelta), tree.Printable(c.Path), what)
		}
		if more := len(g.changes) - topPerGroup; more > 0 {
			line("    … and %d more", more)
		}
	}
	if more := len(groups) - topGroups; more > 0 {
		line("  … and %d more directories", more)
	}
}

// topLevel is the first directory of an absolute path: "/usr" for
// "/usr/bin/x" and for "/usr" itself (a file at the root is its own).
func topLevel(p string) string {
	rest := strings.TrimPrefix(p, "/")
	if i := strings.IndexByte(rest, '/'); i >= 0 {
		return "/" + rest[:i]
	}
	return "/" + rest
}

func kindOf(s string) Kind {
	for i, n := range kindNames {
		if n == s {
			return Kind(i)
		}
	}
	return Modified
}

func abs(n int64) int64 {
	if n < 0 {
		return -n
	}
	return n
}

func truncate(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}

// count says "1 change", "2 changes", "3 directories".
func count(n int, singular string) string {
	return fmt.Sprintf("%d %s", n, english.PluralWord(n, singular, ""))
}
