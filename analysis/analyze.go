// Package analysis turns a v1.Image into layerscope's analysis: every
// layer's entries with their states, the merged file system after any layer
// (in a tree.FS), and the waste metrics.
//
// Ownership: Plan makes a Result; Parse reads its layers on worker
// goroutines that see only the layer blobs; the Result's owner merges each
// ParsedLayer on its own goroutine. Nothing else writes the Result, so no
// lock guards it, and anything that runs elsewhere (a reader of a file's
// contents, an extraction) takes plain values from it first.
package analysis

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"runtime"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/layerscope/layerscope/analysis/compression"
	"github.com/layerscope/layerscope/analysis/partial"
	"github.com/layerscope/layerscope/tree"
)

// Progress is reported while layers are read.
type Progress struct {
	LayersDone, Layers int
	BytesDone          int64 // stored (compressed) bytes read so far
	BytesTotal         int64 // stored bytes of all layers, 0 if unknown
}

type options struct {
	workers    int
	baseLayers int
	progress   func(Progress)
	noVerify   bool
	lazy       bool
	seed       *maphash.Seed // WithContentSeed; else a new one per parse
	fromLayer  int           // the first layer to parse (ReadPair: the others are shared)
	lazyBelow  *int          // with lazy, only layers below this are read headers-only (ReadPair)
	recycle    bool          // Read's: merged layers' entry slices go back to the workers
}

// Option tunes Parse and Analyze.
type Option func(*options)

// WithWorkers sets how many layers are read at once (default: the CPUs).
func WithWorkers(n int) Option { return func(o *options) { o.workers = max(n, 1) } }

// WithBaseLayers says how many bottom layers are the base image, for
// userSizeBytes (default 1).
func WithBaseLayers(n int) Option { return func(o *options) { o.baseLayers = max(n, 0) } }

// WithoutVerify skips the SHA-256 hashing the analysis does itself: the
// digests of blobs stored as files and of uncompressed tars, and their
// check against the config's diff IDs and the format's stated digests.
// (A registry's transport still checks what it downloads.)
func WithoutVerify() Option { return func(o *options) { o.noVerify = true } }

// WithHeadersOnly, with WithoutVerify, reads only the headers of
// uncompressed layers stored in seekable files, seeking over file
// contents; Read then reads just the files a later layer replaces by one of
// the same size, to tell a content change from a metadata one. Only Read
// and Analyze take it (an owner that merges layers itself gets full reads).
func WithHeadersOnly() Option { return func(o *options) { o.lazy = true } }

// WithProgress receives progress reports from any goroutine.
func WithProgress(fn func(Progress)) Option { return func(o *options) { o.progress = fn } }

func defaultWorkers() int { return runtime.GOMAXPROCS(0) }

// Layer is what the analysis knows about one layer.
type Layer struct {
	Index               int
	Digest              v1.Hash // of the stored blob
	DiffID              v1.Hash // from the config
	Compression         compression.Kind
	Command             string
	History             []Step
	SizeBytes           int64 // bytes of its entries
	CompressedSizeBytes int64 // of the stored blob
	Added               int
	Modified            int
	Removed             int
	WastedBytes         int64 // bytes of its entries that end up shadowed
}

// Result is an analysis: planned (layers known), being merged, or done.
type Result struct {
	FS       *tree.FS
	Config   *v1.ConfigFile
	Layers   []Layer
	Metrics  Metrics
	Wasted   []WastedFile
	Warnings []string // summarised: a few of each kind and a count

	layers     []v1.Layer // to read
	merger     merger
	warn       warnings
	baseLayers int
	merged     int          // layers in FS so far
	entryBytes int64        // of the merged layers' entries, checked
	verify     bool         // the parse checks digests
	seed       maphash.Seed // of the content hashes
	verified   bool         // every layer's digests were checked
	done       bool
	sharedFrom *Result // ReadPair: the result whose read of the first sharedN layers this one merged
	sharedN    int
	adv        adviceState // inspect.go
}

// Plan describes img from its manifest and config alone, before any layer
// is read: the layers with their commands, history, diff IDs and, where the
// source states them, stored digests and sizes. The result has no FS yet.
func Plan(img v1.Image) (*Result, error) {
	rawCfg, err := img.RawConfigFile()
	if err != nil {
		return nil, fmt.Errorf("image config: %w", err)
	}
	// The raw config, not ConfigFile(): some sources rebuild the latter.
	cfg, err := v1.ParseConfigFile(bytes.NewReader(rawCfg))
	if err != nil {
		return nil, fmt.Errorf("invalid image config: %w", err)
	}
	layers, err := img.Layers()
	if err != nil {
		return nil, err
	}
	res := &Result{Config: cfg, Layers: make([]Layer, len(layers)), FS: tree.NewFS(), layers: layers, baseLayers: 1}
	res.merger = merger{fs: res.FS, warn: &res.warn}
	if n := len(cfg.RootFS.DiffIDs); n != len(layers) {
		res.warn.addf("the config lists %d diff IDs for %d layers", n, len(layers))
	}
	steps, commands, warning := mapHistory(cfg.History, len(layers))
	if warning != "" {
		res.warn.add(warning, 1, warning)
	}
	descs := statedLayers(img, len(layers))
	for i := range layers {
		pl := &res.Layers[i]
		*pl = Layer{Index: i, Command: commands[i], History: steps[i]}
		if i < len(cfg.RootFS.DiffIDs) {
			pl.DiffID = cfg.RootFS.DiffIDs[i]
		}
		if descs != nil {
			pl.Digest, pl.CompressedSizeBytes = descs[i].Digest, descs[i].Size
		}
	}
	if len(layers) == 0 {
		res.measure(0)
		res.done = true
	}
	redactHistory(res.Layers)
	res.Warnings = res.warn.lines()
	return res, nil
}

