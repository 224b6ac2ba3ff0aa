// Package content reads the bytes of files in an analysed image. A file's
// bytes live in exactly one layer, so only that layer's blob is read,
// streaming, and only up to the file: nothing else is read or kept in
// memory.
//
// The analysis keeps no offsets into the layers (it reads every layer once
// and forgets it), so a file is found again by its path and by how many
// entries of the same path its layer had before it: duplicates in one
// layer are legal and the last one wins, but each can be read.
//
// Reading is split in two so that the tree is read on one goroutine only:
// Locate (and Members, for many files) reads the tree.FS, synchronously,
// and returns plain values; File.Open (and ScanLayer) then read only the
// blob and may run anywhere, while the tree changes.
package content

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/layerscope/layerscope/analysis"
	"github.com/layerscope/layerscope/tree"
)

var (
	// ErrNotRegular is returned for entries that have no bytes to read:
	// directories, symlinks, devices, fifos and deletion markers.
	ErrNotRegular = errors.New("not a regular file")
	// ErrDangling is returned for a hardlink whose target did not exist
	// when its layer was unpacked.
	ErrDangling = errors.New("hardlink target does not exist")
)

// File is where the bytes an entry shows are: which layer's tar holds
// them, where in it, and the blob to read them from. It holds no reference
// to the analysis's tree.
type File struct {
	Path  string // the entry's path ("/etc/passwd"); a hardlink's own path
	Layer int    // the layer whose tar holds the bytes (for a hardlink, maybe not its own)
	Size  int64

	member Member
	blob   v1.Layer
}

// Locate finds the content of entry id of res: for a hardlink, the content
// of the file the link points to, as the hardlink's layer found it. It
// reads res.FS and nothing else; call it where the tree is not changing.
func Locate(res *analysis.Result, id tree.EntryID) (*File, error) {
	fs := res.FS
	if int(id) >= fs.NumEntries() {
		return nil, fmt.Errorf("no entry %d in the analysis", id)
	}
	name := fs.Path(fs.Entry(id).Node)
	src, err := Resolve(fs, id)
	if err != nil {
		return nil, err
	}
	e := fs.Entry(src)
	if e.Type != tree.TypeFile {
		return nil, fmt.Errorf("%s: %w (a %s)", name, ErrNotRegular, e.Type)
	}
	layer := int(e.Layer)
	if layer >= len(res.Layers) {
		return nil, fmt.Errorf("%s: its bytes are in layer %d, but the image has %d layers", name, layer, len(res.Layers))
	}
	f := &File{Path: name, Layer: layer, Size: e.Size}
	if e.Size == 0 {
		return f, nil // Open needs no layer
	}
	ms, err := Members(fs, []tree.EntryID{src})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	f.member, f.blob = ms[0], res.Blob(layer)
	return f, nil
}

// Open returns a reader of exactly the file's bytes. Only the layer that
// holds them is read, and only up to them; Close releases the blob and the
// decompressor. ctx bounds the reads, also after Open returns.
func (f *File) Open(ctx context.Context) (io.ReadCloser, error) {
	if f.Size == 0 {
		return io.NopCloser(strings.NewReader("")), nil
	}
	s, err := newScanner(ctx, f.blob, f.Layer, []Member{f.member})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", f.Path, err)
	}
	_, r, err := s.next()
	if err != nil {
		s.Close()
		return nil, fmt.Errorf("%s: %w", f.Path, err)
	}
	return readCloser{r, s}, nil
}

type readCloser struct {
	io.Reader
	io.Closer
}
