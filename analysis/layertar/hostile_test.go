package layertar

import (
	"bytes"
	"strings"
	"testing"

	"github.com/layerscope/layerscope/analysis/synth"
)

// hostileCase is a tar that plays on where tar readers differ. ok says
// whether archive/tar reads it; the test checks that this package yields
// exactly what archive/tar yields (entries, data, error or not), and
// wantNames pins the names a runtime unpacks.
type hostileCase struct {
	name      string
	tar       []byte
	ok        bool
	wantNames []string
}

func hostileCases() []hostileCase {
	data := []byte("secret data\n")
	raw := func(build func(t *synth.RawTar)) []byte {
		var t synth.RawTar
		build(&t)
		return t.Bytes()
	}
	// A PAX sparse 1.0 file: the map ("2 fragments: 0+4, 8+4") fills the
	// first block of the data, the stored fragments follow.
	map1 := append([]byte("2\n0\n4\n8\n4\n"), make([]byte, 512-10)...)
	map1 = append(map1, "abcdwxyz"...)
	// An old GNU sparse header: fragments 0+3 and 10+3 of a 16-byte file.
	oldGNU := synth.RawHeader{Name: "old-sparse", Typeflag: 'S', Size: 6, Magic: synth.MagicGNU, Raw: map[int]string{
		386: "00000000000\x00", 398: "00000000003\x00", 410: "00000000012\x00", 422: "00000000003\x00",
		483: "00000000020\x00",
	}}
	oldGNUExt := oldGNU
	oldGNUExt.Raw = map[int]string{386: "00000000000\x00", 398: "00000000003\x00", 482: "\x01", 483: "00000000040\x00"}
	ext := make([]byte, 512) // an extension block: one more fragment, 20+3
	copy(ext, "00000000024\x0000000000003\x00")
	return []hostileCase{
		{name: "sparse-name-on-regular-file", ok: true, wantNames: []string{"app/.env"}, tar: raw(func(t *synth.RawTar) {
			t.PAX('x', "GNU.sparse.name=app/README", "GNU.sparse.realsize=0")
			t.File("app/.env", data)
		})},
		{name: "sparse-size-on-regular-file", ok: true, wantNames: []string{"id_rsa"}, tar: raw(func(t *synth.RawTar) {
			t.PAX('x', "GNU.sparse.size=0", "GNU.sparse.numblocks=0")
			t.File("id_rsa", data)
		})},
		{name: "sparse-unknown-version", ok: true, wantNames: []string{"real"}, tar: raw(func(t *synth.RawTar) {
			t.PAX('x', "GNU.sparse.major=2", "GNU.sparse.minor=0", "GNU.sparse.map=0,1", "GNU.sparse.name=fake")
			t.File("real", data)
		})},
		{name: "pax-sparse-0.0", ok: true, wantNames: []string{"sparse00"}, tar: raw(func(t *synth.RawTar) {
			t.PAX('x', "GNU.sparse.name=sparse00", "GNU.sparse.size=12", "GNU.sparse.numblocks=2",
				"GNU.sparse.offset=0", "GNU.sparse.numbytes=4", "GNU.sparse.offset=8", "GNU.sparse.numbytes=4")
			t.File("GNUSparseFile.0/sparse00", []byte("abcdwxyz"))
		})},
		{name: "pax-sparse-0.0-out-of-order", tar: raw(func(t *synth.RawTar) {
			t.PAX('x', "GNU.sparse.numbytes=4", "GNU.sparse.offset=0")
			t.File("x", data)
		})},
		{name: "pax-sparse-0.1", ok: true, wantNames: []string{"sparse01"}, tar: raw(func(t *synth.RawTar) {
			t.PAX('x', "GNU.sparse.major=0", "GNU.sparse.minor=1", "GNU.sparse.name=sparse01",
				"GNU.sparse.size=20", "GNU.sparse.numblocks=2", "GNU.sparse.map=0,4,16,4")
			t.File("GNUSparseFile.0/sparse01", []byte("abcdwxyz"))
		})},
		{name: "pax-sparse-0.1-bad-count", tar: raw(func(t *synth.RawTar) {
			t.PAX('x', "GNU.sparse.major=0", "GNU.sparse.minor=1", "GNU.sparse.numblocks=3", "GNU.sparse.map=0,4")
			t.File("x", data)
		})},
		{name: "pax-sparse-1.0", ok: true, wantNames: []string{"sparse10"}, tar: raw(func(t *synth.RawTar) {
			t.PAX('x', "GNU.sparse.major=1", "GNU.sparse.minor=0", "GNU.sparse.name=sparse10", "GNU.sparse.realsize=14")
			t.File("GNUSparseFile.0/sparse10", map1)
		})},
		{name: "pax-sparse-on-directory", tar: raw(func(t *synth.RawTar) {
			t.PAX('x', "GNU.sparse.major=0", "GNU.sparse.minor=1", "GNU.sparse.numblocks=0", "GNU.sparse.map=")
			t.Header(synth.RawHeader{Name: "dir/", Typeflag: '5', Mode: 0o755})
		})},
		{name: "pax-sparse-missing-data", tar: raw(func(t *synth.RawTar) {
			t.PAX('x', "GNU.sparse.major=0", "GNU.sparse.minor=1", "GNU.sparse.size=20", "GNU.sparse.numblocks=1", "GNU.sparse.map=0,10")
			t.File("short", []byte("abc"))
		})},
		{name: "pax-sparse-unreferenced-data", tar: raw(func(t *synth.RawTar) {
			t.PAX('x', "GNU.sparse.major=0", "GNU.sparse.minor=1", "GNU.sparse.size=20", "GNU.sparse.numblocks=1", "GNU.sparse.map=0,1")
			t.File("long", []byte("abcdef"))
		})},
		{name: "old-gnu-sparse", ok: true, wantNames: []string{"old-sparse"}, tar: raw(func(t *synth.RawTar) {
			t.Header(oldGNU).Data([]byte("abcxyz"))
		})},
		{name: "old-gnu-sparse-extended", ok: true, wantNames: []string{"old-sparse"}, tar: raw(func(t *synth.RawTar) {
			t.Header(oldGNUExt)
			t.Data(ext) // the extension block comes before the data
			t.Data([]byte("abcxyz"))
		})},
		{name: "old-gnu-sparse-not-gnu", tar: raw(func(t *synth.RawTar) {
			h := oldGNU
			h.Magic = synth.MagicUSTAR
			t.Header(h).Data([]byte("abcxyz"))
		})},
		{name: "gnu-long-names", ok: true, wantNames: []string{strings.Repeat("long/", 40) + "name", "link"}, tar: raw(func(t *synth.RawTar) {
			t.GNULong('L', strings.Repeat("long/", 40)+"name")
			t.Header(synth.RawHeader{Name: "short", Typeflag: '0', Magic: synth.MagicGNU})
			t.GNULong('K', strings.Repeat("target/", 30))
			t.Header(synth.RawHeader{Name: "link", Typeflag: '2', Linkname: "t", Magic: synth.MagicGNU})
		})},
		{name: "gnu-long-name-then-global", ok: true, wantNames: []string{"short"}, tar: raw(func(t *synth.RawTar) {
			// A global header makes archive/tar forget the long name
			// and the PAX records before it.
			t.GNULong('L', "hidden-long-name")
			t.PAX('x', "path=hidden-pax-name", "uid=5")
			t.PAX('g', "path=global-name", "uid=7")
			t.File("short", data)
		})},
		{name: "two-pax-headers", ok: true, wantNames: []string{"second"}, tar: raw(func(t *synth.RawTar) {
			// The second extended header replaces the first one.
			t.PAX('x', "uid=1234", "path=first")
			t.PAX('x', "path=second")
			t.File("plain", data)
		})},
		{name: "pax-overrides", ok: true, wantNames: []string{"pax/name"}, tar: raw(func(t *synth.RawTar) {
			t.PAX('x', "path=pax/name", "linkpath=", "size=5", "uid=4294967296", "gid=-3", "mtime=-1.5", "atime=1", "uname=u")
			t.File("ustar/name", []byte("12345678"))
		})},
		{name: "pax-empty-values-keep-header", ok: true, wantNames: []string{"kept"}, tar: raw(func(t *synth.RawTar) {
			t.PAX('x', "path=", "size=", "uid=")
			t.Header(synth.RawHeader{Name: "kept", Typeflag: '0', Size: 3, UID: 9}).Data([]byte("abc"))
		})},
		{name: "pax-bad-size", tar: raw(func(t *synth.RawTar) {
			t.PAX('x', "size=12abc")
			t.File("x", data)
		})},
		{name: "pax-negative-size", tar: raw(func(t *synth.RawTar) {
			t.PAX('x', "size=-1")
			t.File("x", data)
		})},
		{name: "pax-negative-size-on-directory", ok: true, wantNames: []string{"dir/"}, tar: raw(func(t *synth.RawTar) {
			t.PAX('x', "size=-1")
			t.Header(synth.RawHeader{Name: "dir/", Typeflag: '5'})
		})},
		{name: "pax-float-mtime", tar: raw(func(t *synth.RawTar) {
			t.PAX('x', "mtime=1e9")
			t.File("x", data)
		})},
		{name: "pax-bad-atime", tar: raw(func(t *synth.RawTar) {
			t.PAX('x', "atime=soon")
			t.File("x", data)
		})},
		{name: "pax-empty-key", tar: raw(func(t *synth.RawTar) {
			t.PAX('x', "=value")
			t.File("x", data)
		})},
		{name: "pax-nul-in-path", tar: raw(func(t *synth.RawTar) {
			t.PAX('x', "path=a\x00b")
			t.File("x", data)
		})},
		{name: "global-bad-record", tar: raw(func(t *synth.RawTar) {
			t.Header(synth.RawHeader{Name: "g", Typeflag: 'g', Size: 4}).Data([]byte("99 x"))
			t.File("x", data)
		})},
		{name: "base-256-fields", ok: true, wantNames: []string{"b256"}, tar: raw(func(t *synth.RawTar) {
			t.Header(synth.RawHeader{Name: "b256", Typeflag: '0', Size: 3, UID: 1 << 40, GID: -2, ModTime: -1 << 40, Mode: 0o644}).Data([]byte("abc"))
		})},
		{name: "negative-size", tar: raw(func(t *synth.RawTar) {
			t.Header(synth.RawHeader{Name: "neg", Typeflag: '0', Size: -512})
			t.File("after", data)
		})},
		{name: "negative-size-on-directory", ok: true, wantNames: []string{"dir/", "after"}, tar: raw(func(t *synth.RawTar) {
			t.Header(synth.RawHeader{Name: "dir/", Typeflag: '5', Size: -512})
			t.File("after", data)
		})},
		{name: "negative-size-on-pax-header", tar: raw(func(t *synth.RawTar) {
			t.Header(synth.RawHeader{Name: "pax", Typeflag: 'x', Size: -1})
			t.File("after", data)
		})},
		{name: "bad-device-number", tar: raw(func(t *synth.RawTar) {
			t.Header(synth.RawHeader{Name: "dev", Typeflag: '0', Raw: map[int]string{329: "zz"}})
		})},
		{name: "bad-mode-on-pax-header", tar: raw(func(t *synth.RawTar) {
			t.Header(synth.RawHeader{Name: "pax", Typeflag: 'x', Size: 0, Raw: map[int]string{100: "9"}})
			t.File("after", data)
		})},
		{name: "bad-checksum", tar: raw(func(t *synth.RawTar) {
			t.Header(synth.RawHeader{Name: "x", Typeflag: '0', BadChecksum: true})
		})},
		{name: "star-prefix", ok: true, wantNames: []string{"pre/name"}, tar: raw(func(t *synth.RawTar) {
			t.Header(synth.RawHeader{Name: "name", Typeflag: '0', Raw: map[int]string{345: "pre", 508: "tar\x00"}})
		})},
		{name: "gnu-go1.7-prefix", ok: true, wantNames: []string{"pre/name"}, tar: raw(func(t *synth.RawTar) {
			t.Header(synth.RawHeader{Name: "name", Typeflag: '0', Magic: synth.MagicGNU, Raw: map[int]string{345: "pre"}})
		})},
		{name: "v7-legacy-directory", ok: true, wantNames: []string{"olddir/", "oldfile"}, tar: raw(func(t *synth.RawTar) {
			t.Header(synth.RawHeader{Name: "olddir/", Typeflag: 0, Magic: synth.MagicV7, Raw: map[int]string{345: "ignored"}})
			t.Header(synth.RawHeader{Name: "oldfile", Typeflag: 0, Magic: synth.MagicV7})
		})},
	}
}

