// Package analysis turns a v1.Image into layerscope's analysis: every
// layer's entries with their states, the merged file system after any layer
// (in a tree.FS), and the waste metrics.
package analysis

import (
	"bytes"
	"context"
	"fmt"
	"hash/maphash"
	"runtime"
	"sync"
	"sync/atomic"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/layerscope/layerscope/analysis/compression"
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
	lock       sync.Locker
	merged     func(layer int)
}

// Option tunes Analyze.
type Option func(*options)

// WithWorkers sets how many layers are read at once (default: the CPUs).
func WithWorkers(n int) Option { return func(o *options) { o.workers = max(n, 1) } }

// WithBaseLayers says how many bottom layers are the base image, for
// userSizeBytes (default 1).
func WithBaseLayers(n int) Option { return func(o *options) { o.baseLayers = max(n, 0) } }

// WithLock makes Read hold l while it changes the result.
func WithLock(l sync.Locker) Option { return func(o *options) { o.lock = l } }

// WithMerged is called, from Read's goroutine, after each layer is merged.
func WithMerged(fn func(layer int)) Option { return func(o *options) { o.merged = fn } }

// WithProgress receives progress reports from any goroutine.
func WithProgress(fn func(Progress)) Option { return func(o *options) { o.progress = fn } }

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

// Result is an analysis: planned (layers known), being read, or done.
type Result struct {
	FS       *tree.FS
	Config   *v1.ConfigFile
	Layers   []Layer
	Metrics  Metrics
	Wasted   []WastedFile
	Warnings []string

	layers []v1.Layer // to read
	merged int        // layers in FS so far
	done   bool
}

// Plan describes img from its manifest and config alone, before any layer
// is read: the layers with their commands, history, diff IDs and, where the
// source states them, stored digests and sizes. The result has no FS yet.
func Plan(img v1.Image) (*Result, error) {
	res, _, err := plan(img)
	return res, err
}

