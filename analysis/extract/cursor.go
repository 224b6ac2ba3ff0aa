package extract

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"slices"
)

// window is how many of the deepest directories on the cursor's path stay
// open, and the spacing of the shallower ones that stay open too: a path
// of depth n holds about n/window + window descriptors, and reaching a
// closed directory again opens at most window of them.
const window = 64

// level is one directory on the cursor's path.
type level struct {
	item int
	d    *dirHandle // nil while closed, to save descriptors
}

// cursor keeps the directories from the destination down to the last one
// used open, so that going from one item to the next opens as many
// directories as lie between them in the tree. In the plan's order
// (parents first, a directory's entries together) that is about one open
// per directory, however deep: nothing is ever looked up by path.
type cursor struct {
	top   *dirHandle // the destination
	dest  string
	items []item
	st    []state
	path  []level
	chain []int // scratch for dir
}

// dir returns the open directory of item i, or the destination for -1.
// The directories on the way must have been made or checked by this run.
func (c *cursor) dir(i int) (*dirHandle, error) {
	if i < 0 {
		return c.top, nil
	}
	// Up from i to the deepest directory still on the path.
	c.chain = c.chain[:0]
	a := i
	for a >= 0 && c.st[a].pos < 0 {
		c.chain = append(c.chain, a)
		a = c.items[a].parent
	}
	keep := 0
	if a >= 0 {
		keep = int(c.st[a].pos) + 1
	}
	c.truncate(keep)
	for k := len(c.chain) - 1; k >= 0; k-- {
		if err := c.push(c.chain[k]); err != nil {
			return nil, err
		}
	}
	return c.at(len(c.path) - 1)
}

// push opens directory item j, a child of the last directory on the path,
// and puts it on the path.
func (c *cursor) push(j int) error {
	parent := c.top
	if len(c.path) > 0 {
		var err error
		if parent, err = c.at(len(c.path) - 1); err != nil {
			return err
		}
	}
	d, err := c.open(parent, j)
	if err != nil {
		return err
	}
	c.st[j].pos = int32(len(c.path))
	c.path = append(c.path, level{item: j, d: d})
	// Close the level that just left the window, unless it is a spaced one.
	if p := len(c.path) - 1 - window; p > 0 && p%window != 0 && c.path[p].d != nil {
		c.path[p].d.close()
		c.path[p].d = nil
	}
	return nil
}

// at returns the handle of level p, opening it again, from the nearest
// open level below, if it was closed.
func (c *cursor) at(p int) (*dirHandle, error) {
	q := p
	for q >= 0 && c.path[q].d == nil {
		q--
	}
	for k := q + 1; k <= p; k++ {
		parent := c.top
		if k > 0 {
			parent = c.path[k-1].d
		}
		d, err := c.open(parent, c.path[k].item)
		if err != nil {
			return nil, err
		}
		c.path[k].d = d
	}
	return c.path[p].d, nil
}

// open opens directory item j in parent: the first time it records which
// directory it is, later it insists on the same one.
func (c *cursor) open(parent *dirHandle, j int) (*dirHandle, error) {
	d, id, err := parent.openDir(c.items[j].name)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return nil, &dirError{j, fmt.Errorf("%s: %w", c.full(j), err)}
	}
	s := &c.st[j]
	if s.known && !s.id.same(id) {
		d.close()
		return nil, &dirError{j, fmt.Errorf("%s: replaced by another directory during the extraction", c.full(j))}
	}
	s.id, s.known = id, true
	return d, nil
}

// dirError says which directory could not be opened.
type dirError struct {
	item int
	err  error
}

func (e *dirError) Error() string { return e.err.Error() }
func (e *dirError) Unwrap() error { return e.err }

// truncate closes the path's levels from n on.
func (c *cursor) truncate(n int) {
	for k := len(c.path) - 1; k >= n; k-- {
		if l := c.path[k]; l.d != nil {
			l.d.close()
		}
		c.st[c.path[k].item].pos = -1
	}
	c.path = c.path[:n]
}

// close closes every handle, the destination's too.
func (c *cursor) close() {
	c.truncate(0)
	c.top.close()
}

// full is item i's path as the user sees it, for messages: built only for
// the few messages shown, as it is as long as the item is deep.
func (c *cursor) full(i int) string {
	var names []string
	for ; i >= 0; i = c.items[i].parent {
		names = append(names, c.items[i].name)
	}
	slices.Reverse(names)
	return filepath.Join(append([]string{c.dest}, names...)...)
}
