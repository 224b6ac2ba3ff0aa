package analysis

import (
	"errors"
	"fmt"
)

// Limits on what an image may claim. Real unpackers cannot go past them,
// so an image that does is broken or hostile; refusing it keeps every sum
// exact and every listing bounded.
const (
	// maxBytes bounds an entry's size, a layer's and the image's total:
	// 1 PiB, far beyond any real image, far below where an int64 wraps
	// (so the sum of two checked values never overflows).
	maxBytes = 1 << 50
	// maxPathBytes is Linux's PATH_MAX: no unpacker can create a path (or
	// a symlink target) that long, and it bounds the depth of the tree and
	// the length of every listing.
	maxPathBytes = 4096
)

var errTooBig = errors.New("more than 1 PiB")

// addBytes adds two sizes of at most maxBytes, failing past maxBytes.
func addBytes(a, b int64) (int64, error) {
	if a < 0 || b < 0 || a > maxBytes || b > maxBytes || a+b > maxBytes {
		return 0, errTooBig
	}
	return a + b, nil
}

// checkEntry refuses sizes no unpacked file can have and paths no
// unpacker can create. Names are quoted: they come from the image.
func checkEntry(name string, size int64, clean, link string) error {
	switch {
	case size < 0:
		return fmt.Errorf("%.100q claims a negative size (%d bytes)", name, size)
	case size > maxBytes:
		return fmt.Errorf("%.100q claims %d bytes, %w", name, size, errTooBig)
	case len(clean) >= maxPathBytes:
		return fmt.Errorf("a path of %d bytes (%.60q…) is longer than any unpacker can create (%d)", len(clean), clean, maxPathBytes)
	case len(link) >= maxPathBytes:
		return fmt.Errorf("%.100q links to a path of %d bytes, longer than any unpacker can create (%d)", name, len(link), maxPathBytes)
	}
	return nil
}
