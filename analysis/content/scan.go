package content

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"path"
	"slices"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/layerscope/layerscope/analysis/compression"
	"github.com/layerscope/layerscope/analysis/internal/ctxio"
	"github.com/layerscope/layerscope/analysis/layertar"
	"github.com/layerscope/layerscope/tree"
)

// Member is one regular file of a layer tar, as the analysis saw it: the
// tar is searched for the Nth entry at Path.
type Member struct {
	Path string // clean and relative to the image root, as in the tar ("etc/passwd")
	Nth  int    // how many entries at Path precede it in the layer
	Size int64
}

// Members finds ids again in their layer's tar, reading only fs: the
// returned Members are in the order of ids. ids must be regular-file
// entries of one layer (use Resolve for hardlinks).
func Members(fs *tree.FS, ids []tree.EntryID) ([]Member, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	layer := fs.Entry(ids[0]).Layer
	want := make(map[tree.EntryID][]int, len(ids)) // entry -> indexes in ids
	nodes := map[tree.NodeID]bool{}
	for i, id := range ids {
		e := fs.Entry(id)
		if e.Type != tree.TypeFile {
			return nil, fmt.Errorf("%s: %w (a %s)", fs.Path(e.Node), ErrNotRegular, e.Type)
		}
		if e.Layer != layer {
			return nil, fmt.Errorf("%s is in layer %d, not in layer %d", fs.Path(e.Node), e.Layer, layer)
		}
		want[id] = append(want[id], i)
		nodes[e.Node] = true
	}
	out := make([]Member, len(ids))
	count := map[tree.NodeID]int{}
	for id, e := range fs.LayerEntries(int(layer)) {
		if !nodes[e.Node] || e.Type.IsMarker() {
			continue
		}
		nth := count[e.Node]
		count[e.Node]++
		for _, i := range want[id] {
			out[i] = Member{Path: strings.TrimPrefix(fs.Path(e.Node), "/"), Nth: nth, Size: e.Size}
		}
	}
	return out, nil
}

// ScanLayer reads blob, the tar of layer index (for messages), once,
// streaming, and calls fn with the content of each of ms, in tar order; i
// is the member's index in ms. r yields exactly the member's bytes and is
// valid only until fn returns; fn need not read it all. The read stops
// after the last member, and ends at fn's first error, which ScanLayer
// returns. It reads nothing of the analysis: ms come from Members.
//
// This is the one place that finds entries again in a layer tar: File.Open
// uses it for one file, extract for every file a layer holds.
func ScanLayer(ctx context.Context, blob v1.Layer, layer int, ms []Member, fn func(i int, r io.Reader) error) error {
	if len(ms) == 0 {
		return nil
	}
	s, err := newScanner(ctx, blob, layer, ms)
	if err != nil {
		return err
	}
	defer s.Close()
	for s.left > 0 {
		i, r, err := s.next()
		if err != nil {
			return err
		}
		if err := fn(i, r); err != nil {
			return err
		}
	}
	return nil
}

// wanted is one occurrence of a path in a layer whose bytes are wanted.
type wanted struct {
	nth  int // how many entries at the path precede it in the layer
	i    int // index in the members asked for
	size int64
}

// pathWant is every wanted occurrence of one path, by nth.
type pathWant struct {
	seen int
	occ  []wanted
}

// scanner walks one layer tar to the wanted entries.
type scanner struct {
	ctx   context.Context
	layer int
	want  map[string]*pathWant // by clean relative path
	left  int
	blob  io.ReadCloser
	zr    io.ReadCloser
	tr    *layertar.Reader
}

// newScanner indexes ms by path, then opens the blob.
func newScanner(ctx context.Context, l v1.Layer, layer int, ms []Member) (*scanner, error) {
	s := &scanner{ctx: ctx, layer: layer, want: map[string]*pathWant{}, left: len(ms)}
	for i, m := range ms {
		pw := s.want[m.Path]
		if pw == nil {
			pw = &pathWant{}
			s.want[m.Path] = pw
		}
		pw.occ = append(pw.occ, wanted{nth: m.Nth, i: i, size: m.Size})
	}
	for p, pw := range s.want {
		slices.SortFunc(pw.occ, func(a, b wanted) int { return a.nth - b.nth })
		for k := 1; k < len(pw.occ); k++ {
			if pw.occ[k].nth == pw.occ[k-1].nth {
				return nil, fmt.Errorf("layer %d: /%s (occurrence %d) is asked for twice", layer, p, pw.occ[k].nth)
			}
		}
	}

	blob, err := l.Compressed()
	if err != nil {
		return nil, fmt.Errorf("layer %d: %w", layer, err)
	}
	zr, _, err := compression.Reader(bufio.NewReaderSize(ctxio.Reader(ctx, blob), 1<<20))
	if err != nil {
		blob.Close()
		return nil, fmt.Errorf("layer %d: %w", layer, err)
	}
	s.blob, s.zr, s.tr = blob, zr, layertar.NewReader(zr)
	return s, nil
}

