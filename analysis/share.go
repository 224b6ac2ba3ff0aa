package analysis

import (
	"bufio"
	"context"
	"errors"
	"hash/maphash"
	"io"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/layerscope/layerscope/analysis/compression"
	"github.com/layerscope/layerscope/tree"
)

// Two analyses side by side (layerscope diff): their content hashes must be
// comparable, and the leading layers both images share are read once.

// WithContentSeed makes the content hashes (tree.Entry.Hash) of every
// analysis given the same seed comparable with each other.
func WithContentSeed(s maphash.Seed) Option { return func(o *options) { o.seed = &s } }

// fromLayer starts the parse at layer i: the layers below are merged from
// elsewhere (ReadPair).
func fromLayer(i int) Option { return func(o *options) { o.fromLayer = max(i, 0) } }

// headersOnlyBelow limits WithHeadersOnly to the layers below i: the
// others are read whole, their files hashed on the way.
func headersOnlyBelow(i int) Option { return func(o *options) { o.lazyBelow = &i } }

// SharedLayers is how many leading layers a and b have in common: the same
// diff ID (the digest of the uncompressed tar, so the same entries) at the
// same position, from the bottom up to the first difference.
func SharedLayers(a, b *Result) int {
	n := 0
	for n < len(a.Layers) && n < len(b.Layers) {
		da, db := a.Layers[n].DiffID, b.Layers[n].DiffID
		if da.Hex == "" || da != db {
			break
		}
		n++
	}
	return n
}

// ReadError says which of two images ReadPair could not read.
type ReadError struct {
	Image int // 0 for the first (old), 1 for the second (new)
	Err   error
}

func (e *ReadError) Error() string { return e.Err.Error() }
func (e *ReadError) Unwrap() error { return e.Err }

// ReadPair reads two planned images with one content seed, so that their
// hashes compare. The layers they share (SharedLayers) are read once, from
// a, and merged into both; b's Blob for those layers is then a's (the same
// tar by its digest), so a's source must stay open while b is used. It
// returns the number of shared layers; an error is a *ReadError.
func ReadPair(ctx context.Context, a, b *Result, opts ...Option) (int, error) {
	shared := SharedLayers(a, b)
	opts = append(append([]Option{}, opts...), WithContentSeed(maphash.MakeSeed()))
	// With WithHeadersOnly, only the shared layers are read header by
	// header: what either image has of its own is read whole, as its
	// same-size files would have to be read to be compared anyway.
	// b's own parse sets its options; the shared layers are merged first.
	pb := b.parse(ctx, true, append(opts, fromLayer(shared), headersOnlyBelow(shared))...)
	defer pb.Close()
	own := make([]ownBlob, shared)
	for i := range shared {
		own[i] = b.ownBlob(ctx, i, a.Layers[i].Digest)
		b.layers[i] = a.layers[i]
	}
	pa := a.parse(ctx, true, append(opts, headersOnlyBelow(shared))...)
	defer pa.Close()
	for {
		pl, err := pa.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return 0, &ReadError{0, err}
		}
		var copied *layerData
		if i := pl.index; i < shared {
			d := *pl.data // the entries are only read by a merge: both can use them
			own[i].apply(&d)
			copied = &d
		}
		if err := a.Merge(pl); err != nil {
			return 0, &ReadError{0, err}
		}
		if copied != nil {
			if err := b.Merge(&ParsedLayer{index: pl.index, data: copied, release: func() {}}); err != nil {
				return 0, &ReadError{1, err}
			}
		}
	}
	if err := a.resolveLazy(ctx); err != nil {
		return 0, &ReadError{0, err}
	}
	for {
		pl, err := pb.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return 0, &ReadError{1, err}
		}
		if err := b.Merge(pl); err != nil {
			return 0, &ReadError{1, err}
		}
	}
	if err := b.resolveLazy(ctx); err != nil {
		return 0, &ReadError{1, err}
	}
	b.sharedFrom, b.sharedN = a, shared
	return shared, nil
}

// ReadTogether is how many leading layers ReadPair merged into b from a's
// read of them: there, both trees hold the very same entries, in the same
// order, with the same NodeIDs and EntryIDs. It is 0 for analyses read
// apart, whose equal diff IDs are only what the images claim.
func ReadTogether(a, b *Result) int {
	if b.sharedFrom == a {
		return b.sharedN
	}
	return 0
}

// ownBlob is what b's report says of a shared layer's own blob, which is
// not read: its stated digest and size where its format states them, and
// its compression from its first bytes.
type ownBlob struct {
	stated bool
	layer  Layer
	kind   compression.Kind
	sniff  error
}

func (b *Result) ownBlob(ctx context.Context, i int, aDigest v1.Hash) ownBlob {
	o := ownBlob{layer: b.Layers[i], stated: b.Layers[i].Digest.Hex != ""}
	if !o.stated || o.layer.Digest == aDigest || ctx.Err() != nil {
		return o // nothing of its own, or the very blob a states too
	}
	rc, err := b.layers[i].Compressed()
	if err != nil {
		o.sniff = err
		return o
	}
	defer rc.Close()
	o.kind, o.sniff = compression.Sniff(bufio.NewReaderSize(rc, 512))
	return o
}

// apply gives the copy of a's parsed layer b's own blob facts.
func (o ownBlob) apply(d *layerData) {
	if !o.stated || o.layer.Digest == d.digest {
		return // the same blob, or b states nothing of its own
	}
	d.digest, d.storedSize = o.layer.Digest, o.layer.CompressedSizeBytes
	if o.sniff == nil {
		d.compression = o.kind
	}
}

// HashKnown reports whether entry id's content hash was computed: a
// headers-only read (WithHeadersOnly) leaves most files unhashed, and their
// bytes must be read to compare them.
func (r *Result) HashKnown(id tree.EntryID) bool {
	return r.merger.offset(id) < 0
}

// SameSeed reports whether r's and o's content hashes are comparable.
func (r *Result) SameSeed(o *Result) bool { return r.seed == o.seed }
