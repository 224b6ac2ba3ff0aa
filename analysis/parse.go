package analysis

import (
	"context"
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"sync"
	"sync/atomic"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/layerscope/layerscope/analysis/compression"
	"github.com/layerscope/layerscope/analysis/partial"
)

// Parser reads an image's layers with a bounded pool of workers and hands
// them out in order as ParsedLayers. It never touches the Result it came
// from: whoever owns the Result merges what Next returns, on its own
// goroutine (the CLI's, or the explorer's Update), so the tree has exactly
// one writer and no lock.
type Parser struct {
	layers  []v1.Layer
	results []chan readResult
	next    int
	err     error
	ctx     context.Context
	cancel  context.CancelFunc
	workers sync.WaitGroup
	// window bounds the layers parsed but not yet merged: a worker takes
	// a token before it starts a layer, Merge gives it back. Workers take
	// layers in order, so the lowest unmerged layer is always started.
	window chan struct{}
	spare  *entryPool // Read's: merged layers' entry slices, for the workers
	stored int64      // of the layers to read, -1 if some layer's is unknown
}

// entryPool hands the entry slices of merged layers back to the workers:
// growing a fresh slice for each layer copied it over and over (a
// million entries in 50 layers: an eighth of a second, and as much
// garbage as the entries themselves). Only Read uses one: it alone knows
// that nothing reads a layer's entries after its merge.
type entryPool struct{ free chan []rawEntry }

func newEntryPool(n int) *entryPool { return &entryPool{free: make(chan []rawEntry, n)} }

// take returns an empty slice to append a layer's entries to.
func (p *entryPool) take() []rawEntry {
	if p == nil {
		return nil
	}
	select {
	case s := <-p.free:
		clear(s) // drop the old layer's strings
		return s[:0]
	default:
		return nil
	}
}

// give returns the entries of a merged layer; nothing may read them after.
func (p *entryPool) give(s []rawEntry) {
	if p == nil || cap(s) == 0 {
		return
	}
	select {
	case p.free <- s:
	default: // enough spares: let this one go
	}
}

// ParsedLayer is one layer read and parsed, not yet in the tree. It is a
// plain value handed from a worker to the Result's owner.
type ParsedLayer struct {
	index   int
	data    *layerData
	release func()
}

// Index is the layer's position, from the bottom.
func (p *ParsedLayer) Index() int { return p.index }

type readResult struct {
	data *layerData
	err  error
}

// Parse starts reading r's layers. Call Next until it returns io.EOF (or an
// error), merging each layer with r.Merge, and Close when done. Options
// given here also apply to the merge (WithBaseLayers).
func (r *Result) Parse(ctx context.Context, opts ...Option) *Parser {
	return r.parse(ctx, false, opts...)
}

func (r *Result) parse(ctx context.Context, allowLazy bool, opts ...Option) *Parser {
	o := options{workers: defaultWorkers(), baseLayers: 1}
	for _, opt := range opts {
		opt(&o)
	}
	o.lazy = o.lazy && allowLazy && o.noVerify
	r.baseLayers, r.verify, r.seed = o.baseLayers, !o.noVerify, maphash.MakeSeed()
	if o.seed != nil {
		r.seed = *o.seed
	}
	ctx, cancel := context.WithCancel(ctx)
	p := &Parser{
		layers:  r.layers,
		results: make([]chan readResult, len(r.layers)),
		next:    min(o.fromLayer, len(r.layers)),
		ctx:     ctx,
		cancel:  cancel,
		window:  make(chan struct{}, 2*o.workers),
	}
	if o.recycle {
		p.spare = newEntryPool(o.workers)
	}
	for i := range p.results {
		p.results[i] = make(chan readResult, 1)
	}
	p.start(o, r.seed)
	return p
}