func plan(img v1.Image) (*Result, []v1.Layer, error) {
	rawCfg, err := img.RawConfigFile()
	if err != nil {
		return nil, nil, fmt.Errorf("image config: %w", err)
	}
	// The raw config, not ConfigFile(): some sources rebuild the latter.
	cfg, err := v1.ParseConfigFile(bytes.NewReader(rawCfg))
	if err != nil {
		return nil, nil, fmt.Errorf("invalid image config: %w", err)
	}
	layers, err := img.Layers()
	if err != nil {
		return nil, nil, err
	}
	res := &Result{Config: cfg, Layers: make([]Layer, len(layers)), FS: tree.NewFS(), layers: layers}
	if n := len(cfg.RootFS.DiffIDs); n != len(layers) {
		res.Warnings = append(res.Warnings, fmt.Sprintf("the config lists %d diff IDs for %d layers", n, len(layers)))
	}
	steps, commands, warning := mapHistory(cfg.History, len(layers))
	if warning != "" {
		res.Warnings = append(res.Warnings, warning)
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
	return res, layers, nil
}

// statedLayers returns the layer descriptors of the image's manifest when
// the source stores one (OCI layouts, registries); a docker save has none,
// and making one up would mean reading every layer.
func statedLayers(img v1.Image, n int) []v1.Descriptor {
	if s, ok := img.(interface{ HasManifest() bool }); ok && !s.HasManifest() {
		return nil
	}
	m, err := img.Manifest()
	if err != nil || len(m.Layers) != n {
		return nil
	}
	return m.Layers
}

// Analyze reads every layer of img once and builds the result. Layers are
// read by a bounded pool of workers and merged strictly in order.
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

// Read reads the planned image's layers into r.FS and computes the
// metrics. With WithLock, every change to r is made holding the lock, so
// that a UI can show the tree while it fills in.
func (r *Result) Read(ctx context.Context, opts ...Option) error {
	o := options{workers: runtime.GOMAXPROCS(0), baseLayers: 1}
	for _, opt := range opts {
		opt(&o)
	}
	lock := o.lock
	if lock == nil {
		lock = noLock{}
	}
	layers := r.layers
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	results, window := readAll(ctx, layers, o)
	m := merger{fs: r.FS}
	for i := range layers {
		rr := <-results[i]
		<-window
		if rr.err != nil {
			cancel()
			return fmt.Errorf("layer %d%s: %w", i, describe(layers[i]), rr.err)
		}
		d := rr.data
		lock.Lock()
		l := &r.Layers[i]
		l.Digest, l.CompressedSizeBytes, l.Compression = d.digest, d.storedSize, d.compression
		if l.DiffID.Hex != "" && l.DiffID != d.diffID {
			r.Warnings = append(r.Warnings, fmt.Sprintf("layer %d: content digest %s does not match the config's diff_id %s", i, d.diffID, l.DiffID))
		}
		for _, w := range d.warnings {
			r.Warnings = append(r.Warnings, fmt.Sprintf("layer %d: %s", i, w))
		}
		m.addLayer(d)
		r.merged = i + 1
		lock.Unlock()
		if o.merged != nil {
			o.merged(i)
		}
	}
	lock.Lock()
	defer lock.Unlock()
	r.Warnings = append(r.Warnings, m.warnings...)
	r.measure(o.baseLayers)
	r.done = true
	return nil
}

// Blob returns layer i as its source serves it, to read its bytes again
// (a file's contents, an extraction). The result owns its layers: callers
// never pass img.Layers() beside it.
func (r *Result) Blob(i int) v1.Layer { return r.layers[i] }

// Merged is how many layers (from the bottom) are in the FS so far.
func (r *Result) Merged() int { return r.merged }

// Done reports whether every layer is read and the metrics are computed.
func (r *Result) Done() bool { return r.done }

type noLock struct{}

func (noLock) Lock()   {}
func (noLock) Unlock() {}

// describe names a layer in an error: by its file in an archive, else by
// its digest (asked only now, on the error path, as some sources compute it).
func describe(l v1.Layer) string {
	if p, ok := l.(interface{ Path() string }); ok {
		return " (" + p.Path() + ")"
	}
	if h, err := l.Digest(); err == nil {
		return " (" + h.String() + ")"
	}
	return ""
}

type readResult struct {
	data *layerData
	err  error
}

// readAll starts reading the layers with a bounded pool; result i arrives
// on channel i.
func readAll(ctx context.Context, layers []v1.Layer, o options) ([]chan readResult, chan struct{}) {
	results := make([]chan readResult, len(layers))
	for i := range results {
		results[i] = make(chan readResult, 1)
	}
	seed := maphash.MakeSeed()
	var total int64
	for _, l := range layers {
		if s, err := l.Size(); err == nil && total >= 0 {
			total += s
		} else {
			total = -1
		}
	}
	var done atomic.Int64
	var layersDone atomic.Int32
	var mu sync.Mutex
	report := func() {
		if o.progress == nil {
			return
		}
		mu.Lock()
		defer mu.Unlock()
		o.progress(Progress{LayersDone: int(layersDone.Load()), Layers: len(layers), BytesDone: done.Load(), BytesTotal: max(total, 0)})
	}
	var onBytes func(int64)
	if o.progress != nil {
		onBytes = func(n int64) { done.Add(n); report() }
	}
	// window bounds how many parsed layers wait for the in-order merge;
	// a worker takes a token before it takes the next layer, so the
	// lowest unmerged layer is always started first.
	window := make(chan struct{}, 2*o.workers)
	next := make(chan int, len(layers))
	for i := range layers {
		next <- i
	}
	close(next)
	for w := 0; w < min(o.workers, len(layers)); w++ {
		go func() {
			for {
				window <- struct{}{}
				i, ok := <-next
				if !ok {
					return
				}
				if ctx.Err() != nil {
					results[i] <- readResult{err: ctx.Err()}
					continue
				}
				d, err := safeReadLayer(ctx, layers[i], seed, onBytes)
				layersDone.Add(1)
				report()
				results[i] <- readResult{d, err}
			}
		}()
	}
	return results, window
}

// safeReadLayer turns a panic while parsing hostile input into an error
// for that layer instead of a crash.
func safeReadLayer(ctx context.Context, l v1.Layer, seed maphash.Seed, progress func(int64)) (d *layerData, err error) {
	defer func() {
		if r := recover(); r != nil {
			d, err = nil, fmt.Errorf("internal error while reading the layer: %v", r)
		}
	}()
	return readLayer(ctx, l, seed, progress)
}
