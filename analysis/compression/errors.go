package compression

import (
	"errors"
	"fmt"

	"github.com/dustin/go-humanize"
)

// Error is a fault of a compressed stream: it is corrupt, ends early, or
// needs more memory than allowed. Callers that wrap decoding errors in
// their own words (a tar reader's "invalid layer tar") should keep an
// *Error as it is: its message says what is wrong.
type Error struct {
	Kind Kind
	Err  error // ErrTruncated, an error matching ErrWindowTooLarge, or the decoder's own
}

// ErrTruncated means the compressed data ends before the stream does.
var ErrTruncated = errors.New("truncated")

// ErrWindowTooLarge means a zstd stream needs a larger decoder window than
// allowed.
var ErrWindowTooLarge = errors.New("zstd window too large")

func (e *Error) Error() string {
	var w *windowError
	switch {
	case errors.Is(e.Err, ErrTruncated):
		return fmt.Sprintf("truncated %s stream: it ends before its end marker", e.Kind)
	case errors.As(e.Err, &w):
		return fmt.Sprintf("%s stream %s", e.Kind, w)
	}
	return fmt.Sprintf("corrupt %s stream: %v", e.Kind, e.Err)
}

func (e *Error) Unwrap() error { return e.Err }

// windowError says how much window a stream needs and what is allowed.
type windowError struct {
	need    int64 // 0 when a later frame asked for more than the first
	limit   int64
	reserve bool // limit is what was reserved from the first frame
	budget  bool // limit is the whole budget
}

func (w *windowError) Error() string {
	switch {
	case w.reserve:
		return fmt.Sprintf("has a frame that needs a decoder window over the %s of its first frame", size(w.limit))
	case w.budget:
		return fmt.Sprintf("needs a %s decoder window, more than the whole %s decompression budget", size(w.need), size(w.limit))
	}
	return fmt.Sprintf("needs a %s decoder window, more than the %s limit", size(w.need), size(w.limit))
}

func (w *windowError) Is(target error) bool { return target == ErrWindowTooLarge }

func size(n int64) string { return humanize.IBytes(uint64(n)) }