// Next returns the next layer, in order; io.EOF after the last. An error
// names the layer and ends the parse: later calls return it again.
func (p *Parser) Next() (*ParsedLayer, error) {
	if p.err == nil && p.ctx.Err() != nil {
		p.err = p.ctx.Err() // closed or cancelled: nothing more comes out
	}
	if p.err != nil {
		return nil, p.err
	}
	if p.next == len(p.layers) {
		return nil, io.EOF
	}
	i := p.next
	var rr readResult
	select {
	case rr = <-p.results[i]:
	case <-p.ctx.Done():
		rr.err = p.ctx.Err()
	}
	if rr.err != nil {
		p.cancel()
		p.err = fmt.Errorf("layer %d%s: %w", i, describe(p.layers[i]), rr.err)
		if errors.Is(rr.err, context.Canceled) || errors.Is(rr.err, context.DeadlineExceeded) {
			p.err = rr.err
		}
		return nil, p.err
	}
	p.next++
	var once sync.Once
	return &ParsedLayer{index: i, data: rr.data, release: func() { once.Do(func() { <-p.window }) }}, nil
}

// Close stops the workers and waits until every one has returned, so that
// nothing of the parse outlives it (also after an error or a cancel).
func (p *Parser) Close() {
	p.cancel()
	p.workers.Wait()
}

// start launches the workers; result i arrives on p.results[i].
func (p *Parser) start(o options, seed maphash.Seed) {
	prog := newProgressCounter(p.layers[p.next:], o.progress)
	p.stored = prog.total
	lr := &layerReader{seed: seed, progress: prog.bytes, zstd: compression.NewBudget(0), verify: !o.noVerify, lazy: o.lazy, spare: p.spare}
	next := make(chan int, len(p.layers))
	for i := p.next; i < len(p.layers); i++ {
		next <- i
	}
	close(next)
	for w := 0; w < min(o.workers, len(p.layers)-p.next); w++ {
		p.workers.Add(1)
		go func() {
			defer p.workers.Done()
			for {
				select {
				case p.window <- struct{}{}:
				case <-p.ctx.Done():
					return
				}
				i, ok := <-next
				if !ok {
					return
				}
				r := lr
				if lr.lazy && o.lazyBelow != nil && i >= *o.lazyBelow {
					r = &layerReader{seed: lr.seed, progress: lr.progress, zstd: lr.zstd, verify: lr.verify, spare: lr.spare}
				}
				d, err := r.safeRead(p.ctx, p.layers[i])
				prog.layerDone()
				p.results[i] <- readResult{d, err} // buffered: never blocks
			}
		}()
	}
}

// progressCounter turns the workers' byte counts into Progress reports.
type progressCounter struct {
	fn         func(Progress)
	layers     int
	total      int64
	done       atomic.Int64
	layersDone atomic.Int32
	mu         sync.Mutex // serialises calls of fn
}

func newProgressCounter(layers []v1.Layer, fn func(Progress)) *progressCounter {
	c := &progressCounter{fn: fn, layers: len(layers)}
	for _, l := range layers {
		s, err := l.Size()
		if err != nil || s < 0 || c.total < 0 {
			c.total = -1
			continue
		}
		if c.total, err = addBytes(c.total, s); err != nil {
			c.total = -1
		}
	}
	return c
}

func (c *progressCounter) report() {
	if c.fn == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.fn(Progress{LayersDone: int(c.layersDone.Load()), Layers: c.layers, BytesDone: c.done.Load(), BytesTotal: max(c.total, 0)})
}

func (c *progressCounter) bytes(n int64) {
	if c.fn != nil {
		c.done.Add(n)
		c.report()
	}
}

func (c *progressCounter) layerDone() {
	c.layersDone.Add(1)
	c.report()
}

// safeRead turns a panic while parsing hostile input into an error for
// that layer instead of a crash.
func (lr *layerReader) safeRead(ctx context.Context, l v1.Layer) (d *layerData, err error) {
	defer func() {
		if r := recover(); r != nil {
			d, err = nil, fmt.Errorf("internal error while reading the layer: %v", r)
		}
	}()
	return lr.read(ctx, l)
}

// describe names a layer in an error: by its file in an archive, else by
// its digest (asked only now, on the error path, as some sources compute it).
func describe(l v1.Layer) string {
	if p, ok := l.(partial.PathLayer); ok {
		return " (" + p.Path() + ")"
	}
	if h, err := l.Digest(); err == nil {
		return " (" + h.String() + ")"
	}
	return ""
}
