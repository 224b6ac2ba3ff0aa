// Package extract writes a file or directory of an analysed image, as it is
// in the merged file system after a given layer, below a directory the user
// chose.
//
// Image layers are untrusted input, so it is written the way a careful
// container runtime unpacks: nothing is ever created outside the
// destination, nothing is written through a symlink (whether the
// extraction made it or it was there before), symlinks are created as they
// are and never followed, hardlinks become copies, device nodes and fifos
// are skipped, existing files are kept unless Options.Overwrite says
// otherwise, modes lose setuid, setgid and sticky bits, and ownership is
// not changed.
//
// Contents come from the layers, each needed layer read once, streaming
// (content.ScanLayer): the wanted files are grouped by the layer that
// holds their bytes.
package extract

import (
	"context"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/layerscope/layerscope/analysis"
	"github.com/layerscope/layerscope/analysis/content"
	"github.com/layerscope/layerscope/tree"
)

// Options tune Extract.
type Options struct {
	// Overwrite replaces existing files, symlinks and other
	// non-directories in the way (the old one is removed, never written
	// through). Existing directories are always merged, never replaced.
	Overwrite bool
}

// Summary is what Extract did.
type Summary struct {
	Files    int   // regular files written, hardlink copies included
	Dirs     int   // directories created or merged into (dest itself not counted)
	Symlinks int   // symlinks created
	Skipped  int   // paths not written: devices, fifos, dangling hardlinks, things in the way, and what lies below a skipped directory
	Bytes    int64 // file content written
	Warnings []string
}

// maxWarnings bounds Summary.Warnings: re-extracting a big tree without
// Overwrite would otherwise warn once per file.
const maxWarnings = 100

type kind uint8

const (
	kindDir kind = iota
	kindFile
	kindSymlink
	kindSkip
)

// item is one path to create.
type item struct {
	rel     string // slash-separated, below dest; "" is dest itself
	parent  int    // index of the parent item, -1 for the top
	kind    kind
	mode    os.FileMode  // permission bits only
	src     tree.EntryID // files: the entry holding the bytes
	size    int64        // files
	link    string       // symlinks: the target, verbatim
	created bool         // directories: made by this extraction
	skipped bool
}