// statedLayers returns the layer descriptors of the image's manifest when
// the source stores one (OCI layouts, registries).
func statedLayers(img v1.Image, n int) []v1.Descriptor {
	if s, ok := img.(partial.ManifestHolder); ok && !s.HasManifest() {
		return nil
	}
	m, err := img.Manifest()
	if err != nil || len(m.Layers) != n {
		return nil
	}
	return m.Layers
}

// Analyze reads every layer of img once and builds the result. Layers are
// read by a bounded pool of workers and merged strictly in order on the
// calling goroutine.
func Analyze(ctx context.Context, img v1.Image, opts ...Option) (*Result, error) {
	res, err := Plan(img)
	if err != nil {
		return nil, err
	}
	if err := res.Read(ctx, opts...); err != nil {
		return nil, err
	}
	return res, nil
}

// Read parses the planned image's layers and merges them on the calling
// goroutine. It returns once every worker has stopped, also on error.
func (r *Result) Read(ctx context.Context, opts ...Option) error {
	recycle := func(o *options) { o.recycle = true }
	p := r.parse(ctx, true, append(opts[:len(opts):len(opts)], recycle)...)
	defer p.Close()
	for {
		pl, err := p.Next()
		if errors.Is(err, io.EOF) {
			if err := r.resolveLazy(ctx); err != nil {
				return err
			}
			return r.scanLazy(ctx)
		}
		if err != nil {
			return err
		}
		entries := pl.data.entries
		if err := r.Merge(pl); err != nil {
			return err
		}
		p.spare.give(entries) // merged: nothing reads them again
		r.reserveNodes(p.stored)
	}
}

// reserveNodes sizes the tree's child index for the nodes the whole image
// will likely have, from the nodes per stored byte of the layers merged so
// far (total is all layers' stored bytes), but never for more than 8
// times the nodes so far, as the first layers may be unlike the rest.
// Grown by doubling alone, the index moved every node again at each step:
// a sixth of the merge of a million files.
func (r *Result) reserveNodes(total int64) {
	var stored int64
	for _, l := range r.Layers[:r.merged] {
		stored += l.CompressedSizeBytes // each checked, at most maxBytes
	}
	if total <= stored || stored <= 0 {
		return // done, or nothing to go by
	}
	nodes := float64(r.FS.Len())
	r.FS.Reserve(int(min(nodes*float64(total)/float64(stored), 8*nodes)))
}

// Merge places the next parsed layer into r.FS; after the last one it
// computes the metrics. Layers must be merged in order, by r's owner.
func (r *Result) Merge(pl *ParsedLayer) error {
	defer pl.release()
	i := pl.index
	if i != r.merged {
		return fmt.Errorf("layer %d merged after %d of %d layers", i, r.merged, len(r.layers))
	}
	d := pl.data
	total, err := addBytes(r.entryBytes, d.entryBytes)
	if err != nil {
		return fmt.Errorf("layer %d%s: the image's files add up to %w", i, describe(r.layers[i]), err)
	}
	r.entryBytes = total
	l := &r.Layers[i]
	l.CompressedSizeBytes, l.Compression = d.storedSize, d.compression
	if d.digest.Hex != "" {
		l.Digest = d.digest
	}
	if d.verified && l.DiffID.Hex != "" && l.DiffID != d.diffID {
		r.warn.addf("layer %d: content digest %s does not match the config's diff_id %s", i, d.diffID, l.DiffID)
	}
	r.warn.merge(&d.warnings, fmt.Sprintf("layer %d: ", i))
	r.keepSecrets(d)
	r.merger.addLayer(d)
	pl.data = nil // the parsed form is no longer needed
	r.merged = i + 1
	if r.merged == len(r.layers) {
		r.measure(r.baseLayers)
		r.done = true
		r.verified = r.verify
	}
	r.Warnings = r.warn.lines()
	return nil
}

// Blob returns layer i as its source serves it, to read its bytes again
// (a file's contents, an extraction). The result owns its layers: callers
// never pass img.Layers() beside it.
func (r *Result) Blob(i int) v1.Layer { return r.layers[i] }

// Merged is how many layers (from the bottom) are in the FS so far.
func (r *Result) Merged() int { return r.merged }

// Done reports whether every layer is merged and the metrics are computed.
func (r *Result) Done() bool { return r.done }
