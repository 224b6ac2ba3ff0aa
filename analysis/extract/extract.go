// Package extract writes a file or directory of an analysed image, as it is
// in the merged file system after a given layer, below a directory the user
// chose.
//
// It works in two steps so that the analysis's tree is read on one
// goroutine only: Prepare reads the tree.FS and lists everything to write
// as plain values (a Job); Job.Run writes, reading only the layers' blobs,
// and may run anywhere while the tree changes.
//
// Image layers are untrusted input, so it is written the way a careful
// container runtime unpacks: nothing is ever created outside the
// destination, nothing is written through a symlink (whether the
// extraction made it or it was there before), symlinks are created as they
// are and never followed, device nodes and fifos are skipped, existing
// files are kept unless Options.Overwrite says otherwise, and modes lose
// setuid, setgid and sticky bits. As tar does, it keeps the image's
// modification times, and its owners when run as root; hardlinks between
// files that are both extracted stay hardlinks (one file, several names;
// on Unix), one whose target is not extracted becomes a file of its own.
// A path that cannot be written (a NUL in its name, a name too long, no
// permission) is skipped, with what lies below it, and reported; the rest
// is written.
//
// Contents come from the layers, each needed layer read once, streaming
// (content.ScanLayer): the wanted files are grouped by the layer that
// holds their bytes.
package extract

import (
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/layerscope/layerscope/analysis"
	"github.com/layerscope/layerscope/analysis/content"
	"github.com/layerscope/layerscope/tree"
)

// Options tune Run.
type Options struct {
	// Overwrite replaces existing files, symlinks and other
	// non-directories in the way (the old one is removed, never written
	// through). Existing directories are always merged, never replaced.
	Overwrite bool
}

