package compression

import (
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"testing"

	"github.com/klauspost/compress/zstd"
)

func TestSniffAndRead(t *testing.T) {
	plain := []byte("the layer tar")
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(plain)
	zw.Close()
	enc, _ := zstd.NewWriter(nil)
	zst := enc.EncodeAll(plain, nil)
	for want, in := range map[Kind][]byte{None: plain, Gzip: gz.Bytes(), Zstd: zst} {
		r, kind, err := Reader(bytes.NewReader(in))
		if err != nil || kind != want {
			t.Fatalf("%s: kind %s, %v", want, kind, err)
		}
		got, err := io.ReadAll(r)
		if err != nil || !bytes.Equal(got, plain) {
			t.Errorf("%s: read %q, %v", want, got, err)
		}
		r.Close()
	}
	for name, in := range map[string][]byte{"bzip2": []byte("BZh91AY&SY"), "xz": {0xfd, '7', 'z', 'X', 'Z', 0, 1}} {
		if _, _, err := Reader(bytes.NewReader(in)); !errors.Is(err, ErrUnsupported) {
			t.Errorf("%s: %v, want ErrUnsupported", name, err)
		}
	}
	if _, _, err := Reader(bytes.NewReader([]byte{0x1f, 0x8b, 0, 0})); err == nil {
		t.Error("a corrupt gzip header was accepted")
	}
}
