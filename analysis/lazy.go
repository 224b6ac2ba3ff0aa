package analysis

import (
	"bufio"
	"context"
	"fmt"
	"hash/maphash"
	"io"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/layerscope/layerscope/analysis/compression"
	"github.com/layerscope/layerscope/analysis/internal/ctxio"
	"github.com/layerscope/layerscope/analysis/layertar"
	"github.com/layerscope/layerscope/tree"
)

// Headers only: with nothing to verify, an uncompressed layer stored in a
// seekable file is read header by header, seeking over file contents
// (WithHeadersOnly). A file's content hash is then unknown; where a later
// layer replaces a file by one of the same size, "content changed" and
// "metadata only" are told apart after the read by reading just those two
// files (resolveLazy).

// readHeaders parses an uncompressed seekable blob without reading file
// data; done is false when the blob is compressed (the caller reads it).
func (lr *layerReader) readHeaders(ctx context.Context, l v1.Layer, rs io.ReadSeeker) (d *layerData, done bool, err error) {
	size, err := rs.Seek(0, io.SeekEnd)
	if err != nil {
		return nil, false, nil // it cannot seek after all: read it whole
	}
	if _, err := rs.Seek(0, io.SeekStart); err != nil {
		return nil, true, err
	}
	kind, err := compression.Sniff(bufio.NewReaderSize(rs, 512))
	if _, serr := rs.Seek(0, io.SeekStart); serr != nil {
		return nil, true, serr
	}
	if err != nil || kind != compression.None {
		return nil, false, nil // compressed: read it whole
	}
	d = &layerData{compression: kind, storedSize: size, size: size, lazy: true}
	d.digest, _ = statedDigest(l)
	tr := layertar.NewSeekingReader(seekableBlob(ctx, rs), size)
	if err := parseEntries(tr, d, lr.seed, true); err != nil {
		return nil, true, err
	}
	if lr.progress != nil {
		lr.progress(size)
	}
	return d, true, nil
}

// blobReadSeeker is blobReader for a blob that can seek.
type blobReadSeeker struct {
	blobReader
	io.Seeker
}

// seekableBlob reads rs until ctx is done, marking its errors as the
// blob's.
func seekableBlob(ctx context.Context, rs io.ReadSeeker) io.ReadSeeker {
	c := ctxio.ReadSeeker(ctx, rs)
	return blobReadSeeker{blobReader{c}, c}
}

// lazyPair is a file replaced by one of the same size where at least one
// of the two was not hashed.
type lazyPair struct{ lower, upper tree.EntryID }

// resolveLazy hashes the files of the pending pairs, reading each from
// its layer at its offset, and marks the content changes it finds.
func (r *Result) resolveLazy(ctx context.Context) error {
	m := &r.merger
	if len(m.pairs) == 0 {
		return nil
	}
	open := map[int]io.ReadSeeker{}
	defer func() {
		for _, rs := range open {
			if c, ok := rs.(io.Closer); ok {
				c.Close()
			}
		}
	}()
	var h maphash.Hash
	h.SetSeed(r.seed)
	hashOfEntry := func(id tree.EntryID) (uint64, error) {
		e := r.FS.Entry(id)
		off := m.offset(id)
		if off < 0 {
			return e.Hash, nil
		}
		layer := int(e.Layer)
		rs, ok := open[layer]
		if !ok {
			rc, err := r.layers[layer].Compressed()
			if err != nil {
				return 0, err
			}
			if rs, ok = rc.(io.ReadSeeker); !ok {
				rc.Close()
				return 0, fmt.Errorf("layer %d can no longer be read by offset", layer)
			}
			open[layer] = rs
		}
		if _, err := rs.Seek(off, io.SeekStart); err != nil {
			return 0, err
		}
		h.Reset()
		if _, err := io.CopyN(&h, seekableBlob(ctx, rs), e.Size); err != nil {
			return 0, fmt.Errorf("layer %d: reading %s again: %w", layer, r.FS.Path(e.Node), err)
		}
		e.Hash = h.Sum64()
		m.offsets[id] = -1 // hashed now
		return e.Hash, nil
	}
	for _, p := range m.pairs {
		lo, err := hashOfEntry(p.lower)
		if err != nil {
			return err
		}
		up, err := hashOfEntry(p.upper)
		if err != nil {
			return err
		}
		if lo != up {
			r.FS.Entry(p.upper).Changes |= tree.ChangedContent
		}
	}
	m.pairs = nil
	return nil
}
