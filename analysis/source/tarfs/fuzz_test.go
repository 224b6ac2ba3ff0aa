package tarfs_test

import (
	"archive/tar"
	"bytes"
	"errors"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing"

	"github.com/layerscope/layerscope/analysis/synth"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"

	"github.com/layerscope/layerscope/analysis/compression"
	"github.com/layerscope/layerscope/analysis/source/tarfs"
)

// fzMaxPlain bounds how much of a decompressed input the reference reads
// (a few KB of gzip can expand to gigabytes).
const fzMaxPlain = 64 << 20

type fzMember struct {
	hdr  tar.Header
	body string
}

func fzTar(t testing.TB, format tar.Format, members ...fzMember) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, m := range members {
		h := m.hdr
		if h.Typeflag == 0 {
			h.Typeflag = tar.TypeReg
		}
		if h.Typeflag == tar.TypeReg {
			h.Size = int64(len(m.body))
		}
		if h.Mode == 0 {
			h.Mode = 0o644
		}
		h.Format = format
		if err := tw.WriteHeader(&h); err != nil {
			t.Fatal(err)
		}
		io.WriteString(tw, m.body)
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func fzGzip(b []byte) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(b)
	zw.Close()
	return buf.Bytes()
}

func fzZstd(b []byte) []byte {
	zw, _ := zstd.NewWriter(nil, zstd.WithEncoderConcurrency(1))
	defer zw.Close()
	return zw.EncodeAll(b, nil)
}

func fzSeeds(t testing.TB) [][]byte {
	docker := []fzMember{
		{hdr: tar.Header{Name: "./", Typeflag: tar.TypeDir, Mode: 0o755}},
		{hdr: tar.Header{Name: "./manifest.json"}, body: `[{"Config":"cfg.json","RepoTags":["a:b"],"Layers":["abc/layer.tar"]}]`},
		{hdr: tar.Header{Name: "cfg.json"}, body: `{"os":"linux","rootfs":{"type":"layers","diff_ids":[]}}`},
		{hdr: tar.Header{Name: "abc/", Typeflag: tar.TypeDir}},
		{hdr: tar.Header{Name: "abc/layer.tar"}, body: strings.Repeat("layer bytes ", 100)},
		{hdr: tar.Header{Name: "def/layer.tar", Typeflag: tar.TypeSymlink, Linkname: "../abc/layer.tar"}},
		{hdr: tar.Header{Name: "abs", Typeflag: tar.TypeSymlink, Linkname: "/cfg.json"}},
		{hdr: tar.Header{Name: "hard", Typeflag: tar.TypeLink, Linkname: "./abc/layer.tar"}},
		{hdr: tar.Header{Name: "loop", Typeflag: tar.TypeSymlink, Linkname: "loop"}},
		{hdr: tar.Header{Name: "dangling", Typeflag: tar.TypeSymlink, Linkname: "nowhere"}},
		{hdr: tar.Header{Name: "../../escape"}, body: "e"},
		{hdr: tar.Header{Name: "dup"}, body: "first"},
		{hdr: tar.Header{Name: "dup"}, body: "second, longer"},
		{hdr: tar.Header{Name: "empty"}},
	}
	odd := []fzMember{
		{hdr: tar.Header{Name: "dev/null", Typeflag: tar.TypeChar, Devmajor: 1, Devminor: 3}},
		{hdr: tar.Header{Name: "fifo", Typeflag: tar.TypeFifo}},
		{hdr: tar.Header{Name: strings.Repeat("long/", 30) + "name"}, body: "long"},
		{hdr: tar.Header{Name: "ünï"}, body: "x"},
	}
	var out [][]byte
	for _, b := range [][]byte{
		fzTar(t, tar.FormatPAX, docker...),
		fzTar(t, tar.FormatGNU, odd...),
		fzTar(t, tar.FormatUSTAR, docker[:5]...),
	} {
		out = append(out, b, fzGzip(b), fzZstd(b))
	}
	// The hand-made image of testdata: gzip around a tar whose names
	// start with ./
	if b, err := os.ReadFile(filepath.Join("..", "..", "..", "testdata", "atix", "atix.tar")); err == nil {
		out = append(out, b)
	}
	valid := out[0]
	out = append(out,
		nil,
		[]byte("not a tar archive, just text that goes on for a while..."),
		make([]byte, 1024),      // the end marker alone
		valid[:len(valid)/2],    // truncated in a member
		valid[:len(valid)-1024], // the end marker cut off
		fzGzip(valid)[:100],     // truncated gzip
		fzGzip([]byte("gzip of no tar")),
		[]byte("BZh91AY&SY"),
		[]byte{0x28, 0xb5, 0x2f, 0xfd, 0, 0, 0},
	)
	return append(out, fzHostileSeeds(t)...)
}

