package pager

import (
	"context"
	"errors"
	"io"
	"sync"
	"sync/atomic"
)

// errClosed is what a read finds after the pane closed; nobody sees it.
var errClosed = errors.New("the pager is closed")

// source owns the reader. Reads run one at a time in tea.Cmds; close may
// come from Update at any moment and never waits for a read in flight:
// the read closes the reader itself when it finishes.
type source struct {
	ctx    context.Context
	cancel context.CancelFunc
	open   func(ctx context.Context) (io.ReadCloser, error)

	mu     sync.Mutex // held by the read in flight
	rc     io.ReadCloser
	done   bool // rc was closed (or never needs opening again)
	closed atomic.Bool
}

// chunkMsg carries one chunk to the pager that asked for it.
type chunkMsg struct {
	src  *source
	data []byte
	eof  bool
	err  error
}

func newSource(open func(ctx context.Context) (io.ReadCloser, error)) *source {
	ctx, cancel := context.WithCancel(context.Background())
	return &source{ctx: ctx, cancel: cancel, open: open}
}

// read opens the reader on first use and reads up to n bytes.
func (s *source) read(n int) chunkMsg {
	s.mu.Lock()
	msg := s.readLocked(n)
	s.mu.Unlock()
	// A close that came during the read could not take the lock: finish
	// its work now.
	if s.closed.Load() && s.mu.TryLock() {
		s.closeLocked()
		s.mu.Unlock()
	}
	return msg
}

func (s *source) readLocked(n int) (msg chunkMsg) {
	msg.src = s
	if s.closed.Load() || s.done {
		msg.err = errClosed
		return msg
	}
	defer func() {
		if r := recover(); r != nil { // a broken reader must not take the explorer down
			msg.data, msg.err = nil, errors.New("reading failed: internal error")
			s.closeLocked()
		}
	}()
	if s.rc == nil {
		rc, err := s.open(s.ctx)
		if err != nil {
			msg.err = err
			s.done = true
			return msg
		}
		if rc == nil {
			msg.eof = true
			s.done = true
			return msg
		}
		s.rc = rc
	}
	buf := make([]byte, n)
	k, err := io.ReadFull(s.rc, buf)
	msg.data = buf[:k]
	switch {
	case err == io.EOF || err == io.ErrUnexpectedEOF:
		msg.eof = true
		s.closeLocked() // release the blob as soon as it is read through
	case err != nil:
		msg.err = err
		s.closeLocked()
	}
	return msg
}

// close cancels the reads and closes the reader, now if no read is in
// flight, else when that read returns.
func (s *source) close() {
	s.cancel()
	s.closed.Store(true)
	if s.mu.TryLock() {
		s.closeLocked()
		s.mu.Unlock()
	}
}

func (s *source) closeLocked() {
	s.done = true
	if s.rc != nil {
		s.rc.Close()
		s.rc = nil
	}
}
