package filetree

import "github.com/layerscope/layerscope/tree"

// Moving through the rows: each step goes from a row to its neighbour
// through the cached visible children, never over the whole tree.

// placeCursor shows n on screen at about the same row as before, and
// never leaves rows empty at the bottom while there are rows above.
func (m *Model) placeCursor(n tree.NodeID) {
	m.cursor, m.top = n, n
	below := 0 // rows after the cursor that fit on screen
	for r, ok := n, true; ok && below < m.rows()-1-m.cursorRow; below++ {
		r, ok = m.next(r)
		if !ok {
			break
		}
	}
	want := m.rows() - 1 - below // rows above the cursor needed to fill the screen
	row := 0
	for row < max(m.cursorRow, want) {
		p, ok := m.prev(m.top)
		if !ok {
			break
		}
		m.top = p
		row++
	}
	m.cursorRow = row
}

// JumpTo opens the ancestors of n and puts the cursor on it, if it is in
// the view.
func (m *Model) JumpTo(n tree.NodeID) bool {
	for a := m.fs.Parent(n); a != tree.Root; a = m.fs.Parent(a) {
		if !m.open(a) {
			m.toggle(a)
		}
	}
	if !m.shownPath(n) {
		return false
	}
	// About the middle of the screen, but low enough that the parent's
	// row shows too, when it fits.
	d, p := 0, m.fs.Parent(n)
	for r, ok := m.prev(n); ok && d < m.rows(); r, ok = m.prev(r) {
		d++
		if r == p {
			break
		}
	}
	m.cursorRow = min(max(m.rows()/2, d), m.rows()-1)
	m.placeCursor(n)
	return true
}

func (m *Model) first() tree.NodeID {
	if kids := m.visibleChildren(tree.Root); len(kids) > 0 {
		return kids[0]
	}
	return tree.Root
}

// next is the row after n, in display order.
func (m *Model) next(n tree.NodeID) (tree.NodeID, bool) {
	if n == tree.Root {
		return tree.Root, false
	}
	if m.open(n) {
		if kids := m.visibleChildren(n); len(kids) > 0 {
			return kids[0], true
		}
	}
	for n != tree.Root {
		p := m.fs.Parent(n)
		sibs := m.visibleChildren(p)
		if i := m.cache.pos[n] + 1; i < len(sibs) {
			return sibs[i], true
		}
		n = p
	}
	return tree.Root, false
}

// prev is the row before n.
func (m *Model) prev(n tree.NodeID) (tree.NodeID, bool) {
	if n == tree.Root {
		return tree.Root, false
	}
	p := m.fs.Parent(n)
	sibs := m.visibleChildren(p)
	i := m.cache.pos[n]
	if i == 0 {
		return p, p != tree.Root
	}
	return m.lastBelow(sibs[i-1]), true
}

// lastBelow is the last row of n's open subtree.
func (m *Model) lastBelow(n tree.NodeID) tree.NodeID {
	for m.open(n) {
		kids := m.visibleChildren(n)
		if len(kids) == 0 {
			break
		}
		n = kids[len(kids)-1]
	}
	return n
}

func (m *Model) down(steps int) {
	for ; steps > 0; steps-- {
		n, ok := m.next(m.cursor)
		if !ok {
			return
		}
		m.cursor = n
		if m.cursorRow < m.rows()-1 {
			m.cursorRow++
		} else {
			m.top, _ = m.next(m.top)
		}
	}
}

func (m *Model) up(steps int) {
	for ; steps > 0; steps-- {
		n, ok := m.prev(m.cursor)
		if !ok {
			return
		}
		m.cursor = n
		if m.cursorRow > 0 {
			m.cursorRow--
		} else {
			m.top = n
		}
	}
}

func (m *Model) home() { m.cursor, m.top, m.cursorRow = m.first(), m.first(), 0 }

func (m *Model) end() {
	kids := m.visibleChildren(tree.Root)
	if len(kids) == 0 {
		return
	}
	m.cursorRow = m.rows() - 1
	m.placeCursor(m.lastBelow(kids[len(kids)-1]))
}

// keepCursorVisible moves the cursor up to its nearest shown ancestor.
// Callers that changed what is shown reset the cache first; opening and
// closing directories changes nothing cached.
func (m *Model) keepCursorVisible() {
	n := m.cursor
	for n != tree.Root && !m.shownPath(n) {
		n = m.fs.Parent(n)
	}
	if n == tree.Root {
		m.home()
		return
	}
	m.placeCursor(n)
}

// ScrollWheel moves the view by lines without moving the cursor off screen.
func (m *Model) ScrollWheel(lines int) {
	if lines > 0 {
		m.down(lines)
	} else {
		m.up(-lines)
	}
}

// ClickRow puts the cursor on screen row y (0 = the column heading).
func (m *Model) ClickRow(y int) {
	if y < 1 || m.top == tree.Root {
		return
	}
	y--
	n, row := m.top, 0
	for row < y {
		nn, ok := m.next(n)
		if !ok {
			return
		}
		n, row = nn, row+1
	}
	m.cursor, m.cursorRow = n, row
}
