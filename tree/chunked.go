package tree

// chunkBits sizes the chunks of a chunked slice: 16k elements.
const chunkBits = 14

// chunked is an append-only slice stored in fixed-size chunks: growing it
// never copies what it holds, so a million entries cost their own size and
// no more, and pointers into it stay valid.
type chunked[T any] struct {
	chunks [][]T
	n      int
}

func (c *chunked[T]) append(v T) int {
	if c.n>>chunkBits == len(c.chunks) {
		c.chunks = append(c.chunks, make([]T, 0, 1<<chunkBits))
	}
	last := &c.chunks[len(c.chunks)-1]
	*last = append(*last, v)
	c.n++
	return c.n - 1
}

func (c *chunked[T]) at(i int) *T { return &c.chunks[i>>chunkBits][i&(1<<chunkBits-1)] }

func (c *chunked[T]) len() int { return c.n }
