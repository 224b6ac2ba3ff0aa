package filetree

import (
	"fmt"
	"math"
	"strings"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/dustin/go-humanize"

	"github.com/layerscope/layerscope/tree"
	"github.com/layerscope/layerscope/ui/common"
)

// size is what n holds in the view: a file's bytes, or the sum below a
// directory. Memoised per view.
func (m *Model) size(n tree.NodeID) int64 {
	if int(n) < len(m.cache.sizes) && m.cache.sizes[n] >= 0 {
		return m.cache.sizes[n]
	}
	var s int64
	if id := m.entryOf(n); id != tree.NoEntry && m.fs.Entry(id).Type != tree.TypeDir {
		s = m.fs.Entry(id).Bytes()
	} else {
		// A removed directory holds what was removed; in a merged view a
		// live one holds only what is live.
		removed := m.status(n) == Removed
		m.fs.Children(n, func(c tree.NodeID) bool {
			if st := m.status(c); st != absent && (!m.merged() || (st == Removed) == removed) {
				s = satAdd(s, m.size(c))
			}
			return true
		})
	}
	if int(n) < len(m.cache.sizes) {
		m.cache.sizes[n] = s
	}
	return s
}

// satAdd adds sizes without wrapping: sizes come from the image.
func satAdd(a, b int64) int64 {
	if b > 0 && a > math.MaxInt64-b {
		return math.MaxInt64
	}
	return a + b
}

// What names what the view shows: "changes of layer 3".
func (m *Model) What() string {
	what := fmt.Sprintf("changes of layer %d", m.layer)
	switch {
	case m.sinceBase():
		what = fmt.Sprintf("changes since the base, layers %d–%d", m.opts.BaseLayers, m.layer)
	case m.opts.Aggregated:
		what = fmt.Sprintf("aggregated, layers 0–%d", m.layer)
	}
	return what
}

// Title names the pane and what it shows.
func (m *Model) Title() string {
	what := m.What()
	var hidden []string
	for s, name := range []string{"added", "modified", "", "removed", "unmodified"} {
		if name != "" && m.opts.Hidden[s] {
			hidden = append(hidden, name)
		}
	}
	t := "Files: " + what
	if len(hidden) > 0 {
		t += " (hiding " + strings.Join(hidden, ", ") + ")"
	}
	if m.opts.SortBySize {
		t += ", by size"
	}
	return t
}

// View draws the column heading, the visible rows and the filter line,
// height lines of width columns.
func (m *Model) View() string {
	var b strings.Builder
	filterLine := m.FilterText()
	rows := m.rows()
	if m.top == tree.Root {
		m.home()
	}
	b.WriteString(m.header())
	// Deep paths get narrower guides, the same for every row on screen.
	m.narrow = 0
	n, ok := m.top, m.top != tree.Root
	for r := 0; ok && r < rows; r++ {
		if m.fs.Depth(n)*4 > m.width/2 {
			m.narrow = 1
			break
		}
		n, ok = m.next(n)
	}
	lines := 0
	n, ok = m.top, m.top != tree.Root
	for ; lines < rows && ok; lines++ {
		b.WriteByte('\n')
		b.WriteString(m.renderRow(n, n == m.cursor))
		n, ok = m.next(n)
	}
	if lines == 0 {
		b.WriteByte('\n')
		b.WriteString(m.c.Styles.Dim.Render(ansi.Truncate(m.emptyText(), m.width, "…")))
		lines++
	}
	for ; lines < rows; lines++ {
		b.WriteByte('\n')
	}
	if filterLine != "" {
		b.WriteByte('\n')
		b.WriteString(ansi.Truncate(filterLine, m.width, "…"))
	}
	return b.String()
}

// rows is how many tree rows fit under the heading and above the filter
// line.
func (m *Model) rows() int {
	r := m.height - 1
	if m.FilterText() != "" {
		r--
	}
	return max(r, 1)
}

// column widths of the attributes.
const (
	permW  = 10 // drwxr-xr-x
	ownerW = 11 // 65534:65534
	sizeW  = 7  // 1000 kB
)

// columns says which attribute columns fit: names come first, so a
// narrow pane drops the owner, then the permissions, and below 48 cells
// (a 60-column terminal) the size too: the status line still has it.
func (m *Model) columns() (perm, owner, size bool) {
	if !m.opts.Attributes {
		return false, false, false
	}
	return m.width >= 66, m.width >= 96, m.width >= 48
}

// header names the columns, as dive does.
func (m *Model) header() string {
	perm, owner, size := m.columns()
	var b strings.Builder
	b.WriteString("  ")
	if perm {
		fmt.Fprintf(&b, "%-*s ", permW, "mode")
	}
	if owner {
		fmt.Fprintf(&b, "%*s ", ownerW, "uid:gid")
	}
	if size {
		fmt.Fprintf(&b, "%*s ", sizeW, "size")
	}
	b.WriteString("name")
	return m.c.Styles.Dim.Render(ansi.Truncate(b.String(), m.width, "…"))
}