// next advances to the next wanted entry and returns a reader of its bytes.
func (s *scanner) next() (int, io.Reader, error) {
	for {
		hdr, err := s.tr.Next()
		if errors.Is(err, io.EOF) {
			return -1, nil, fmt.Errorf("layer %d ended before %d wanted entries: it differs from the analysed layer", s.layer, s.left)
		}
		if err != nil {
			var ce *compression.Error
			if errors.As(err, &ce) || s.ctx.Err() != nil {
				return -1, nil, fmt.Errorf("layer %d: %w", s.layer, err) // the stream's fault, or a cancel
			}
			return -1, nil, fmt.Errorf("layer %d: invalid layer tar: %w", s.layer, err)
		}
		if !isEntry(hdr.Typeflag) {
			continue // the analysis skips these too
		}
		p := cleanPath(hdr.Name)
		pw := s.want[p]
		if pw == nil {
			continue
		}
		nth := pw.seen
		pw.seen++
		if len(pw.occ) == 0 || pw.occ[0].nth != nth {
			continue
		}
		w := pw.occ[0]
		pw.occ = pw.occ[1:]
		s.left--
		switch {
		case hdr.Typeflag == layertar.TypeGNUSparse:
			return -1, nil, fmt.Errorf("layer %d: /%s is a sparse file, which is not supported", s.layer, p)
		case hdr.Typeflag != layertar.TypeReg && hdr.Typeflag != layertar.TypeCont:
			return -1, nil, fmt.Errorf("layer %d: /%s is of tar type %q, not a file: the layer differs from the analysed one", s.layer, p, hdr.Typeflag)
		case hdr.Size != w.size:
			return -1, nil, fmt.Errorf("layer %d: /%s has %d bytes, not %d: the layer differs from the analysed one", s.layer, p, hdr.Size, w.size)
		}
		return w.i, &exactReader{ctx: s.ctx, r: s.tr, left: w.size, name: p}, nil
	}
}

// Close releases the decompressor and the blob.
func (s *scanner) Close() error {
	s.zr.Close()
	return s.blob.Close()
}

// isEntry reports whether a header of this type is a file system entry for
// the analysis (analysis.convert); unknown types are skipped by both.
func isEntry(flag byte) bool {
	switch flag {
	case layertar.TypeReg, layertar.TypeRegA, layertar.TypeCont, layertar.TypeGNUSparse,
		layertar.TypeDir, layertar.TypeSymlink, layertar.TypeLink,
		layertar.TypeChar, layertar.TypeBlock, layertar.TypeFifo:
		return true
	}
	return false
}

// cleanPath makes a tar name relative to the image root exactly as the
// analysis does: "./a//b/" and "/a/../a/b" are "a/b"; ".." never climbs
// above the root.
func cleanPath(name string) string {
	return strings.TrimPrefix(path.Clean("/"+name), "/")
}

// exactReader yields the entry's bytes and fails if the tar has fewer than
// the header said (a PAX sparse file stores fewer: they are not expanded).
// It checks ctx itself: a well-compressed file may come entirely from
// buffers, without another read of the blob.
type exactReader struct {
	ctx  context.Context
	r    io.Reader
	left int64
	name string
}

func (e *exactReader) Read(b []byte) (int, error) {
	if e.left <= 0 {
		return 0, io.EOF
	}
	if err := e.ctx.Err(); err != nil {
		return 0, err
	}
	if int64(len(b)) > e.left {
		b = b[:e.left]
	}
	n, err := e.r.Read(b)
	e.left -= int64(n)
	if errors.Is(err, io.EOF) && e.left > 0 {
		return n, fmt.Errorf("/%s: %w (a sparse file, or the layer is truncated)", e.name, io.ErrUnexpectedEOF)
	}
	if err != nil && !errors.Is(err, io.EOF) {
		return n, fmt.Errorf("/%s: %w", e.name, err)
	}
	return n, nil
}
