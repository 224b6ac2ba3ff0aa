package layertar

import (
	"archive/tar"
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// refOctal is archive/tar's rule for an octal field, step by step: trim
// spaces and NULs, cut at the first NUL, parse as unsigned octal.
func refOctal(b []byte) (int64, error) {
	b = bytes.Trim(b, " \x00")
	if len(b) == 0 {
		return 0, nil
	}
	if i := bytes.IndexByte(b, 0); i >= 0 {
		b = b[:i]
	}
	v, err := strconv.ParseUint(string(b), 8, 64)
	if err != nil {
		return 0, ErrHeader
	}
	return int64(v), nil
}

// refChecksumOK is archive/tar's checksum test, byte by byte.
func refChecksumOK(b *[blockSize]byte) bool {
	want, err := refOctal(b[148:156])
	if err != nil {
		return false
	}
	var unsigned, signed int64
	for i, c := range b {
		if i >= 148 && i < 156 {
			c = ' '
		}
		unsigned += int64(c)
		signed += int64(int8(c))
	}
	return want == unsigned || want == signed
}

// maxField is the widest numeric field: 12 octal digits never overflow
// (parseOctal refuses what would, archive/tar would wrap 22-digit values).
const maxField = 12

// octalFields is where a header keeps its octal numbers, with their sizes.
var octalFields = [][2]int{{100, 8}, {108, 8}, {116, 8}, {124, 12}, {136, 12}, {148, 8}, {329, 8}, {337, 8}, {345, 12}, {357, 12}}

func checkOctal(t *testing.T, f []byte) {
	t.Helper()
	got, gerr := parseOctal(f)
	want, werr := refOctal(f)
	if (gerr == nil) != (werr == nil) || (werr == nil && got != want) {
		t.Errorf("parseOctal(%q) = %d, %v; archive/tar's rule gives %d, %v", f, got, gerr, want, werr)
	}
}

func checkChecksum(t *testing.T, b *[blockSize]byte) {
	t.Helper()
	if got, want := checksumOK(b), refChecksumOK(b); got != want {
		t.Errorf("checksumOK = %v, archive/tar's rule says %v, for the block\n%q", got, want, b[:])
	}
}

func TestParseOctal(t *testing.T) {
	for _, f := range []string{
		"", "\x00\x00\x00\x00\x00\x00\x00\x00", "        ", "0000644\x00", "0000644 ", " 0000644", "644", "00000001750\x00",
		"12 \x0034", "12\x00 34", "12 34", "12 \x00 \x00", " \x00 7 \x00", "\x00\x0012", "\x0012\x0034", "12\x00\xff",
		// The 8- and 12-byte layout parsed eight digits at a time, and bytes
		// just outside '0'-'7' in each position.
		"7777777\x00", "7777777 ", "77777777777\x00", "77777777777 ", "0000008\x00", "000000/\x00", "8000000\x00",
		"0000644\x01", "00000001750 ", "0000000000\x00\x00", "7777777777/\x00", "7777777/777\x00", "/7777777777\x00",
		"00000000008\x00", "0000000\x80", "\xb0000000\x00", "0000000000\xb0\x00",
		"8", "9", "-1", "+7", "0x10", "7_7", "7 7", "\xff", "777777777777", " 77777777777", "\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x007",
	} {
		checkOctal(t, []byte(f))
	}
}

// TestChecksum compares the checksum with archive/tar's on the headers of
// real tars, on random blocks with a checksum written for them (unsigned
// and signed sums, and off by one), and on all-0xff blocks.
func TestChecksum(t *testing.T) {
	var blocks [][blockSize]byte
	for _, b := range samples(t) {
		for off := 0; off+blockSize <= len(b) && off < 64*blockSize; off += blockSize {
			blocks = append(blocks, [blockSize]byte(b[off:off+blockSize]))
		}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 2000 {
		var b [blockSize]byte
		for i := range b {
			if rng.IntN(3) == 0 {
				b[i] = byte(rng.Uint32())
			}
		}
		var unsigned, signed int64
		for i, c := range b {
			if i >= 148 && i < 156 {
				c = ' '
			}
			unsigned += int64(c)
			signed += int64(int8(c))
		}
		for _, sum := range []int64{unsigned, signed, unsigned + 1, unsigned - 1} {
			copy(b[148:156], fmt.Sprintf("%06o\x00 ", sum&0o777777))
			blocks = append(blocks, b)
		}
	}
	var ff [blockSize]byte
	for i := range ff {
		ff[i] = 0xff
	}
	blocks = append(blocks, ff)
	copy(ff[148:156], fmt.Sprintf("%06o\x00 ", 504*255+8*' '))
	blocks = append(blocks, ff)
	ok := 0
	for i := range blocks {
		checkChecksum(t, &blocks[i])
		if checksumOK(&blocks[i]) {
			ok++
		}
	}
	if ok < len(blocks)/4 {
		t.Errorf("only %d of %d blocks pass the checksum: the test checks little", ok, len(blocks))
	}
}

// FuzzHeaderFields: on any block, the checksum and every octal field parse
// as archive/tar's rules say; any short input is tried as a field too.
func FuzzHeaderFields(f *testing.F) {
	for _, b := range samples(f) {
		if len(b) >= blockSize {
			f.Add(b[:blockSize])
		}
	}
	for _, c := range hostileCases() {
		f.Add(c.tar[:min(len(c.tar), blockSize)])
	}
	f.Add([]byte("12 \x0034"))
	f.Fuzz(func(t *testing.T, in []byte) {
		if len(in) <= maxField {
			checkOctal(t, in)
		}
		// The input as fields of digits, mostly: random bytes seldom make
		// the layout that is parsed eight digits at a time.
		const alphabet = "01234567 \x00/8\xb0"
		for _, n := range []int{8, 12} {
			f := make([]byte, n)
			for i := range min(n, len(in)) {
				f[i] = alphabet[int(in[i])%len(alphabet)]
				if in[i] < 200 { // mostly digits
					f[i] = '0' + in[i]%8
				}
			}
			checkOctal(t, f)
		}
		var b [blockSize]byte
		copy(b[:], in)
		checkChecksum(t, &b)
		for _, fl := range octalFields {
			checkOctal(t, b[fl[0]:fl[0]+fl[1]])
		}
	})
}

// TestNamesOutliveTheirHeaders: names and link names share chunks of
// memory; each must still read as archive/tar read it after all the
// headers after it (chunks filled and new ones begun).
func TestNamesOutliveTheirHeaders(t *testing.T) {
	var w bytes.Buffer
	tw := tar.NewWriter(&w)
	var want []string
	for i := range 3000 {
		h := &tar.Header{Name: fmt.Sprintf("dir%03d/%s/file%05d", i%100, strings.Repeat("p", i%90), i), Typeflag: tar.TypeReg, Mode: 0o644}
		if i%3 == 0 {
			h.Typeflag, h.Linkname = tar.TypeSymlink, fmt.Sprintf("../target%05d", i)
		}
		if i%7 == 0 {
			// A USTAR prefix: the name is joined from two fields.
			h.Name = strings.Repeat("q", 120) + fmt.Sprintf("/f%05d", i)
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		want = append(want, h.Name+" -> "+h.Linkname)
	}
	tw.Close()
	tr := NewReader(bytes.NewReader(w.Bytes()))
	var names []string // the reader's own strings, joined only at the end
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, h.Name, h.Linkname)
	}
	var got []string
	for i := 0; i+1 < len(names); i += 2 {
		got = append(got, names[i]+" -> "+names[i+1])
	}
	if !slices.Equal(got, want) {
		t.Fatalf("names differ after the read: %d names, want %d", len(got), len(want))
	}
}
