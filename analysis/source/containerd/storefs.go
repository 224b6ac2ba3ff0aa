package containerd

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strings"
	"sync/atomic"
	"time"

	"github.com/containerd/containerd/v2/core/content"
	cerrdefs "github.com/containerd/errdefs"
	digest "github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
)

// chunk is how much one content read asks for: each read is a gRPC
// stream, and small reads would spend their time on round trips.
const chunk = 1 << 20

// maxStats bounds the blob lookups of one image (one per layer while it
// is opened): Docker's limit is 127 layers, and a manifest of many
// thousands would be a daemon making us call it for ever.
const maxStats = 4096

// storeFS shows containerd's content store as an OCI layout: index.json
// (made up from the image record) and blobs/sha256/<hex>, each blob read
// through the content API when it is read.
type storeFS struct {
	ctx   context.Context
	store content.Store
	index []byte
	stall time.Duration
	where string
	stats atomic.Int64
}

var _ fs.StatFS = (*storeFS)(nil)

const blobDir = "blobs/sha256/"

func (s *storeFS) Open(name string) (fs.File, error) {
	if name == "index.json" {
		return &memFile{Reader: bytes.NewReader(s.index), info: fileInfo{name: name, size: int64(len(s.index))}}, nil
	}
	d, err := s.digestOf(name)
	if err != nil {
		return nil, err
	}
	fctx, cancel := context.WithCancelCause(s.ctx)
	// The reader keeps the context it is given for every read: bound
	// this first call (a blob info) with a watchdog, not a deadline.
	watchdog := time.AfterFunc(callTimeout, func() { cancel(context.DeadlineExceeded) })
	ra, err := s.store.ReaderAt(fctx, ocispec.Descriptor{Digest: d})
	watchdog.Stop()
	if err != nil {
		if errors.Is(context.Cause(fctx), context.DeadlineExceeded) {
			err = context.DeadlineExceeded
		}
		cancel(nil)
		return nil, s.pathError(name, d, err)
	}
	if ra.Size() < 0 {
		ra.Close()
		cancel(nil)
		return nil, &fs.PathError{Op: "open", Path: name, Err: fmt.Errorf("containerd states %d bytes for blob %s", ra.Size(), d)}
	}
	return &blobFile{ctx: fctx, cancel: cancel, ra: ra, digest: d, stall: s.stall, where: s.where,
		info: fileInfo{name: name, size: ra.Size()}}, nil
}

func (s *storeFS) Stat(name string) (fs.FileInfo, error) {
	if name == "index.json" {
		return fileInfo{name: name, size: int64(len(s.index))}, nil
	}
	d, err := s.digestOf(name)
	if err != nil {
		return nil, err
	}
	if s.stats.Add(1) > maxStats {
		return nil, fmt.Errorf("%s: the image has more than %d blobs", s.where, maxStats)
	}
	cctx, cancel := context.WithTimeout(s.ctx, callTimeout)
	defer cancel()
	info, err := s.store.Info(cctx, d)
	if err != nil {
		return nil, s.pathError(name, d, err)
	}
	return fileInfo{name: name, size: info.Size}, nil
}

// digestOf reads the digest from a blob's path; any other path is absent.
func (s *storeFS) digestOf(name string) (digest.Digest, error) {
	hex, ok := strings.CutPrefix(name, blobDir)
	if !ok {
		return "", &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	}
	d := digest.NewDigestFromEncoded(digest.SHA256, hex)
	if d.Validate() != nil {
		return "", &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	}
	return d, nil
}

// pathError words a failed content call: a blob containerd does not have
// (a platform never pulled, content removed) is missing; a cancelled run
// says so rather than blaming the blob.
func (s *storeFS) pathError(name string, d digest.Digest, err error) error {
	switch {
	case s.ctx.Err() != nil:
		return s.ctx.Err()
	case cerrdefs.IsNotFound(err):
		return &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	case errors.Is(err, context.DeadlineExceeded):
		return fmt.Errorf("%s: blob %s: no answer within %v", s.where, d, callTimeout)
	}
	return fmt.Errorf("%s: blob %s: %w", s.where, d, err)
}

// blobFile reads a blob in chunks through the content API. Each chunk
// must arrive within the stall time, or the read is given up.
type blobFile struct {
	ctx    context.Context
	cancel context.CancelCauseFunc
	ra     content.ReaderAt
	digest digest.Digest
	info   fileInfo
	stall  time.Duration
	where  string

	off int64  // where buf starts in the blob
	buf []byte // the chunk read last, from its unread part on
}

// StallError means containerd sent nothing for a while.
type StallError struct {
	Where  string
	Digest digest.Digest
	After  time.Duration
}

func (e *StallError) Error() string {
	return fmt.Sprintf("%s: reading blob %s: nothing received for %v; giving up", e.Where, e.Digest, e.After)
}

func (f *blobFile) Read(p []byte) (int, error) {
	if len(f.buf) == 0 {
		if err := f.fill(); err != nil {
			return 0, err
		}
	}
	n := copy(p, f.buf)
	f.buf = f.buf[n:]
	f.off += int64(n)
	return n, nil
}

// fill reads the next chunk at f.off.
func (f *blobFile) fill() error {
	if f.off >= f.info.size {
		return io.EOF
	}
	want := min(int64(chunk), f.info.size-f.off)
	buf := make([]byte, want)
	stalled := &StallError{Where: f.where, Digest: f.digest, After: f.stall}
	watchdog := time.AfterFunc(f.stall, func() { f.cancel(stalled) })
	n, err := f.ra.ReadAt(buf, f.off)
	watchdog.Stop()
	if cause := context.Cause(f.ctx); cause != nil {
		return cause
	}
	f.buf = buf[:n]
	switch {
	case n > 0 && (err == nil || errors.Is(err, io.EOF)):
		return nil
	case err == nil || errors.Is(err, io.EOF):
		// Fewer bytes than containerd stated: the reader above names
		// the blob and the sizes.
		return io.EOF
	}
	return fmt.Errorf("%s: reading blob %s at %d: %w", f.where, f.digest, f.off, err)
}

// Seek moves to off, dropping what was read ahead.
func (f *blobFile) Seek(off int64, whence int) (int64, error) {
	switch whence {
	case io.SeekCurrent:
		off += f.off
	case io.SeekEnd:
		off += f.info.size
	}
	if off < 0 {
		return 0, fmt.Errorf("blob %s: seek to %d", f.digest, off)
	}
	f.off, f.buf = off, nil
	return off, nil
}

func (f *blobFile) Stat() (fs.FileInfo, error) { return f.info, nil }

func (f *blobFile) Close() error {
	f.cancel(nil)
	return f.ra.Close()
}

type memFile struct {
	*bytes.Reader
	info fileInfo
}

func (m *memFile) Stat() (fs.FileInfo, error) { return m.info, nil }
func (m *memFile) Close() error               { return nil }

// fileInfo describes a blob: a read-only regular file.
type fileInfo struct {
	name string
	size int64
}

func (i fileInfo) Name() string       { return i.name[strings.LastIndex(i.name, "/")+1:] }
func (i fileInfo) Size() int64        { return i.size }
func (i fileInfo) Mode() fs.FileMode  { return 0o444 }
func (i fileInfo) ModTime() time.Time { return time.Time{} }
func (i fileInfo) IsDir() bool        { return false }
func (i fileInfo) Sys() any           { return nil }
