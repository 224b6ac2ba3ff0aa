//go:build !unix

package extract

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"time"
)

// dirHandle is an open directory of the extraction, as an os.Root: every
// operation names one entry directly in it. (On Unix the *at system calls
// do the same without os.Root, whose nested roots carry their full path.)
type dirHandle struct{ r *os.Root }

// fileID tells directories apart when a handle is opened again.
type fileID struct{ fi fs.FileInfo }

func openTop(dest string) (*dirHandle, error) {
	r, err := os.OpenRoot(dest)
	if err != nil {
		return nil, err
	}
	return &dirHandle{r}, nil
}

func (d *dirHandle) close() { d.r.Close() }

// openDir opens directory name; it must be the directory Lstat saw, not
// something a symlink there leads to.
func (d *dirHandle) openDir(name string) (*dirHandle, fileID, error) {
	before, err := d.r.Lstat(name)
	if err != nil {
		return nil, fileID{}, err
	}
	if !before.IsDir() {
		return nil, fileID{}, &fs.PathError{Op: "open", Path: name, Err: fmt.Errorf("a %s, not a directory", before.Mode().Type())}
	}
	r, err := d.r.OpenRoot(name)
	if err != nil {
		return nil, fileID{}, err
	}
	after, err := r.Stat(".")
	if err == nil && !os.SameFile(before, after) {
		err = &fs.PathError{Op: "open", Path: name, Err: errors.New("replaced while being opened")}
	}
	if err != nil {
		r.Close()
		return nil, fileID{}, err
	}
	return &dirHandle{r}, fileID{after}, nil
}

func (d *dirHandle) lstat(name string) (fs.FileMode, error) {
	fi, err := d.r.Lstat(name)
	if err != nil {
		return 0, err
	}
	return fi.Mode().Type(), nil
}

func (d *dirHandle) mkdir(name string) error { return d.r.Mkdir(name, 0o700) }

func (d *dirHandle) create(name string) (*os.File, error) {
	return d.r.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
}

func (d *dirHandle) symlink(target, name string) error { return d.r.Symlink(target, name) }

func (d *dirHandle) remove(name string) error { return d.r.Remove(name) }

func (d *dirHandle) chmod(mode fs.FileMode) error { return d.r.Chmod(".", mode.Perm()) }

// dup is a second handle on the same directory.
func (d *dirHandle) dup() (*dirHandle, error) {
	r, err := d.r.OpenRoot(".")
	if err != nil {
		return nil, err
	}
	return &dirHandle{r}, nil
}

// link: os.Root cannot link across roots; the caller copies instead.
func (d *dirHandle) link(*dirHandle, string, string) error { return errors.ErrUnsupported }

func (d *dirHandle) openFile(name string) (*os.File, error) { return d.r.Open(name) }

func (d *dirHandle) lchown(name string, uid, gid uint32) error {
	return d.r.Lchown(name, int(uid), int(gid))
}

func (d *dirHandle) lchtimes(name string, mtime int64) error {
	t := time.Unix(mtime, 0)
	return d.r.Chtimes(name, t, t)
}

func (d *dirHandle) chownSelf(uid, gid uint32) error { return d.r.Chown(".", int(uid), int(gid)) }

func (d *dirHandle) chtimesSelf(mtime int64) error {
	t := time.Unix(mtime, 0)
	return d.r.Chtimes(".", t, t)
}

// fileTimes is set through the directory on these systems (see writeFiles).
func fileTimes(*os.File, int64) error { return errors.ErrUnsupported }

// canOwn: ownership is a Unix notion here.
func canOwn() bool { return false }

// same compares identities; os.SameFile is the portable way.
func (a fileID) same(b fileID) bool { return os.SameFile(a.fi, b.fi) }

// fatal: without Unix error numbers, every failure skips one path.
func fatal(error) bool { return false }
