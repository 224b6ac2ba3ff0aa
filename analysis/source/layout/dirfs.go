package layout

import (
	"io/fs"
	"os"

	"github.com/layerscope/layerscope/analysis/safefile"
)

// Dir is a layout directory as an fs.FS that opens only regular files,
// without blocking on FIFOs, and resolves no path, symlinks included, to
// anything outside the directory: a blob that is a FIFO, a device or a
// link to /dev/zero or /etc is refused, not read.
type Dir struct{ root *os.Root }

var _ fs.StatFS = Dir{}

// OpenDir opens the layout directory dir; Close releases it.
func OpenDir(dir string) (Dir, error) {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return Dir{}, err
	}
	return Dir{root}, nil
}

// Open opens a regular file of the layout.
func (d Dir) Open(name string) (fs.File, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrInvalid}
	}
	return safefile.OpenIn(d.root, name)
}

// Stat implements fs.StatFS, following symlinks inside the directory.
func (d Dir) Stat(name string) (fs.FileInfo, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "stat", Path: name, Err: fs.ErrInvalid}
	}
	return d.root.Stat(name)
}

// Close releases the directory.
func (d Dir) Close() error { return d.root.Close() }
