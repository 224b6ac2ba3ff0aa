package filetree

import (
	"fmt"
	"strings"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/dustin/go-humanize"

	"github.com/layerscope/layerscope/tree"
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
		m.fs.Children(n, func(c tree.NodeID) bool {
			if st := m.status(c); st != absent && (st != Removed || !m.opts.Aggregated) {
				s += m.size(c)
			}
			return true
		})
	}
	if int(n) < len(m.cache.sizes) {
		m.cache.sizes[n] = s
	}
	return s
}

// Title names the pane and what it shows.
func (m *Model) Title() string {
	what := fmt.Sprintf("changes of layer %d", m.layer)
	if m.opts.Aggregated {
		what = fmt.Sprintf("aggregated, layers 0–%d", m.layer)
	}
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

// View draws the visible rows, height lines of width columns.
func (m *Model) View() string {
	var b strings.Builder
	lines := 0
	filterLine := m.FilterText()
	rows := m.height
	if filterLine != "" {
		rows--
	}
	if m.top == tree.Root {
		m.home()
	}
	n, ok := m.top, m.top != tree.Root
	for ; lines < rows && ok; lines++ {
		b.WriteString(m.renderRow(n, n == m.cursor))
		b.WriteByte('\n')
		n, ok = m.next(n)
	}
	if lines == 0 {
		b.WriteString(m.c.Styles.Dim.Render(m.emptyText()))
		b.WriteByte('\n')
		lines++
	}
	for ; lines < rows; lines++ {
		b.WriteByte('\n')
	}
	if filterLine != "" {
		b.WriteString(ansi.Truncate(filterLine, m.width, "…"))
	}
	return strings.TrimSuffix(b.String(), "\n")
}

func (m *Model) emptyText() string {
	switch {
	case m.filter.active():
		return "no path matches the filter"
	case m.layer >= m.fs.NumLayers():
		return "reading layers…"
	case !m.opts.Aggregated:
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
	if m.opts.Attributes {
		b.WriteString(attributes(e, m.size(n)))
		b.WriteByte(' ')
	}
	b.WriteString(m.guides(n))
	name := tree.Printable(m.fs.Name(n))
	if m.isDir(n) {
		name += "/"
		if !m.open(n) && len(m.visibleChildren(n)) > 0 {
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
	if !m.opts.Aggregated {
		if _, opaque := m.layerEntry(n); opaque {
			b.WriteString(" (opaque: lower contents hidden)")
		}
	}
	line := ansi.Truncate(b.String(), m.width, "…")
	if pad := m.width - ansi.StringWidth(line); pad > 0 {
		line += strings.Repeat(" ", pad)
	}
	switch {
	case selected && m.focused:
		return st.SelectedActive.Render(line)
	case selected:
		return st.Selected.Render(style.Render(line))
	}
	return style.Render(line)
}

// guides draws the tree lines left of a name.
func (m *Model) guides(n tree.NodeID) string {
	var parts []string
	for a := n; a != tree.Root; a = m.fs.Parent(a) {
		p := m.fs.Parent(a)
		last := m.cache.pos[a] == len(m.visibleChildren(p))-1
		switch {
		case a == n && last:
			parts = append(parts, "└── ")
		case a == n:
			parts = append(parts, "├── ")
		case last:
			parts = append(parts, "    ")
		default:
			parts = append(parts, "│   ")
		}
	}
	var b strings.Builder
	for i := len(parts) - 1; i >= 0; i-- {
		b.WriteString(parts[i])
	}
	return b.String()
}

// attributes is "drwxr-xr-x  uid:gid  size", fixed width.
func attributes(e *tree.Entry, size int64) string {
	if e == nil {
		return fmt.Sprintf("%-10s %11s %8s", "d?????????", "", humanize.Bytes(uint64(size)))
	}
	return fmt.Sprintf("%-10s %11s %8s", perm(e), fmt.Sprintf("%d:%d", e.UID, e.GID), humanize.Bytes(uint64(size)))
}

// perm renders type and mode as ls does, setuid, setgid and sticky bits
// included.
func perm(e *tree.Entry) string {
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