// emptyText says why no row shows: a filter, the hide keys, a layer not
// read yet, or a layer (or change set) that truly changes nothing.
func (m *Model) emptyText() string {
	var hidden []string
	for s, name := range []string{"added (a)", "modified (m)", "", "removed (r)", "unmodified (u)"} {
		if name != "" && m.opts.Hidden[s] {
			hidden = append(hidden, name)
		}
	}
	anything := false // a row would show without the filter and the hide keys
	m.fs.Children(tree.Root, func(c tree.NodeID) bool {
		anything = m.status(c) != absent
		return !anything
	})
	switch {
	case m.layer >= m.fs.NumLayers():
		return "reading layers…"
	case m.filter.active() && anything:
		if len(hidden) > 0 {
			return "no shown path matches the filter (hiding " + strings.Join(hidden, ", ") + ")"
		}
		return "no path matches the filter"
	case anything:
		return "every entry is hidden by the hide keys: " + strings.Join(hidden, ", ") + " — press them again to show"
	case m.sinceBase():
		return "the layers above the base change nothing"
	case !m.merged():
		return "this layer changes nothing"
	}
	return "nothing to show"
}

// renderRow draws one row: marker, attributes, tree guides, name.
func (m *Model) renderRow(n tree.NodeID, selected bool) string {
	st := m.c.Styles
	status := m.status(n)
	style := [...]lipgloss.Style{st.Added, st.Modified, st.MetaModified, st.Removed, st.Unmodified}[status]

	var b strings.Builder
	b.WriteString(markers[status])
	b.WriteByte(' ')
	id := m.entryOf(n)
	var e *tree.Entry
	if id != tree.NoEntry {
		e = m.fs.Entry(id)
	}
	perm, owner, size := m.columns()
	if perm {
		p := "d?????????"
		if e != nil {
			p = permString(e)
		}
		fmt.Fprintf(&b, "%-*s ", permW, p)
	}
	if owner {
		o := ""
		if e != nil {
			o = fmt.Sprintf("%d:%d", e.UID, e.GID)
		}
		fmt.Fprintf(&b, "%*s ", ownerW, o)
	}
	if size {
		fmt.Fprintf(&b, "%*s ", sizeW, humanize.Bytes(uint64(m.size(n))))
	}
	b.WriteString(m.guides(n))
	name := tree.Printable(m.fs.Name(n))
	if m.isDir(n) {
		name += "/"
		if !m.open(n) && m.holdsShown(n) {
			name += " …"
		}
	}
	b.WriteString(name)
	if e != nil && (e.Type == tree.TypeSymlink || e.Type == tree.TypeHardlink) {
		arrow := " → "
		if e.Type == tree.TypeHardlink {
			arrow = " ⇒ "
		}
		b.WriteString(arrow + tree.Printable(m.fs.LinkTarget(e)))
	}
	if !m.merged() {
		if _, opaque := m.layerEntry(n); opaque {
			b.WriteString(" (opaque: hid what lay below)")
		}
	}
	line := common.Fit(b.String(), m.width)
	switch {
	case selected && m.focused:
		return st.SelectedActive.Render(line)
	case selected:
		return st.Selected.Render(style.Render(line))
	}
	return style.Render(line)
}

// guideSet holds the tree lines, four columns a level and, for a screen
// whose deepest row would leave its name no room, two.
var guideSet = [2][4]string{{"└── ", "├── ", "    ", "│   "}, {"└─", "├─", "  ", "│ "}}

// guides draws the tree lines left of a name.
func (m *Model) guides(n tree.NodeID) string {
	var parts []string
	for a := n; a != tree.Root; a = m.fs.Parent(a) {
		p := m.fs.Parent(a)
		last := m.cache.pos[a] == len(m.visibleChildren(p))-1
		g := guideSet[m.narrow]
		switch {
		case a == n && last:
			parts = append(parts, g[0])
		case a == n:
			parts = append(parts, g[1])
		case last:
			parts = append(parts, g[2])
		default:
			parts = append(parts, g[3])
		}
	}
	var b strings.Builder
	for i := len(parts) - 1; i >= 0; i-- {
		b.WriteString(parts[i])
	}
	return b.String()
}

// permString renders type and mode as ls does, setuid, setgid and sticky bits
// included.
func permString(e *tree.Entry) string {
	t := byte('-')
	switch e.Type {
	case tree.TypeDir:
		t = 'd'
	case tree.TypeSymlink:
		t = 'l'
	case tree.TypeChar:
		t = 'c'
	case tree.TypeBlock:
		t = 'b'
	case tree.TypeFifo:
		t = 'p'
	case tree.TypeWhiteout, tree.TypeOpaque:
		return "(deleted)"
	}
	b := []byte{t}
	const rwx = "rwxrwxrwx"
	for i := 0; i < 9; i++ {
		if e.Mode&(1<<(8-i)) != 0 {
			b = append(b, rwx[i])
		} else {
			b = append(b, '-')
		}
	}
	special := func(bit uint32, pos int, set, noExec byte) {
		if e.Mode&bit != 0 {
			if b[pos] == 'x' {
				b[pos] = set
			} else {
				b[pos] = noExec
			}
		}
	}
	special(0o4000, 3, 's', 'S')
	special(0o2000, 6, 's', 'S')
	special(0o1000, 9, 't', 'T')
	return string(b)
}
