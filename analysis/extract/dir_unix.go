//go:build unix

package extract

import (
	"errors"
	"io/fs"
	"os"

	"golang.org/x/sys/unix"
)

// dirHandle is an open directory of the extraction. Every operation names
// one entry directly in it (the *at system calls): no path is resolved, so
// an operation costs the same at any depth, and none follows a symlink at
// the name it is given.
type dirHandle struct{ fd int }

// fileID tells directories apart: one that was swapped for another while
// its handle was closed is not taken for the one the extraction made.
type fileID struct{ dev, ino uint64 }

func (a fileID) same(b fileID) bool { return a == b }

var errSymlink = errors.New("a symlink, not followed")

// retry repeats a system call interrupted by a signal.
func retry(call func() error) error {
	for {
		if err := call(); !errors.Is(err, unix.EINTR) {
			return err
		}
	}
}

func pathErr(op, name string, err error) error {
	if err == nil {
		return nil
	}
	return &fs.PathError{Op: op, Path: name, Err: err}
}

// openTop opens the destination itself; it may be reached through
// symlinks, as the user named it.
func openTop(dest string) (*dirHandle, error) {
	var fd int
	err := retry(func() (err error) {
		fd, err = unix.Open(dest, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
		return err
	})
	if err != nil {
		return nil, pathErr("open", dest, err)
	}
	return &dirHandle{fd}, nil
}

func (d *dirHandle) close() { unix.Close(d.fd) }

// openDir opens the directory name; a symlink there is refused by the
// kernel (O_NOFOLLOW), not by an earlier check that could be raced.
func (d *dirHandle) openDir(name string) (*dirHandle, fileID, error) {
	var fd int
	err := retry(func() (err error) {
		fd, err = unix.Openat(d.fd, name, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
		return err
	})
	if errors.Is(err, unix.ELOOP) || errors.Is(err, unix.ENOTDIR) {
		// What O_NOFOLLOW says for a symlink varies: say what it is.
		if t, lerr := d.lstat(name); lerr == nil && t&fs.ModeSymlink != 0 {
			err = errSymlink
		}
	}
	if err != nil {
		return nil, fileID{}, pathErr("open", name, err)
	}
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		unix.Close(fd)
		return nil, fileID{}, pathErr("stat", name, err)
	}
	return &dirHandle{fd}, fileID{uint64(st.Dev), uint64(st.Ino)}, nil
}

// lstat returns the type of what is at name, fs.ErrNotExist if nothing.
func (d *dirHandle) lstat(name string) (fs.FileMode, error) {
	var st unix.Stat_t
	err := retry(func() error { return unix.Fstatat(d.fd, name, &st, unix.AT_SYMLINK_NOFOLLOW) })
	if err != nil {
		return 0, pathErr("lstat", name, err)
	}
	switch uint32(st.Mode) & unix.S_IFMT {
	case unix.S_IFDIR:
		return fs.ModeDir, nil
	case unix.S_IFREG:
		return 0, nil
	case unix.S_IFLNK:
		return fs.ModeSymlink, nil
	case unix.S_IFIFO:
		return fs.ModeNamedPipe, nil
	case unix.S_IFSOCK:
		return fs.ModeSocket, nil
	case unix.S_IFCHR:
		return fs.ModeDevice | fs.ModeCharDevice, nil
	}
	return fs.ModeDevice, nil
}

// mkdir makes directory name, 0700: only the owner can enter it while it
// is filled.
func (d *dirHandle) mkdir(name string) error {
	return pathErr("mkdir", name, retry(func() error { return unix.Mkdirat(d.fd, name, 0o700) }))
}

// create makes a new regular file, 0600; nothing existing is opened.
func (d *dirHandle) create(name string) (*os.File, error) {
	var fd int
	err := retry(func() (err error) {
		fd, err = unix.Openat(d.fd, name, unix.O_WRONLY|unix.O_CREAT|unix.O_EXCL|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0o600)
		return err
	})
	if err != nil {
		return nil, pathErr("create", name, err)
	}
	return os.NewFile(uintptr(fd), name), nil
}

// symlink makes name a symlink to target, stored verbatim.
func (d *dirHandle) symlink(target, name string) error {
	return pathErr("symlink", name, retry(func() error { return unix.Symlinkat(target, d.fd, name) }))
}

// remove unlinks name, which is not a directory: a symlink goes and its
// target stays; a directory swapped in meanwhile makes it fail.
func (d *dirHandle) remove(name string) error {
	return pathErr("remove", name, retry(func() error { return unix.Unlinkat(d.fd, name, 0) }))
}

// chmod sets the mode of the directory itself.
func (d *dirHandle) chmod(mode fs.FileMode) error {
	return pathErr("chmod", ".", retry(func() error { return unix.Fchmod(d.fd, uint32(mode.Perm())) }))
}

// dup is a second handle on the same directory, kept by a file's first
// copy so that its hardlinks can be made wherever the cursor has moved.
func (d *dirHandle) dup() (*dirHandle, error) {
	fd, err := unix.FcntlInt(uintptr(d.fd), unix.F_DUPFD_CLOEXEC, 0)
	if err != nil {
		return nil, pathErr("dup", ".", err)
	}
	return &dirHandle{fd}, nil
}

// link makes name a hardlink to oldName in oldDir; neither name is
// followed if it is a symlink.
func (d *dirHandle) link(oldDir *dirHandle, oldName, name string) error {
	return pathErr("link", name, retry(func() error { return unix.Linkat(oldDir.fd, oldName, d.fd, name, 0) }))
}

// openFile opens the regular file name for reading, never through a
// symlink.
func (d *dirHandle) openFile(name string) (*os.File, error) {
	var fd int
	err := retry(func() (err error) {
		fd, err = unix.Openat(d.fd, name, unix.O_RDONLY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
		return err
	})
	if err != nil {
		return nil, pathErr("open", name, err)
	}
	return os.NewFile(uintptr(fd), name), nil
}

// lchown sets the owner of name itself (a symlink is not followed).
func (d *dirHandle) lchown(name string, uid, gid uint32) error {
	return pathErr("chown", name, retry(func() error {
		return unix.Fchownat(d.fd, name, int(uid), int(gid), unix.AT_SYMLINK_NOFOLLOW)
	}))
}

// lchtimes sets the access and modification times of name itself to
// mtime (Unix seconds).
func (d *dirHandle) lchtimes(name string, mtime int64) error {
	ts := []unix.Timespec{{Sec: mtime}, {Sec: mtime}}
	return pathErr("chtimes", name, retry(func() error { return unix.UtimesNanoAt(d.fd, name, ts, unix.AT_SYMLINK_NOFOLLOW) }))
}

// chownSelf and chtimesSelf set the directory's own owner and times.
func (d *dirHandle) chownSelf(uid, gid uint32) error {
	return pathErr("chown", ".", retry(func() error { return unix.Fchown(d.fd, int(uid), int(gid)) }))
}

func (d *dirHandle) chtimesSelf(mtime int64) error {
	tv := []unix.Timeval{{Sec: mtime}, {Sec: mtime}}
	return pathErr("chtimes", ".", retry(func() error { return unix.Futimes(d.fd, tv) }))
}

// fileTimes sets an open file's times to mtime.
func fileTimes(f *os.File, mtime int64) error {
	tv := []unix.Timeval{{Sec: mtime}, {Sec: mtime}}
	return retry(func() error { return unix.Futimes(int(f.Fd()), tv) })
}

// canOwn reports whether the extraction may give files the image's
// owners: only root may, as tar does.
func canOwn() bool { return os.Geteuid() == 0 }

// fatal reports errors after which nothing else can be written either:
// they end the extraction instead of skipping one path.
func fatal(err error) bool {
	for _, e := range []error{unix.ENOSPC, unix.EDQUOT, unix.EROFS, unix.EIO, unix.EMFILE, unix.ENFILE} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}