// Extract writes node, as it is after layer, to dest/<name of node> (the
// root node to dest itself), creating dest if needed. layers are the
// image's layers (img.Layers()). A directory is written with everything
// visible below it. The context is checked between files and while
// copying. On error, the summary says what was done so far.
func Extract(ctx context.Context, res *analysis.Result, layers []v1.Layer, node tree.NodeID, layer int, dest string, opts Options) (sum Summary, err error) {
	fs := res.FS
	switch {
	case layer < 0 || layer >= fs.NumLayers():
		return sum, fmt.Errorf("no layer %d: the image has %d", layer, fs.NumLayers())
	case len(layers) != fs.NumLayers():
		return sum, fmt.Errorf("%d layers given for an analysis of %d", len(layers), fs.NumLayers())
	case int(node) >= fs.Len():
		return sum, fmt.Errorf("no node %d in the analysis", node)
	case node != tree.Root && !fs.LiveAt(node, layer):
		return sum, fmt.Errorf("%s is not in the file system after layer %d", fs.Path(node), layer)
	}
	if err := os.MkdirAll(dest, 0o755); err != nil {
		return sum, fmt.Errorf("destination: %w", err)
	}
	root, err := os.OpenRoot(dest)
	if err != nil {
		return sum, fmt.Errorf("destination: %w", err)
	}
	defer root.Close()
	w := &writer{root: root, dest: dest, opts: opts, sum: &sum, dirs: map[string]bool{}}
	defer w.finish() // on sum, the named result

	items := plan(fs, node, layer, w)
	// Pass 1: directories, symlinks and empty files, parents first.
	byLayer := map[int]map[tree.EntryID][]int{}
	for i := range items {
		if err := ctx.Err(); err != nil {
			return sum, err
		}
		it := &items[i]
		if it.parent >= 0 && items[it.parent].skipped {
			it.skipped = true
			sum.Skipped++
			continue
		}
		var err error
		switch it.kind {
		case kindSkip:
			it.skipped = true
			sum.Skipped++
		case kindDir:
			err = w.mkdir(it)
		case kindSymlink:
			err = w.symlink(it)
		case kindFile:
			if it.size == 0 {
				err = w.writeFiles(items, []int{i}, strings.NewReader(""))
				break
			}
			l := int(fs.Entry(it.src).Layer)
			if byLayer[l] == nil {
				byLayer[l] = map[tree.EntryID][]int{}
			}
			byLayer[l][it.src] = append(byLayer[l][it.src], i)
		}
		if err != nil {
			return sum, err
		}
	}
	// Pass 2: file contents, one streaming read per layer that has any.
	for _, l := range slices.Sorted(maps.Keys(byLayer)) {
		bySrc := byLayer[l]
		ids := slices.Sorted(maps.Keys(bySrc))
		err := content.ScanLayer(ctx, fs, layers[l], ids, func(id tree.EntryID, r io.Reader) error {
			if err := ctx.Err(); err != nil {
				return err
			}
			return w.writeFiles(items, bySrc[id], r)
		})
		if err != nil {
			return sum, err
		}
	}
	// Pass 3: directory modes, children first, so that a read-only
	// directory was writable while it was filled.
	for i := len(items) - 1; i >= 0; i-- {
		if it := &items[i]; it.kind == kindDir && it.created {
			if err := w.chmodDir(it); err != nil {
				return sum, err
			}
		}
	}
	return sum, nil
}

// plan lists what is visible at and below node after layer, parents before
// children, siblings by name. An explicit stack: image paths can be
// thousands of levels deep.
func plan(fs *tree.FS, node tree.NodeID, layer int, w *writer) []item {
	type todo struct {
		n      tree.NodeID
		parent int
		rel    string
	}
	stack := []todo{{node, -1, fs.Name(node)}}
	var items []item
	for len(stack) > 0 {
		t := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		it := item{rel: t.rel, parent: t.parent, kind: kindDir, mode: 0o755}
		if id := fs.VisibleAt(t.n, layer); id != tree.NoEntry {
			describe(fs, id, &it, w)
		} // else a directory that exists only because something below it does
		items = append(items, it)
		if it.kind != kindDir {
			continue
		}
		children := fs.SortChildren(t.n, tree.ByName, func(c tree.NodeID) bool { return fs.LiveAt(c, layer) }, nil)
		for _, c := range slices.Backward(children) {
			rel := fs.Name(c)
			if t.rel != "" {
				rel = t.rel + "/" + rel
			}
			stack = append(stack, todo{c, len(items) - 1, rel})
		}
	}
	return items
}

// describe fills in it from the visible entry id.
func describe(fs *tree.FS, id tree.EntryID, it *item, w *writer) {
	name := fs.Path(fs.Entry(id).Node)
	if fs.Entry(id).Type == tree.TypeHardlink {
		src, err := content.Resolve(fs, id)
		if err != nil {
			it.kind = kindSkip
			w.warnf("%v: skipped", err)
			return
		}
		id = src // a hardlink becomes a copy of what it links to
	}
	e := fs.Entry(id)
	it.mode = os.FileMode(e.Mode & 0o777)
	switch e.Type {
	case tree.TypeDir:
		it.kind = kindDir
	case tree.TypeFile:
		it.kind, it.src, it.size = kindFile, id, e.Size
	case tree.TypeSymlink:
		it.kind, it.link = kindSymlink, fs.LinkTarget(e)
	default:
		it.kind = kindSkip
		w.warnf("%s: a %s, skipped: device nodes and fifos are not extracted", name, e.Type)
	}
}
