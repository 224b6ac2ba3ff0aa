package layertar

import (
	"archive/tar"
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/layerscope/layerscope/analysis/synth"
)

// maxCompared bounds the data compared per entry: a sparse header can
// claim exabytes of holes.
const maxCompared = 1 << 20

// reference lists a tar as text with archive/tar, the reference.
func reference(b []byte) (string, error) {
	var out strings.Builder
	tr := tar.NewReader(bytes.NewReader(b))
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return out.String(), nil
		}
		if err != nil {
			return out.String(), err
		}
		if h.Typeflag == tar.TypeXGlobalHeader {
			continue
		}
		sum := sha256.New()
		if _, err := io.Copy(sum, io.LimitReader(tr, maxCompared)); err != nil {
			return out.String(), err
		}
		size := h.Size
		switch h.Typeflag {
		case tar.TypeLink, tar.TypeSymlink, tar.TypeChar, tar.TypeBlock, tar.TypeDir, tar.TypeFifo:
			size = 0
		}
		fmt.Fprintf(&out, "%q %q %c %o %d %d %d %d %x\n", h.Name, h.Linkname, h.Typeflag, h.Mode, h.Uid, h.Gid, size, h.ModTime.Unix(), sum.Sum(nil))
	}
}

// ours lists a tar as text with this package.
func ours(b []byte) (string, error) {
	return list(NewReader(bytes.NewReader(b)), true)
}

// oursSeeking lists b with a seeking reader, without reading data, as a
// headers-only analysis does.
func oursSeeking(b []byte) (string, error) {
	return list(NewSeekingReader(bytes.NewReader(b), int64(len(b))), false)
}

// withoutData drops the data hashes of a listing.
func withoutData(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		if j := strings.LastIndexByte(l, ' '); j >= 0 {
			lines[i] = l[:j]
		}
	}
	return strings.Join(lines, "\n")
}

func list(tr *Reader, data bool) (string, error) {
	var out strings.Builder
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return out.String(), nil
		}
		if err != nil {
			return out.String(), err
		}
		flag := h.Typeflag
		sum := sha256.New()
		if data || tr.Sparse() { // the analysis reads sparse files even headers-only
			if _, err := io.Copy(sum, io.LimitReader(tr, maxCompared)); err != nil {
				return out.String(), err
			}
		}
		fmt.Fprintf(&out, "%q %q %c %o %d %d %d %d %x\n", h.Name, h.Linkname, flag, h.Mode, h.UID, h.GID, h.Size, h.ModTime, sum.Sum(nil))
	}
}

func writeTar(t testing.TB, format tar.Format, hdrs ...*tar.Header) []byte {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, h := range hdrs {
		h.Format = format
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if h.Typeflag == tar.TypeReg {
			tw.Write(bytes.Repeat([]byte{'x'}, int(h.Size)))
		}
	}
	tw.Close()
	return buf.Bytes()
}

func samples(t testing.TB) map[string][]byte {
	long := strings.Repeat("very-long-directory-name/", 12) + "file"
	mt := time.Unix(1700000000, 0)
	hdrs := func() []*tar.Header {
		return []*tar.Header{
			{Name: "dir/", Typeflag: tar.TypeDir, Mode: 0o755, ModTime: mt},
			{Name: "dir/file", Typeflag: tar.TypeReg, Mode: 0o4755, Size: 1000, Uid: 1000, Gid: 1000, ModTime: mt},
			{Name: "dir/link", Typeflag: tar.TypeSymlink, Linkname: "file", Mode: 0o777, ModTime: mt},
			{Name: "dir/hard", Typeflag: tar.TypeLink, Linkname: "dir/file", ModTime: mt},
			{Name: "dev/null", Typeflag: tar.TypeChar, Devmajor: 1, Devminor: 3, ModTime: mt},
			{Name: "fifo", Typeflag: tar.TypeFifo, ModTime: mt},
			{Name: "empty", Typeflag: tar.TypeReg, ModTime: mt},
		}
	}
	out := map[string][]byte{
		"ustar": writeTar(t, tar.FormatUSTAR, hdrs()...),
		"pax":   writeTar(t, tar.FormatPAX, hdrs()...),
		"gnu":   writeTar(t, tar.FormatGNU, hdrs()...),
		"pax-long": writeTar(t, tar.FormatPAX,
			&tar.Header{Name: long, Typeflag: tar.TypeReg, Size: 3, ModTime: mt},
			&tar.Header{Name: "ünïcödé ファイル", Typeflag: tar.TypeSymlink, Linkname: long, ModTime: mt},
			&tar.Header{Name: "big-uid", Typeflag: tar.TypeReg, Uid: 1 << 30, Gid: 1 << 22, ModTime: mt},
			&tar.Header{Name: "frac", Typeflag: tar.TypeReg, ModTime: time.Unix(1700000000, 500_000_000), PAXRecords: map[string]string{"user.x": "y"}}),
		"gnu-long": writeTar(t, tar.FormatGNU,
			&tar.Header{Name: long, Typeflag: tar.TypeReg, Size: 3, ModTime: mt},
			&tar.Header{Name: "l", Typeflag: tar.TypeSymlink, Linkname: long, ModTime: mt},
			&tar.Header{Name: "huge-uid", Typeflag: tar.TypeReg, Uid: 1 << 40, ModTime: mt}),
		"ustar-prefix": writeTar(t, tar.FormatUSTAR,
			&tar.Header{Name: strings.Repeat("p/", 60) + "name", Typeflag: tar.TypeReg, Size: 5, ModTime: mt}),
	}
	// Real layers from the fixtures: Docker's own tars.
	files, _ := filepath.Glob(filepath.Join("..", "..", "testdata", "fixtures", "basic.docker25.tar"))
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		out["docker25-outer"] = b
		tr := tar.NewReader(bytes.NewReader(b))
		for i := 0; ; i++ {
			h, err := tr.Next()
			if err != nil {
				break
			}
			if strings.HasPrefix(h.Name, "blobs/") && h.Size > 1024 {
				layer, _ := io.ReadAll(tr)
				if _, err := reference(layer); err != nil {
					continue // the config and manifest blobs
				}
				out[fmt.Sprintf("docker-layer-%d", i)] = layer
			}
		}
	}
	return out
}

