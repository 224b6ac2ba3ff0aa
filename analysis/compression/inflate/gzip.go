package inflate

import (
	"bytes"
	"errors"
	"hash/crc32"
)

// ErrHeader and ErrChecksum are faults of the gzip framing.
var (
	ErrHeader   = errors.New("gzip: invalid header")
	ErrChecksum = errors.New("gzip: invalid checksum")
)

const (
	flagHCRC    = 1 << 1
	flagExtra   = 1 << 2
	flagName    = 1 << 3
	flagComment = 1 << 4
)

// maxString is the longest file name or comment, with its NUL, that a
// header may have: what Go's compress/gzip accepts.
const maxString = 512

// parseHeader reads a gzip member header (RFC 1952, 2.3) from the start of
// b: its length, errShort if b holds only part of it, or ErrHeader.
func parseHeader(b []byte) (int, error) {
	if len(b) < 10 {
		return 0, errShort
	}
	if b[0] != 0x1f || b[1] != 0x8b || b[2] != 8 {
		return 0, ErrHeader
	}
	flg := b[3]
	n := 10
	if flg&flagExtra != 0 {
		if len(b) < n+2 {
			return 0, errShort
		}
		n += 2 + int(le.Uint16(b[n:]))
		if len(b) < n {
			return 0, errShort
		}
	}
	for _, f := range []byte{flagName, flagComment} {
		if flg&f == 0 {
			continue
		}
		i := bytes.IndexByte(b[n:min(len(b), n+maxString)], 0)
		if i < 0 {
			if len(b) >= n+maxString {
				return 0, ErrHeader
			}
			return 0, errShort
		}
		n += i + 1
	}
	if flg&flagHCRC != 0 {
		if len(b) < n+2 {
			return 0, errShort
		}
		if le.Uint16(b[n:]) != uint16(crc32.ChecksumIEEE(b[:n])) {
			return 0, ErrHeader
		}
		n += 2
	}
	if flg>>5 != 0 {
		return 0, ErrHeader
	}
	return n, nil
}

func crc32IEEE(b []byte) uint32 { return crc32.ChecksumIEEE(b) }
