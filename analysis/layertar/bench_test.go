package layertar

import (
	"archive/tar"
	"bytes"
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"strings"
	"testing"
)

// benchLayer is a layer like the analysis reads: many small files in
// directories, a few PAX headers for long names.
func benchLayer(b *testing.B, fileSize int) []byte {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	body := bytes.Repeat([]byte{'x'}, fileSize)
	for i := range 20000 {
		name := fmt.Sprintf("usr/share/dir%03d/file%05d", i%300, i)
		if i%50 == 0 {
			name = strings.Repeat("long-directory/", 8) + name
		}
		if err := tw.WriteHeader(&tar.Header{Name: name, Typeflag: tar.TypeReg, Mode: 0o644, Size: int64(len(body))}); err != nil {
			b.Fatal(err)
		}
		tw.Write(body)
	}
	tw.Close()
	return buf.Bytes()
}

// BenchmarkNext reads every header, and hashes every file as the analysis
// does.
func BenchmarkNext(b *testing.B) {
	b.Run("headers", func(b *testing.B) { benchNext(b, 1000, false) })
	b.Run("hash", func(b *testing.B) { benchNext(b, 1000, true) })
	b.Run("empty-files", func(b *testing.B) { benchNext(b, 0, false) }) // header parsing alone
}

func benchNext(b *testing.B, fileSize int, hash bool) {
	layer := benchLayer(b, fileSize)
	b.SetBytes(int64(len(layer)))
	b.ReportAllocs()
	var h maphash.Hash
	for b.Loop() {
		tr := NewReader(bytes.NewReader(layer))
		for {
			_, err := tr.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			if !hash {
				continue
			}
			h.Reset()
			if _, err := tr.WriteTo(&h); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// BenchmarkChecksum is the checksum test alone, once per header.
func BenchmarkChecksum(b *testing.B) {
	layer := benchLayer(b, 0)
	blk := (*[blockSize]byte)(layer[:blockSize])
	b.SetBytes(blockSize)
	for b.Loop() {
		if !checksumOK(blk) {
			b.Fatal("bad checksum")
		}
	}
}

// BenchmarkParseOctal parses a header's numeric fields as Go and GNU tar
// write them, by parseOctal and by its general path alone.
func BenchmarkParseOctal(b *testing.B) {
	fields := [][]byte{[]byte("0000644\x00"), []byte("0001750\x00"), []byte("00000001750\x00"), []byte("14730456417\x00"), []byte("0000000 "), []byte("0000000\x00")}
	for _, f := range []struct {
		name  string
		parse func([]byte) (int64, error)
	}{{"parseOctal", parseOctal}, {"padded", parseOctalPadded}} {
		b.Run(f.name, func(b *testing.B) {
			for b.Loop() {
				for _, fl := range fields {
					if _, err := f.parse(fl); err != nil {
						b.Fatal(err)
					}
				}
			}
		})
	}
}
