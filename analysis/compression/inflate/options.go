package inflate

import (
	"context"
	"runtime"
)

// Defaults, measured on /work/perf/oci (a 121 MB layer and smaller ones
// read at once): 512 KiB segments cost about 10 % more CPU than 1 MiB
// ones (the finder's scan and each seam's start in symbols), 1 MiB ones
// about 15 % more memory than 768 KiB; a third segment in flight bought
// nothing but memory.
const (
	defaultSegment = 768 << 10
	defaultDepth   = 2
	// defaultMaxSyms caps one speculative chunk's output (2 bytes a
	// symbol): a segment that inflates more (a long run of zeros, a
	// hostile stream) is decoded serially, streaming, instead.
	defaultMaxSyms = 8 << 20
)

// Option tunes a Reader.
type Option func(*config)

type config struct {
	ctx     context.Context
	segment int
	depth   int
	maxSyms int
	limit   *Limit
}

// WithContext stops the workers, and a Read waiting for them, when ctx
// ends.
func WithContext(ctx context.Context) Option { return func(c *config) { c.ctx = ctx } }

// WithSegmentSize sets how much compressed input each worker takes.
func WithSegmentSize(n int) Option { return func(c *config) { c.segment = max(n, 1<<10) } }

// WithDepth sets how many segments one Reader decodes ahead at most; 0
// decodes serially.
func WithDepth(n int) Option { return func(c *config) { c.depth = max(n, 0) } }

// WithMaxChunk caps a worker's output in symbols.
func WithMaxChunk(n int) Option { return func(c *config) { c.maxSyms = max(n, 1<<16) } }

// WithLimit makes the Reader's workers take turns with those of every
// other Reader sharing l.
func WithLimit(l *Limit) Option { return func(c *config) { c.limit = l } }

// Limit bounds how many workers decode at once, across Readers.
type Limit struct{ slots chan struct{} }

// NewLimit allows n workers at once (GOMAXPROCS if n <= 0).
func NewLimit(n int) *Limit {
	if n <= 0 {
		n = runtime.GOMAXPROCS(0)
	}
	return &Limit{slots: make(chan struct{}, n)}
}
