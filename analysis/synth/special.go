//go:build unix

package synth

import (
	"os"
	"path/filepath"
	"syscall"
)

// NotRegular makes something that is not a regular file at p, for tests
// of what must be refused without blocking: a FIFO (whose open(2) waits
// for a writer), a symlink to a device that never ends, a directory, or a
// symlink to a FIFO.
func NotRegular(p, kind string) error {
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	switch kind {
	case "fifo":
		return syscall.Mkfifo(p, 0o644)
	case "device":
		return os.Symlink("/dev/zero", p)
	case "dir":
		return os.Mkdir(p, 0o755)
	case "link-to-fifo":
		if err := syscall.Mkfifo(p+".fifo", 0o644); err != nil {
			return err
		}
		return os.Symlink(p+".fifo", p)
	}
	return os.ErrInvalid
}
