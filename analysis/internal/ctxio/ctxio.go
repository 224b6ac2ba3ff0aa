// Package ctxio makes reads stop when a context is cancelled: layers and
// exports are long streams, and ctrl+c must not wait for their end.
package ctxio

import (
	"context"
	"io"
)

// Reader returns r, failing with ctx's error once ctx is done.
func Reader(ctx context.Context, r io.Reader) io.Reader { return reader{ctx, r} }

type reader struct {
	ctx context.Context
	r   io.Reader
}

func (c reader) Read(b []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(b)
}

// ReadSeeker is Reader for a stream that can also seek.
func ReadSeeker(ctx context.Context, rs io.ReadSeeker) io.ReadSeeker {
	return readSeeker{reader{ctx, rs}, rs}
}

type readSeeker struct {
	reader
	io.Seeker
}