func TestMatchesArchiveTar(t *testing.T) {
	for name, b := range samples(t) {
		t.Run(name, func(t *testing.T) {
			want, werr := reference(b)
			got, gerr := ours(b)
			if werr != nil || gerr != nil {
				t.Fatalf("errors: archive/tar %v, layertar %v", werr, gerr)
			}
			if got != want {
				t.Errorf("entries differ:\n%s\nwant (archive/tar):\n%s", got, want)
			}
			if want == "" {
				t.Error("sample has no entries")
			}
		})
	}
}

// TestTruncated: a stream cut anywhere fails exactly where archive/tar's
// does (a cut between entries is a clean end for both).
func TestTruncated(t *testing.T) {
	b := samples(t)["pax"]
	errs := 0
	for n := 0; n < len(b); n += 97 {
		_, werr := reference(b[:n])
		_, gerr := ours(b[:n])
		if (werr == nil) != (gerr == nil) {
			t.Errorf("cut at %d: archive/tar error %v, layertar error %v", n, werr, gerr)
		}
		if gerr != nil {
			errs++
		}
	}
	if errs == 0 {
		t.Error("no cut produced an error")
	}
}

func TestBadChecksum(t *testing.T) {
	b := bytes.Clone(samples(t)["ustar"])
	b[0] ^= 1
	if _, err := ours(b); !errors.Is(err, ErrHeader) {
		t.Errorf("err = %v, want ErrHeader", err)
	}
}

// FuzzReader: for any input, this reader yields what archive/tar yields,
// entry by entry (name, type, link, mode, owner, size, mtime, data), and
// fails where archive/tar fails; nothing panics. Each input is also tried
// with its header checksums repaired, so that mutations reach the fields.
func FuzzReader(f *testing.F) {
	for _, b := range samples(f) {
		if len(b) < 64<<10 {
			f.Add(b)
		}
	}
	for _, c := range hostileCases() {
		f.Add(c.tar)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, in := range [][]byte{b, synth.FixTarHeaders(b)} {
			got, gerr := ours(in)
			want, werr := reference(in)
			if got != want {
				t.Errorf("entries differ (layertar error %v, archive/tar error %v):\n%s\nwant:\n%s", gerr, werr, got, want)
			}
			if (gerr == nil) != (werr == nil) {
				t.Errorf("layertar error %v, archive/tar error %v, after:\n%s", gerr, werr, want)
			}
			// Seeking over the data sees the same headers and fails
			// where reading would (data past the end included).
			// Where archive/tar fails reading an entry's data, the seeking
			// reader lists that entry first and fails at the next header.
			seen, serr := oursSeeking(in)
			s, w := withoutData(seen), withoutData(want)
			sameEntries := s == w || (werr != nil && strings.HasPrefix(s, w))
			if !sameEntries || (serr == nil) != (werr == nil) {
				t.Errorf("seeking reader (error %v, archive/tar error %v):\n%s\nwant:\n%s", serr, werr, seen, want)
			}
		}
	})
}
