// Package tarfs reads a tar file (plain or compressed) as an fs.FS without
// unpacking it: a docker save, an OCI archive, a kaniko tarball.
//
// A plain tar is indexed once, headers only, and each member is then served
// as a section of the file, so members can be read in parallel and in any
// order. A compressed tar cannot be seeked: it is decompressed once,
// streaming, into an unlinked spool file in the temporary directory, and
// that is indexed and served the same way. Nothing of the members is kept
// in memory, and no member is decompressed twice.
package tarfs

import (
	"archive/tar"
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"strings"
	"time"

	"github.com/layerscope/layerscope/analysis/compression"
	"github.com/layerscope/layerscope/analysis/safefile"
)

type member struct {
	name     string
	offset   int64 // of the data, in the (decompressed) tar stream
	size     int64
	typeflag byte
	linkname string
	mode     fs.FileMode
	modTime  time.Time
	sparse   bool // stored sparse: layerscope does not expand these
}

func headerOnly(flag byte) bool {
	switch flag {
	case tar.TypeDir, tar.TypeSymlink, tar.TypeLink, tar.TypeChar, tar.TypeBlock, tar.TypeFifo:
		return true
	}
	return false
}

// isSparse tells GNU and PAX sparse members, whose stored bytes are not
// their contents.
func isSparse(hdr *tar.Header) bool {
	if hdr.Typeflag == tar.TypeGNUSparse {
		return true
	}
	for k := range hdr.PAXRecords {
		if strings.HasPrefix(k, "GNU.sparse.") {
			return true
		}
	}
	return false
}

// FS is an indexed tar file. It implements fs.FS and fs.StatFS.
type FS struct {
	file    *os.File // the tar itself, or the spool of a compressed one
	kind    compression.Kind
	members map[string]*member
}

// Option tunes Open.
type Option func(*options)

type options struct {
	ctx         context.Context
	tempDir     string
	maxExpanded int64
}

// DefaultMaxExpanded bounds what a compressed archive may decompress to.
const DefaultMaxExpanded = 64 << 30

// WithContext stops decompressing a compressed archive when ctx ends.
func WithContext(ctx context.Context) Option { return func(o *options) { o.ctx = ctx } }

// WithTempDir sets where a compressed archive is spooled ("" for the
// system's temporary directory, $TMPDIR).
func WithTempDir(dir string) Option { return func(o *options) { o.tempDir = dir } }

// WithMaxExpanded bounds the decompressed size of a compressed archive
// (default DefaultMaxExpanded).
func WithMaxExpanded(n int64) Option { return func(o *options) { o.maxExpanded = n } }

// Open indexes the tar file at name, which must be a regular file.
func Open(name string, opts ...Option) (*FS, error) {
	o := options{ctx: context.Background(), maxExpanded: DefaultMaxExpanded}
	for _, opt := range opts {
		opt(&o)
	}
	f, err := safefile.Open(name)
	if err != nil {
		return nil, err
	}
	br := bufio.NewReaderSize(f, 1<<16)
	kind, err := compression.Sniff(br)
	if err != nil {
		f.Close()
		return nil, err
	}
	t := &FS{file: f, kind: kind, members: map[string]*member{}}
	if kind != compression.None {
		spool, err := expand(o, br)
		f.Close()
		if err != nil {
			return nil, err
		}
		t.file = spool
	}
	if err := t.index(); err != nil {
		t.file.Close()
		return nil, err
	}
	return t, nil
}

// Close closes the tar file (and so frees a spool).
func (t *FS) Close() error { return t.file.Close() }

// Compression is how the tar file itself is compressed.
func (t *FS) Compression() compression.Kind { return t.kind }

// Names returns the names of all members.
func (t *FS) Names() []string {
	out := make([]string, 0, len(t.members))
	for n := range t.members {
		out = append(out, n)
	}
	return out
}

// seekingReader tracks the position in the tar and seeks past member data,
// so that indexing reads only headers.
type seekingReader struct {
	f   *os.File
	pos int64
}