// fzReference reads the decompressed archive with archive/tar alone, in
// order: the body of the last member of each name that is not a link (none
// for directories, devices and fifos), and how many
// bytes the decompressed stream holds. ok is false when it cannot read the
// whole archive.
func fzReference(data []byte) (bodies map[string][]byte, plain int64, ok bool) {
	zr, _, err := compression.Reader(bytes.NewReader(data))
	if err != nil {
		return nil, 0, false
	}
	defer zr.Close()
	raw, err := io.ReadAll(io.LimitReader(zr, fzMaxPlain+1))
	plain = int64(len(raw))
	if err != nil || plain > fzMaxPlain {
		return nil, plain, false
	}
	bodies = map[string][]byte{}
	tr := tar.NewReader(bytes.NewReader(raw))
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return bodies, plain, true
		}
		if err != nil {
			return nil, plain, false
		}
		name := strings.TrimPrefix(path.Clean("/"+h.Name), "/")
		if h.Typeflag == tar.TypeSymlink || h.Typeflag == tar.TypeLink {
			delete(bodies, name) // tarfs follows them
			continue
		}
		b, err := io.ReadAll(tr)
		if err != nil {
			return nil, plain, false
		}
		bodies[name] = b
	}
}

// FuzzOpen: any file either fails to open or opens as an FS whose every
// member can be stat'ed and read (or refused with an error): the bytes read
// are as many as Stat says and what archive/tar reads, and nothing panics.
// With fixHeaders, the test first repairs the numeric fields and checksum of
// every block that looks like a tar header (see fzFixHeaders).
func FuzzOpen(f *testing.F) {
	for i, b := range fzSeeds(f) {
		f.Add(b, i%2 == 0)
	}
	f.Fuzz(func(t *testing.T, data []byte, fixHeaders bool) {
		if fixHeaders {
			data = synth.FixTarHeaders(data)
		}
		p := filepath.Join(t.TempDir(), "archive.tar")
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		// A few kilobytes of gzip can claim gigabytes: bounded here
		// so that each input runs in milliseconds (the bound itself is
		// tested by TestExpansionLimit).
		a, err := tarfs.Open(p, tarfs.WithMaxExpanded(64<<20))
		if err != nil {
			return
		}
		defer a.Close()
		names := a.Names()
		if len(names) == 0 {
			t.Fatal("an archive opened without members")
		}
		bodies, plain, refOK := fzReference(data)
		if a.Compression() == compression.None && plain != int64(len(data)) {
			t.Fatalf("compression none, but the input decompresses to %d of %d bytes", plain, len(data))
		}
		seen := map[string]bool{}
		for _, name := range names {
			if seen[name] {
				t.Errorf("member %q listed twice", name)
			}
			seen[name] = true
			// Clean, relative, no "." or ".." (not necessarily UTF-8, which
			// fs.ValidPath also wants: such members cannot be opened).
			if name != "" && !fs.ValidPath(strings.ToValidUTF8(name, "x")) {
				t.Errorf("member name %q is not clean", name)
			}
			st, serr := a.Stat(name)
			want, haveWant := bodies[name]
			haveWant = haveWant && refOK
			if serr == nil {
				limit := plain // a sparse file can hold more
				if haveWant {
					limit = max(limit, int64(len(want)))
				}
				if st.Size() < 0 || (plain <= fzMaxPlain && st.Size() > limit) {
					// No read can deliver that: fs.ReadFile would try
					// to allocate it all up front.
					t.Errorf("%s: Stat says %d bytes (%v), the whole archive holds %d", name, st.Size(), st.Mode(), plain)
					continue
				}
				if st.Name() != path.Base(st.Name()) {
					t.Errorf("%s: Stat name %q", name, st.Name())
				}
			}
			b, rerr := fs.ReadFile(a, name)
			if rerr != nil {
				continue
			}
			if serr != nil {
				t.Errorf("%s: read %d bytes, but Stat fails: %v", name, len(b), serr)
				continue
			}
			if int64(len(b)) != st.Size() {
				t.Errorf("%s (%v): read %d bytes, Stat says %d", name, st.Mode(), len(b), st.Size())
			}
			if haveWant && !bytes.Equal(b, want) {
				t.Errorf("%s: read %q, archive/tar reads %q", name, fzTrim(b), fzTrim(want))
			}
		}
	})
}

func fzTrim(b []byte) []byte {
	if len(b) > 64 {
		return append(b[:64:64], "..."...)
	}
	return b
}

// fzHostileSeeds are the classes of issue 10: compressed archives of many
// zero members (once kept in memory), a layer behind padding (once
// decompressed again per use), layers stored as links of every kind, and
// zstd frames that ask for a 1 GiB window.
func fzHostileSeeds(t testing.TB) [][]byte {
	dir := t.TempDir()
	var out [][]byte
	add := func(name string, write func(string) error) {
		p := filepath.Join(dir, name)
		if err := write(p); err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, b)
	}
	for _, outer := range []string{synth.OuterGzip, synth.OuterZstd} {
		add("zero-"+outer, func(p string) error { return synth.WriteZeroMembersArchive(p, outer, 8, 64<<10) })
		add("repeat-"+outer, func(p string) error { return synth.WriteRepeatedLayerArchive(p, outer, 1<<20, 3, 1<<10) })
	}
	for _, kind := range []string{synth.LinkRelative, synth.LinkAbsolute, synth.LinkDir, synth.LinkHard, synth.LinkDangling, synth.LinkLoop} {
		add("link-"+kind, func(p string) error { return synth.WriteLinkedLayerArchive(p, kind) })
	}
	window, _ := synth.ZstdWindowLayer(30, 4<<10)
	return append(out, window)
}
