//go:build !linux

package uitest

import (
	"runtime"
	"time"
)

// KeyTimer measures a key press: the wall time only, off Linux (see the
// Linux one, which adds the thread's CPU time).
type KeyTimer struct {
	wall, cpu       []time.Duration
	curWall, curCPU time.Duration // of the key being measured
}

// NewKeyTimer locks the caller to its thread.
func NewKeyTimer() *KeyTimer { runtime.LockOSThread(); return &KeyTimer{} }

// Time runs f as part of the key being measured (see Key).
func (k *KeyTimer) Time(f func()) {
	w0 := time.Now()
	f()
	k.curWall += time.Since(w0)
}
