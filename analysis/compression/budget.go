package compression

import (
	"context"
	"sync"

	"github.com/layerscope/layerscope/analysis/compression/inflate"
)

// DefaultBudget lets two decoders at MaxWindow run at once, or many at the
// windows ordinary compression levels use.
const DefaultBudget = 2 * (MaxWindow + decoderOverhead)

// Budget bounds the memory of the zstd decoders that share it, and the
// number of gzip workers. Decoders
// reserve their window when they start and return it on Close; one that
// does not fit waits for others to finish.
type Budget struct {
	total int64
	// gzipWorkers bounds the gzip decoding workers of every reader that
	// shares the budget: one a core, however many layers are read at once.
	gzipWorkers *inflate.Limit

	mu    sync.Mutex
	used  int64
	freed chan struct{} // closed and replaced whenever memory is returned
}

// NewBudget returns a budget of total bytes (DefaultBudget if total <= 0).
func NewBudget(total int64) *Budget {
	if total <= 0 {
		total = DefaultBudget
	}
	return &Budget{total: total, freed: make(chan struct{}), gzipWorkers: inflate.NewLimit(0)}
}

// acquire reserves n bytes, waiting until they are free or ctx ends.
func (b *Budget) acquire(ctx context.Context, n int64) error {
	if n > b.total {
		return &Error{Kind: Zstd, Err: &windowError{need: n - decoderOverhead, limit: b.total, budget: true}}
	}
	for {
		b.mu.Lock()
		if b.used+n <= b.total {
			b.used += n
			b.mu.Unlock()
			return nil
		}
		wait := b.freed
		b.mu.Unlock()
		select {
		case <-wait:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

func (b *Budget) release(n int64) {
	b.mu.Lock()
	b.used -= n
	close(b.freed)
	b.freed = make(chan struct{})
	b.mu.Unlock()
}

// InUse is how much of the budget is reserved now.
func (b *Budget) InUse() int64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.used
}