func TestHostileMatchesArchiveTar(t *testing.T) {
	for _, c := range hostileCases() {
		t.Run(c.name, func(t *testing.T) {
			want, werr := reference(c.tar)
			got, gerr := ours(c.tar)
			if (werr == nil) != c.ok {
				t.Fatalf("the case is wrong: archive/tar error %v, the case says ok=%v", werr, c.ok)
			}
			if (gerr == nil) != (werr == nil) {
				t.Errorf("archive/tar error %v, layertar error %v", werr, gerr)
			}
			if got != want {
				t.Errorf("entries differ:\n%s\nwant (archive/tar):\n%s", got, want)
			}
			var names []string
			for _, line := range strings.Split(strings.TrimSpace(got), "\n") {
				if name, _, ok := strings.Cut(line, " "); ok {
					names = append(names, strings.Trim(name, `"`))
				}
			}
			if c.ok && strings.Join(names, "\n") != strings.Join(c.wantNames, "\n") {
				t.Errorf("names %q, want %q", names, c.wantNames)
			}
		})
	}
}

// TestSparseData: a sparse file reads back expanded, holes as zeros.
func TestSparseData(t *testing.T) {
	for _, c := range hostileCases() {
		if c.name != "pax-sparse-1.0" {
			continue
		}
		tr := NewReader(bytes.NewReader(c.tar))
		h, err := tr.Next()
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		if _, err := tr.WriteTo(&buf); err != nil {
			t.Fatal(err)
		}
		if want := "abcd\x00\x00\x00\x00wxyz\x00\x00"; h.Size != 14 || buf.String() != want {
			t.Errorf("size %d, data %q; want 14, %q", h.Size, buf.String(), want)
		}
		return
	}
	t.Fatal("no pax-sparse-1.0 case")
}

