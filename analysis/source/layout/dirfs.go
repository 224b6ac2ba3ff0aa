package layout

import (
	"errors"
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
	f, err := safefile.OpenIn(d.root, name)
	if err != nil {
		return nil, d.explain(name, err)
	}
	return f, nil
}

// Stat implements fs.StatFS, following symlinks inside the directory.
func (d Dir) Stat(name string) (fs.FileInfo, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "stat", Path: name, Err: fs.ErrInvalid}
	}
	st, err := d.root.Stat(name)
	if err != nil {
		return nil, d.explain(name, err)
	}
	return st, nil
}

// explain names a symlink that leads outside the directory (os.Root's own
// words are "path escapes from parent").
func (d Dir) explain(name string, err error) error {
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, safefile.ErrNotRegular) {
		return err
	}
	if st, lerr := d.root.Lstat(name); lerr == nil && st.Mode()&fs.ModeSymlink != 0 {
		return &fs.PathError{Op: "open", Path: name, Err: errors.New("a symlink that leads out of the layout directory")}
	}
	return err
}

// Close releases the directory.
func (d Dir) Close() error { return d.root.Close() }
