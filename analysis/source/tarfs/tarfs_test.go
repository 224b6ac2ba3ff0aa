package tarfs

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
)

func writeArchive(t *testing.T, gz bool) string {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	add := func(h *tar.Header, body string) {
		h.Size = int64(len(body))
		if h.Typeflag == 0 {
			h.Typeflag = tar.TypeReg
		}
		if h.Typeflag != tar.TypeReg {
			h.Size = 0
		}
		tw.WriteHeader(h)
		io.WriteString(tw, body)
	}
	add(&tar.Header{Name: "./"}, "")
	add(&tar.Header{Name: "./manifest.json"}, `[]`)
	add(&tar.Header{Name: "./abc/layer.tar"}, "layer bytes")
	add(&tar.Header{Name: "./def/layer.tar", Typeflag: tar.TypeSymlink, Linkname: "../abc/layer.tar"}, "")
	add(&tar.Header{Name: "loop", Typeflag: tar.TypeSymlink, Linkname: "loop"}, "")
	add(&tar.Header{Name: "big", Mode: 0o644}, string(bytes.Repeat([]byte("x"), 5<<20)))
	tw.Close()
	data := buf.Bytes()
	if gz {
		var z bytes.Buffer
		zw := gzip.NewWriter(&z)
		zw.Write(data)
		zw.Close()
		data = z.Bytes()
	}
	p := filepath.Join(t.TempDir(), "a.tar")
	os.WriteFile(p, data, 0o644)
	return p
}

func TestPlainAndCompressed(t *testing.T) {
	for _, gz := range []bool{false, true} {
		a, err := Open(writeArchive(t, gz))
		if err != nil {
			t.Fatal(err)
		}
		for name, want := range map[string]string{"manifest.json": "[]", "abc/layer.tar": "layer bytes", "def/layer.tar": "layer bytes"} {
			b, err := fs.ReadFile(a, name)
			if err != nil || string(b) != want {
				t.Errorf("gzip=%v %s = %q, %v", gz, name, b, err)
			}
		}
		if b, err := fs.ReadFile(a, "big"); err != nil || len(b) != 5<<20 {
			t.Errorf("gzip=%v big: %d bytes, %v", gz, len(b), err)
		}
		if _, err := a.Open("loop"); err == nil {
			t.Errorf("a symlink loop opened")
		}
		if _, err := a.Open("missing"); !os.IsNotExist(err) {
			t.Errorf("missing member: %v", err)
		}
		a.Close()
	}
}

func TestNotATar(t *testing.T) {
	p := filepath.Join(t.TempDir(), "x")
	os.WriteFile(p, []byte("hello, this is not a tar archive at all, just text that goes on for a while"), 0o644)
	if _, err := Open(p); err == nil {
		t.Error("text opened as a tar")
	}
}

// Found by fuzzing: header-only members have no data, whatever their size
// field says.
func TestHeaderOnlyMembersHaveNoData(t *testing.T) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	tw.WriteHeader(&tar.Header{Name: "m", Typeflag: tar.TypeReg, Size: 3, Mode: 0o644})
	tw.Write([]byte("abc"))
	tw.WriteHeader(&tar.Header{Name: "f", Typeflag: tar.TypeFifo, Size: 5000, Mode: 0o644})
	tw.Close()
	p := filepath.Join(t.TempDir(), "a.tar")
	os.WriteFile(p, buf.Bytes(), 0o644)
	a, err := Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	if st, err := a.Stat("f"); err != nil || st.Size() != 0 {
		t.Errorf("fifo: size %v, %v", st, err)
	}
	if b, err := fs.ReadFile(a, "m"); err != nil || string(b) != "abc" {
		t.Errorf("m = %q, %v", b, err)
	}
}