// TestCompactBoundsSparse: fingerprinting a sparse file that claims an
// exabyte reads only what the archive stores, and fails where reading
// the data fails.
func TestCompactBoundsSparse(t *testing.T) {
	bomb := func(stored string) []byte {
		var tw synth.RawTar
		tw.PAX('x', "GNU.sparse.major=0", "GNU.sparse.minor=1", "GNU.sparse.realsize=1152921504606846976",
			"GNU.sparse.numblocks=1", "GNU.sparse.map=1000,4")
		return tw.File("bomb", []byte(stored)).Bytes()
	}
	for stored, wantErr := range map[string]error{"abcd": nil, "abc": errMissData, "abcde": errUnrefData} {
		tr := NewReader(bytes.NewReader(bomb(stored)))
		h, err := tr.Next()
		if err != nil {
			t.Fatal(err)
		}
		if h.Size != 1<<60 {
			t.Errorf("size %d, want 2^60", h.Size)
		}
		var buf bytes.Buffer
		n, err := tr.WriteCompactTo(&buf)
		if err != wantErr {
			t.Errorf("stored %q: error %v, want %v", stored, err, wantErr)
		}
		if wantErr == nil && (n != 20 || !strings.HasSuffix(buf.String(), "abcd")) {
			t.Errorf("wrote %d bytes %q, want the 16-byte map and abcd", n, buf.String())
		}
	}
}
