// Package tarfs reads a tar file (plain or compressed) as an fs.FS without
// unpacking it: a docker save, an OCI archive, a kaniko tarball.
//
// A plain tar is indexed once, headers only, and each member is then served
// as a section of the file, so members can be read in parallel and in any
// order. A compressed tar cannot be seeked: small members are kept from the
// indexing pass and large ones are found again by decompressing from the
// start.
package tarfs

import (
	"archive/tar"
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"strings"
	"time"

	"github.com/layerscope/layerscope/analysis/compression"
)

// smallFile is the size up to which a member of a compressed tar is kept
// in memory while indexing (manifests, configs, index.json).
const smallFile = 4 << 20

// maxLinkHops bounds symlink resolution between members.
const maxLinkHops = 16

type member struct {
	name     string
	offset   int64 // of the data, in the (decompressed) tar stream
	size     int64
	typeflag byte
	linkname string
	mode     fs.FileMode
	modTime  time.Time
	data     []byte // kept for small members of compressed tars
	sparse   bool   // stored sparse: layerscope does not expand these
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
	path    string
	file    *os.File
	kind    compression.Kind
	members map[string]*member
}

// Open indexes the tar file at path.
func Open(name string) (*FS, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	t := &FS{path: name, file: f, members: map[string]*member{}}
	if err := t.index(); err != nil {
		f.Close()
		return nil, err
	}
	return t, nil
}

// Close closes the underlying file.
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

// posReader tracks the position in the tar stream; it seeks when the
// stream can seek so that indexing a plain tar reads only headers.
type posReader struct {
	r   io.Reader
	pos int64
}

func (p *posReader) Read(b []byte) (int, error) {
	n, err := p.r.Read(b)
	p.pos += int64(n)
	return n, err
}

type seekingPosReader struct {
	posReader
	s io.Seeker
}

func (p *seekingPosReader) Seek(off int64, whence int) (int64, error) {
	n, err := p.s.Seek(off, whence)
	if err == nil {
		p.pos = n
	}
	return n, err
}

func (t *FS) index() error {
	br := bufio.NewReaderSize(t.file, 1<<16)
	kind, err := compression.Sniff(br)
	if err != nil {
		return err
	}
	t.kind = kind
	st, err := t.file.Stat()
	if err != nil {
		return err
	}
	size := st.Size()
	var pr *posReader
	var stream io.Reader
	if kind == compression.None {
		// Seek past each member's data instead of reading it.
		if _, err := t.file.Seek(0, io.SeekStart); err != nil {
			return err
		}
		sp := &seekingPosReader{posReader: posReader{r: t.file}, s: t.file}
		pr, stream = &sp.posReader, sp
	} else {
		zr, _, err := compression.Reader(br)
		if err != nil {
			return err
		}
		defer zr.Close()
		pr = &posReader{r: zr}
		stream = pr
	}
	tr := tar.NewReader(stream)
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
		if name == "." {
			continue
		}
		m := &member{name: name, offset: pr.pos, size: hdr.Size, typeflag: hdr.Typeflag,
			linkname: hdr.Linkname, mode: hdr.FileInfo().Mode(), modTime: hdr.ModTime}
		switch {
		case headerOnly(hdr.Typeflag):
			// Directories, links and devices have no data, whatever
			// their size field says (as archive/tar reads them).
			m.size = 0
		case isSparse(hdr):
			m.sparse = true
		}
		if kind != compression.None && !headerOnly(hdr.Typeflag) && !m.sparse && hdr.Size <= smallFile {
			if m.data, err = io.ReadAll(tr); err != nil {
				return fmt.Errorf("truncated or corrupt tar archive: %w", err)
			}
		}
		if kind == compression.None && m.size > 0 && !m.sparse && m.offset+m.size > size {
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

// resolve follows symlinks and hardlinks between members.
func (t *FS) resolve(name string) (*member, error) {
	for hops := 0; hops < maxLinkHops; hops++ {
		m, ok := t.members[name]
		if !ok {
			return nil, fs.ErrNotExist
		}
		switch m.typeflag {
		case tar.TypeSymlink:
			if path.IsAbs(m.linkname) {
				name = clean(m.linkname)
			} else {
				name = clean(path.Join(path.Dir(name), m.linkname))
			}
		case tar.TypeLink:
			name = clean(m.linkname)
		default:
			return m, nil
		}
	}
	return nil, fmt.Errorf("too many links: %w", fs.ErrInvalid)
}

// Open opens a member for reading. It implements fs.FS.
func (t *FS) Open(name string) (fs.File, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrInvalid}
	}
	m, err := t.resolve(name)
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: name, Err: err}
	}
	if m.sparse {
		return nil, &fs.PathError{Op: "open", Path: name, Err: errors.New("sparse archive members are not supported")}
	}
	f := &file{m: m}
	switch {
	case m.data != nil:
		f.r = bytes.NewReader(m.data)
	case t.kind == compression.None:
		f.r = io.NewSectionReader(t.file, m.offset, m.size)
	default:
		r, closer, err := t.reopenAt(m)
		if err != nil {
			return nil, &fs.PathError{Op: "open", Path: name, Err: err}
		}
		f.r, f.closer = r, closer
	}
	return f, nil
}

// Stat implements fs.StatFS.
func (t *FS) Stat(name string) (fs.FileInfo, error) {
	m, err := t.resolve(name)
	if err != nil {
		return nil, &fs.PathError{Op: "stat", Path: name, Err: err}
	}
	return info{m}, nil
}

// reopenAt decompresses the tar again from the start up to m's data.
func (t *FS) reopenAt(m *member) (io.Reader, io.Closer, error) {
	f, err := os.Open(t.path)
	if err != nil {
		return nil, nil, err
	}
	zr, _, err := compression.Reader(f)
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	if _, err := io.CopyN(io.Discard, zr, m.offset); err != nil {
		zr.Close()
		f.Close()
		return nil, nil, fmt.Errorf("truncated archive: %w", err)
	}
	return io.LimitReader(zr, m.size), multiCloser{zr, f}, nil
}

type multiCloser []io.Closer

func (mc multiCloser) Close() error {
	var errs []error
	for _, c := range mc {
		errs = append(errs, c.Close())
	}
	return errors.Join(errs...)
}

type file struct {
	m      *member
	r      io.Reader
	closer io.Closer
}

func (f *file) Read(b []byte) (int, error) { return f.r.Read(b) }
func (f *file) Stat() (fs.FileInfo, error) { return info{f.m}, nil }
func (f *file) Close() error {
	if f.closer != nil {
		return f.closer.Close()
	}
	return nil
}

type info struct{ m *member }

func (i info) Name() string       { return path.Base(i.m.name) }
func (i info) Size() int64        { return i.m.size }
func (i info) Mode() fs.FileMode  { return i.m.mode }
func (i info) ModTime() time.Time { return i.m.modTime }
func (i info) IsDir() bool        { return i.m.mode.IsDir() }
func (i info) Sys() any           { return nil }
