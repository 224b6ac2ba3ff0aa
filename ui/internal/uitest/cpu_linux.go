package uitest

import (
	"runtime"
	"syscall"
	"time"
)

// KeyTimer measures a key press twice: the wall time, which other
// processes on a shared machine inflate, and the CPU time of the thread
// that ran it (the caller's goroutine, locked to its thread until Stop),
// which they do not.
type KeyTimer struct {
	wall, cpu       []time.Duration
	curWall, curCPU time.Duration // of the key being measured
}

// NewKeyTimer locks the caller to its thread.
func NewKeyTimer() *KeyTimer { runtime.LockOSThread(); return &KeyTimer{} }

// Time runs f as part of the key being measured (see Key).
func (k *KeyTimer) Time(f func()) {
	c0, w0 := threadCPU(), time.Now()
	f()
	k.curWall, k.curCPU = k.curWall+time.Since(w0), k.curCPU+threadCPU()-c0
}

func threadCPU() time.Duration {
	var ru syscall.Rusage
	const rusageThread = 1 // Linux's RUSAGE_THREAD
	if syscall.Getrusage(rusageThread, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
