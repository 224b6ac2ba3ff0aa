package diffview

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	tea "charm.land/bubbletea/v2"
	"github.com/dustin/go-humanize"

	"github.com/layerscope/layerscope/analysis"
	"github.com/layerscope/layerscope/analysis/content"
	"github.com/layerscope/layerscope/analysis/diff"
	"github.com/layerscope/layerscope/tree"
)

// Bounds of the comparison of two versions.
const (
	maxTextBytes = 1 << 20 // each side: larger files are compared as binary
	maxEdits     = 1000    // past this many differing lines, the diff is not drawn
	contextLines = 3
)

// version is what was read of one side of a modified file.
type version struct {
	size   int64
	sha    string
	data   []byte // up to maxTextBytes
	whole  bool   // data is the whole file
	record string
}

// comparedMsg carries both versions of a change, read in a tea.Cmd.
type comparedMsg struct {
	change int32
	lines  []string // what the overlay shows, plain
	err    error
}

// opener reads a file's bytes; it holds no reference to the tree.
type opener func(ctx context.Context) (io.ReadCloser, error)

// locate finds the bytes of a record's entry in res (a hardlink's at its
// target), on the Update goroutine (the results are done: nothing
// changes them).
func locate(res *analysis.Result, r *diff.Record) opener {
	if r == nil || (r.Type != "file" && r.Type != "hardlink") || r.Entry == tree.NoEntry {
		return nil
	}
	f, err := content.Locate(res, r.Entry)
	if err != nil {
		return func(context.Context) (io.ReadCloser, error) { return nil, err }
	}
	return f.Open
}

// compareCmd reads both versions of change ci and lays out the overlay.
func compareCmd(ctx context.Context, d *diff.Diff, ci int32) tea.Cmd {
	ch := d.Changes[ci]
	oldOpen, newOpen := locate(d.Old, ch.Old), locate(d.New, ch.New)
	return func() tea.Msg {
		var o, n version
		var err error
		if o, err = read(ctx, oldOpen, ch.Old); err != nil {
			return comparedMsg{change: ci, err: fmt.Errorf("old version: %w", err)}
		}
		if n, err = read(ctx, newOpen, ch.New); err != nil {
			return comparedMsg{change: ci, err: fmt.Errorf("new version: %w", err)}
		}
		return comparedMsg{change: ci, lines: compareLines(ch, o, n)}
	}
}

func read(ctx context.Context, open opener, r *diff.Record) (version, error) {
	v := version{record: recordText(r)}
	if open == nil {
		return v, nil
	}
	rc, err := open(ctx)
	if err != nil {
		return v, err
	}
	defer rc.Close()
	h := sha256.New()
	var buf bytes.Buffer
	n, err := io.Copy(io.MultiWriter(h, &limitedBuffer{&buf, maxTextBytes}), rc)
	if err != nil {
		return v, err
	}
	v.size, v.sha, v.data, v.whole = n, hex.EncodeToString(h.Sum(nil)), buf.Bytes(), n <= maxTextBytes
	return v, nil
}

// limitedBuffer keeps the first max bytes written to it.
type limitedBuffer struct {
	b   *bytes.Buffer
	max int
}

func (l *limitedBuffer) Write(p []byte) (int, error) {
	if room := l.max - l.b.Len(); room > 0 {
		l.b.Write(p[:min(room, len(p))])
	}
	return len(p), nil
}

func recordText(r *diff.Record) string {
	if r == nil {
		return "(none)"
	}
	s := fmt.Sprintf("%s %s %04o %d:%d", r.Type, humanize.Bytes(uint64(r.Size)), r.Mode, r.UID, r.GID)
	if r.LinkTarget != "" {
		s += " → " + r.LinkTarget
	}
	return s
}

func isText(v version) bool {
	return v.whole && !bytes.ContainsRune(v.data, 0) && utf8.Valid(v.data)
}

