package synth

import (
	"bytes"
	"fmt"
	"io"
)

// FixTarHeaders returns data with every 512-byte block that has a ustar
// magic made a little more valid: stray bytes in its numeric fields become
// octal digits (a base-256 first byte stays) and its checksum is
// recomputed. Fuzz targets use it so that mutated sizes and types get past
// the header checks.
func FixTarHeaders(data []byte) []byte {
	data = bytes.Clone(data)
	for off := 0; off+512 <= len(data); off += 512 {
		blk := data[off : off+512]
		if !bytes.Equal(blk[257:262], []byte("ustar")) {
			continue
		}
		for _, field := range [][2]int{{100, 108}, {108, 116}, {116, 124}, {124, 136}, {136, 148}} {
			for i := field[0]; i < field[1]; i++ {
				c := blk[i]
				if (c < '0' || c > '7') && c != 0 && c != ' ' && !(i == field[0] && c&0x80 != 0) {
					blk[i] = '0' + c%8
				}
			}
		}
		copy(blk[148:156], "        ")
		sum := 0
		for _, c := range blk {
			sum += int(c)
		}
		copy(blk[148:156], fmt.Sprintf("%06o\x00 ", sum))
	}
	return data
}

// ReadAll reads what open opens, for tests that need a blob's bytes.
func ReadAll(open func() (io.ReadCloser, error)) ([]byte, error) {
	rc, err := open()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	return io.ReadAll(rc)
}