// Summary is what Run did.
type Summary struct {
	Files     int   // regular files written, hardlinks included
	Hardlinks int   // of them, names linked to a file written before (not copies)
	Dirs      int   // directories created or merged into (dest itself not counted)
	Symlinks  int   // symlinks created
	Skipped   int   // paths not written: devices, fifos, dangling hardlinks, things in the way, names that cannot be written, and what lies below a skipped directory
	Bytes     int64 // file content written (once for a file and its hardlinks)
	Warnings  []string
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

// item is one path to create. Items are listed parents first, so an
// item's parent always comes before it.
type item struct {
	name   string // one path component
	parent int    // index of the parent item, -1 for dest
	kind   kind
	mode   os.FileMode // permission bits only
	size   int64       // files
	link   string      // symlinks: the target, verbatim
	why    string      // kindSkip: the warning
	// As the image has them, restored on what the run creates.
	meta     bool  // they are known (false for a directory implied by its contents)
	modTime  int64 // Unix seconds
	uid, gid uint32
}

// layerFiles is what Run reads from one layer: its blob, where the wanted
// files are in its tar, and the items showing each (a file and its
// hardlinks).
type layerFiles struct {
	index   int
	blob    v1.Layer
	members []content.Member
	items   [][]int
}

// Job is everything an extraction writes, found in the analysis by
// Prepare. It holds no reference to the analysis's tree.
type Job struct {
	name   string
	items  []item
	layers []layerFiles // by layer index
}

// Name is what Run writes below its destination: the name of the node,
// "" for the root (written as the destination itself).
func (j *Job) Name() string { return j.name }

// Check reports, at once, whether node can be extracted as it is after
// layer: not when nothing is there (removed by a whiteout, or not yet
// added). The explorer asks before it asks for a directory; Prepare asks
// again. It reads res.FS; call it where the tree is not changing.
func Check(res *analysis.Result, node tree.NodeID, layer int) error {
	fs := res.FS
	switch {
	case layer < 0 || layer >= fs.NumLayers():
		return fmt.Errorf("no layer %d: the image has %d", layer, fs.NumLayers())
	case fs.NumLayers() > len(res.Layers):
		return fmt.Errorf("the analysis has %d layers for an image of %d", fs.NumLayers(), len(res.Layers))
	case int(node) >= fs.Len():
		return fmt.Errorf("no node %d in the analysis", node)
	case node != tree.Root && !fs.LiveAt(node, layer):
		name := tree.Printable(fs.Path(node))
		if by, ok := removedBy(fs, node, layer); ok {
			return fmt.Errorf("%s cannot be extracted: layer %d removed it", name, by)
		}
		return fmt.Errorf("%s cannot be extracted: it is not in the file system after layer %d", name, layer)
	}
	return nil
}

// removedBy finds the layer, up to layer, that last removed n or one of
// its parents: the newest marker or shadowing at or above n.
func removedBy(fs *tree.FS, n tree.NodeID, layer int) (int, bool) {
	best := -1
	for a := n; ; a = fs.Parent(a) {
		fs.History(a, func(_ tree.EntryID, e *tree.Entry) bool {
			if int(e.Layer) > layer {
				return true
			}
			if e.Type.IsMarker() && int(e.Layer) > best {
				best = int(e.Layer)
			}
			if by, ok := e.Shadowed(); ok && by <= layer && by > best && a == n {
				best = by
			}
			return false
		})
		if a == tree.Root {
			break
		}
	}
	return best, best >= 0
}

// Destination is dest as the user means it: "~" and "~/…" are in the
// home directory, as a shell would have it; anything else is unchanged.
func Destination(dest string) (string, error) {
	if dest != "~" && !strings.HasPrefix(dest, "~/") && !strings.HasPrefix(dest, "~"+string(filepath.Separator)) {
		return dest, nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("destination %s: %w", dest, err)
	}
	return filepath.Join(home, dest[1:]), nil
}

// Prepare lists what Run must write to extract node as it is after layer:
// a directory with everything visible below it. It reads res.FS; call it
// where the tree is not changing.
func Prepare(res *analysis.Result, node tree.NodeID, layer int) (*Job, error) {
	if err := Check(res, node, layer); err != nil {
		return nil, err
	}
	fs := res.FS
	j := &Job{}
	if node != tree.Root {
		j.name = fs.Name(node)
	}
	items, srcs := plan(fs, node, layer)
	j.items = items

	// The files with content, grouped by the layer that holds it; each
	// source entry is read once for all the items that show it.
	byLayer := map[int]map[tree.EntryID][]int{}
	for i, src := range srcs {
		if src == tree.NoEntry {
			continue
		}
		l := int(fs.Entry(src).Layer)
		if byLayer[l] == nil {
			byLayer[l] = map[tree.EntryID][]int{}
		}
		byLayer[l][src] = append(byLayer[l][src], i)
	}
	for _, l := range slices.Sorted(maps.Keys(byLayer)) {
		bySrc := byLayer[l]
		ids := slices.Sorted(maps.Keys(bySrc))
		ms, err := content.Members(fs, ids)
		if err != nil {
			return nil, err
		}
		lf := layerFiles{index: l, blob: res.Blob(l), members: ms}
		for _, id := range ids {
			lf.items = append(lf.items, bySrc[id])
		}
		j.layers = append(j.layers, lf)
	}
	return j, nil
}

// plan lists what is visible at and below node after layer, parents before
// children, siblings by name; the root itself is not listed (it is dest).
// srcs holds, for each file with content, the entry with its bytes. An
// explicit stack: image paths can be thousands of levels deep.
func plan(fs *tree.FS, node tree.NodeID, layer int) (items []item, srcs []tree.EntryID) {
	type todo struct {
		n      tree.NodeID
		parent int
	}
	var stack []todo
	links := content.NewResolver(fs) // one pass per layer for all hardlinks
	push := func(n tree.NodeID, parent int) {
		children := fs.SortChildren(n, tree.ByName, func(c tree.NodeID) bool { return fs.LiveAt(c, layer) }, nil)
		for _, c := range slices.Backward(children) {
			stack = append(stack, todo{c, parent})
		}
	}
	if node == tree.Root {
		push(tree.Root, -1)
	} else {
		stack = append(stack, todo{node, -1})
	}
	for len(stack) > 0 {
		t := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		it := item{name: fs.Name(t.n), parent: t.parent, kind: kindDir, mode: 0o755}
		src := tree.NoEntry
		if id := fs.VisibleAt(t.n, layer); id != tree.NoEntry {
			src = describe(fs, links, id, &it)
		} // else a directory that exists only because something below it does
		items = append(items, it)
		srcs = append(srcs, src)
		if it.kind == kindDir {
			push(t.n, len(items)-1)
		}
	}
	return items, srcs
}

// describe fills in it from the visible entry id, and returns the entry
// holding its bytes if it is a file with any.
func describe(fs *tree.FS, links *content.Resolver, id tree.EntryID, it *item) tree.EntryID {
	name := fs.Path(fs.Entry(id).Node)
	if fs.Entry(id).Type == tree.TypeHardlink {
		src, err := links.Resolve(id)
		if err != nil {
			it.kind, it.why = kindSkip, fmt.Sprintf("%v: skipped", err)
			return tree.NoEntry
		}
		id = src // a hardlink shows what it links to, and shares its metadata
	}
	e := fs.Entry(id)
	it.mode = os.FileMode(e.Mode & 0o777)
	it.meta, it.modTime, it.uid, it.gid = true, e.ModTime, e.UID, e.GID
	switch e.Type {
	case tree.TypeDir:
		it.kind = kindDir
	case tree.TypeFile:
		it.kind, it.size = kindFile, e.Size
		if e.Size > 0 {
			return id
		}
	case tree.TypeSymlink:
		it.kind, it.link = kindSymlink, fs.LinkTarget(e)
	default:
		it.kind = kindSkip
		it.why = fmt.Sprintf("%s: a %s, skipped: device nodes and fifos are not extracted", name, e.Type)
	}
	return tree.NoEntry
}