// compareLines lays out both versions: the records, then a unified diff
// for text or the sizes and hashes for anything else. Every string from
// the image is made printable.
func compareLines(ch diff.Change, o, n version) []string {
	out := []string{
		"changed: " + strings.Join(ch.What.Names(), ", "),
		"old: " + tree.Printable(o.record),
		"new: " + tree.Printable(n.record),
		"",
	}
	if o.sha == "" || n.sha == "" {
		return out
	}
	if isText(o) && isText(n) {
		if lines, ok := unified(splitLines(string(o.data)), splitLines(string(n.data))); ok {
			return append(append(out, "--- old", "+++ new"), lines...)
		}
	}
	return append(out,
		fmt.Sprintf("old: %s (%d bytes) sha256:%s", humanize.Bytes(uint64(o.size)), o.size, o.sha),
		fmt.Sprintf("new: %s (%d bytes) sha256:%s", humanize.Bytes(uint64(n.size)), n.size, n.sha),
		"(binary, large or too different: sizes and hashes only)")
}

func splitLines(s string) []string {
	if s == "" {
		return nil
	}
	lines := strings.SplitAfter(s, "\n")
	if lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	return lines
}

// edit is one line of a diff script: ' ', '-' or '+'.
type edit struct {
	op   byte
	line string
}

// unified diffs a and b (Myers' algorithm, at most maxEdits differing
// lines) and returns the hunks with contextLines of context.
func unified(a, b []string) ([]string, bool) {
	script, ok := myers(a, b)
	if !ok {
		return nil, false
	}
	var out []string
	for i := 0; i < len(script); {
		if script[i].op == ' ' {
			i++
			continue
		}
		// A hunk: from contextLines before the change to contextLines
		// after the last change that is not further away than that.
		start := max(0, i-contextLines)
		end := i
		for j := i; j < len(script); j++ {
			if script[j].op != ' ' {
				end = j
			} else if j-end > 2*contextLines {
				break
			}
		}
		end = min(len(script), end+contextLines+1)
		ao, bo := 0, 0
		for _, e := range script[:start] {
			if e.op != '+' {
				ao++
			}
			if e.op != '-' {
				bo++
			}
		}
		an, bn := 0, 0
		for _, e := range script[start:end] {
			if e.op != '+' {
				an++
			}
			if e.op != '-' {
				bn++
			}
		}
		out = append(out, fmt.Sprintf("@@ -%d,%d +%d,%d @@", ao+1, an, bo+1, bn))
		for _, e := range script[start:end] {
			out = append(out, string(e.op)+tree.Printable(strings.TrimSuffix(e.line, "\n")))
		}
		i = end
	}
	return out, true
}

// myers returns the shortest edit script from a to b, or false when it
// needs more than maxEdits edits.
func myers(a, b []string) ([]edit, bool) {
	n, m := len(a), len(b)
	limit := min(n+m, maxEdits)
	off := limit + 1
	v := make([]int, 2*limit+3)
	// trace[d] is v before step d, only where step d reads it
	// (diagonals -d-1..d+1): d² ints in all, not d × (n+m).
	var trace [][]int
	for d := 0; d <= limit; d++ {
		trace = append(trace, append([]int(nil), v[off-d-1:off+d+2]...))
		for k := -d; k <= d; k += 2 {
			var x int
			if k == -d || (k != d && v[off+k-1] < v[off+k+1]) {
				x = v[off+k+1]
			} else {
				x = v[off+k-1] + 1
			}
			y := x - k
			for x < n && y < m && a[x] == b[y] {
				x, y = x+1, y+1
			}
			v[off+k] = x
			if x >= n && y >= m {
				return backtrack(a, b, trace, d), true
			}
		}
	}
	return nil, false
}

func backtrack(a, b []string, trace [][]int, d int) []edit {
	var script []edit
	x, y := len(a), len(b)
	for ; d > 0; d-- {
		w := trace[d]
		at := func(k int) int { return w[k+d+1] }
		k := x - y
		var pk int
		if k == -d || (k != d && at(k-1) < at(k+1)) {
			pk = k + 1
		} else {
			pk = k - 1
		}
		px := at(pk)
		py := px - pk
		for x > px && y > py {
			x, y = x-1, y-1
			script = append(script, edit{' ', a[x]})
		}
		if x == px {
			y--
			script = append(script, edit{'+', b[y]})
		} else {
			x--
			script = append(script, edit{'-', a[x]})
		}
	}
	for x > 0 && y > 0 {
		x, y = x-1, y-1
		script = append(script, edit{' ', a[x]})
	}
	for i, j := 0, len(script)-1; i < j; i, j = i+1, j-1 {
		script[i], script[j] = script[j], script[i]
	}
	return script
}