func (s *seekingReader) Read(b []byte) (int, error) {
	n, err := s.f.Read(b)
	s.pos += int64(n)
	return n, err
}

func (s *seekingReader) Seek(off int64, whence int) (int64, error) {
	n, err := s.f.Seek(off, whence)
	if err == nil {
		s.pos = n
	}
	return n, err
}

func (t *FS) index() error {
	st, err := t.file.Stat()
	if err != nil {
		return err
	}
	size := st.Size()
	if _, err := t.file.Seek(0, io.SeekStart); err != nil {
		return err
	}
	sr := &seekingReader{f: t.file}
	tr := tar.NewReader(sr)
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			if len(t.members) == 0 {
				return fmt.Errorf("not a tar archive: %w", err)
			}
			return fmt.Errorf("truncated or corrupt tar archive: %w", err)
		}
		name := clean(hdr.Name)
		if name == "." || name == "" {
			continue
		}
		m := &member{name: name, offset: sr.pos, size: hdr.Size, typeflag: hdr.Typeflag,
			linkname: hdr.Linkname, mode: hdr.FileInfo().Mode(), modTime: hdr.ModTime}
		switch {
		case headerOnly(hdr.Typeflag):
			// Directories, links and devices have no data, whatever
			// their size field says (as archive/tar reads them).
			m.size = 0
		case isSparse(hdr):
			m.sparse = true
		}
		if m.size > 0 && !m.sparse && m.offset+m.size > size {
			// Seeking skipped the data: check it is really there.
			return fmt.Errorf("truncated tar archive: %s ends %d bytes past the end of the file", name, m.offset+m.size-size)
		}
		t.members[name] = m
	}
	if len(t.members) == 0 {
		return errors.New("empty or not a tar archive")
	}
	return nil
}

func clean(name string) string {
	return strings.TrimPrefix(path.Clean("/"+name), "/")
}

// Open opens a regular member (following links) for reading. It
// implements fs.FS; directories and devices are refused, as nothing in an
// image archive is read from them.
func (t *FS) Open(name string) (fs.File, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrInvalid}
	}
	m, err := t.resolve(name)
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: name, Err: err}
	}
	if !m.mode.IsRegular() {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fmt.Errorf("%w (a %s in the archive)", safefile.ErrNotRegular, describe(m.typeflag))}
	}
	if m.sparse {
		return nil, &fs.PathError{Op: "open", Path: name, Err: errors.New("sparse archive members are not supported")}
	}
	return &file{m: m, r: io.NewSectionReader(t.file, m.offset, m.size)}, nil
}

// Stat implements fs.StatFS.
func (t *FS) Stat(name string) (fs.FileInfo, error) {
	m, err := t.resolve(name)
	if err != nil {
		return nil, &fs.PathError{Op: "stat", Path: name, Err: err}
	}
	return info{m}, nil
}

func describe(flag byte) string {
	switch flag {
	case tar.TypeDir:
		return "directory"
	case tar.TypeFifo:
		return "named pipe"
	case tar.TypeChar:
		return "character device"
	case tar.TypeBlock:
		return "block device"
	}
	return fmt.Sprintf("member of type %q", flag)
}

type file struct {
	m *member
	r *io.SectionReader
}

func (f *file) Read(b []byte) (int, error) { return f.r.Read(b) }

// Seek lets a reader skip a member's contents without reading them.
func (f *file) Seek(off int64, whence int) (int64, error) { return f.r.Seek(off, whence) }
func (f *file) Stat() (fs.FileInfo, error)                { return info{f.m}, nil }
func (f *file) Close() error                              { return nil }

type info struct{ m *member }

func (i info) Name() string       { return path.Base(i.m.name) }
func (i info) Size() int64        { return i.m.size }
func (i info) Mode() fs.FileMode  { return i.m.mode }
func (i info) ModTime() time.Time { return i.m.modTime }
func (i info) IsDir() bool        { return i.m.mode.IsDir() }
func (i info) Sys() any           { return nil }
