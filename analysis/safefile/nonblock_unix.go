//go:build unix

package safefile

import (
	"os"
	"syscall"
)

// openFlags make open(2) of a FIFO return at once instead of waiting for
// a writer.
const openFlags = syscall.O_NONBLOCK

// blocking clears O_NONBLOCK again: regular files ignore it, but nothing
// downstream should ever see EAGAIN.
func blocking(f *os.File) error { return syscall.SetNonblock(int(f.Fd()), false) }
