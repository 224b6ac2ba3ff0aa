// Package safefile opens files named by the user or by an image (layout
// blobs, index.json, configuration files) only when they are regular files.
//
// A FIFO blocks open(2) until a writer appears and ignores ctrl+c; a device
// such as /dev/zero never ends. Both are refused without blocking: the file
// is opened with O_NONBLOCK (which makes open of a FIFO return at once) and
// checked with fstat on the descriptor, so a swap between a check and the
// open cannot slip through.
package safefile

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
)

// ErrNotRegular is returned for anything that is not a regular file.
var ErrNotRegular = errors.New("not a regular file")

// Open opens name for reading if it is a regular file (symlinks are
// followed; what they point to must be regular).
func Open(name string) (*os.File, error) {
	return check(os.OpenFile(name, os.O_RDONLY|openFlags, 0))
}

// OpenIn is Open for a name inside root: it also refuses paths, symlinks
// included, that lead outside root.
func OpenIn(root *os.Root, name string) (*os.File, error) {
	return check(root.OpenFile(name, os.O_RDONLY|openFlags, 0))
}

// check keeps f only if it is a regular file, in blocking mode.
func check(f *os.File, err error) (*os.File, error) {
	if err != nil {
		return nil, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	if !st.Mode().IsRegular() {
		f.Close()
		return nil, &fs.PathError{Op: "open", Path: f.Name(), Err: fmt.Errorf("%w (a %s)", ErrNotRegular, describe(st.Mode()))}
	}
	if err := blocking(f); err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// ReadFile reads a regular file of at most limit bytes; a bigger one is an
// error that says so, without reading past the limit.
func ReadFile(name string, limit int64) ([]byte, error) {
	f, err := Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return ReadAll(f, name, limit)
}

// ReadAll reads r to its end, refusing more than limit bytes.
func ReadAll(r io.Reader, name string, limit int64) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("%s is larger than %d bytes", name, limit)
	}
	return b, nil
}

// describe names a non-regular file mode for an error message.
func describe(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "directory"
	case m&fs.ModeNamedPipe != 0:
		return "named pipe"
	case m&fs.ModeCharDevice != 0:
		return "character device"
	case m&fs.ModeDevice != 0:
		return "block device"
	case m&fs.ModeSocket != 0:
		return "socket"
	case m&fs.ModeSymlink != 0:
		return "symlink"
	}
	return "special file"
}
