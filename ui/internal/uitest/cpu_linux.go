package uitest

import (
	"runtime"
	"syscall"
	"time"
	"unsafe"
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

// threadCPU is the calling thread's CPU time, to the nanosecond
// (getrusage counts in scheduler ticks of 4 ms).
func threadCPU() time.Duration {
	var ts syscall.Timespec
	const clockThreadCPUTime = 3 // Linux's CLOCK_THREAD_CPUTIME_ID
	if _, _, e := syscall.RawSyscall(syscall.SYS_CLOCK_GETTIME, clockThreadCPUTime, uintptr(unsafe.Pointer(&ts)), 0); e != 0 {
		return 0
	}
	return time.Duration(ts.Nano())
}
