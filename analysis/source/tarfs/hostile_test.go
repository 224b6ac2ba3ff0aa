package tarfs

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/layerscope/layerscope/analysis/compression"
	"github.com/layerscope/layerscope/analysis/safefile"
	"github.com/layerscope/layerscope/analysis/synth"
)

// TestCompressedArchiveIsSpooledOnce: a gzip or zstd archive of 16
// members of 4 MiB zeros is decompressed into an unlinked spool (nothing
// appears in the temporary directory) whose zeros are holes, and every
// member reads back whole.
func TestCompressedArchiveIsSpooledOnce(t *testing.T) {
	for _, outer := range []string{synth.OuterGzip, synth.OuterZstd} {
		t.Run(outer, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "bomb")
			if err := synth.WriteZeroMembersArchive(p, outer, 16, 4<<20); err != nil {
				t.Fatal(err)
			}
			tmp := t.TempDir()
			a, err := Open(p, WithTempDir(tmp))
			if err != nil {
				t.Fatal(err)
			}
			defer a.Close()
			if entries, _ := os.ReadDir(tmp); len(entries) != 0 {
				t.Errorf("the spool is visible in the temporary directory: %v", entries)
			}
			var st syscall.Stat_t
			if err := syscall.Fstat(int(a.file.Fd()), &st); err != nil {
				t.Fatal(err)
			}
			if disk := st.Blocks * 512; disk > 16<<20 {
				t.Errorf("the spool of 64 MiB of zeros takes %d bytes of disk", disk)
			}
			for _, name := range []string{"filler/00000", "filler/00015", "manifest.json"} {
				f, err := a.Open(name)
				if err != nil {
					t.Fatal(err)
				}
				n, err := io.Copy(io.Discard, f)
				st, _ := f.Stat()
				if err != nil || n != st.Size() {
					t.Errorf("%s: read %d of %d bytes, %v", name, n, st.Size(), err)
				}
			}
			if a.Compression() != compression.Kind(outer) {
				t.Errorf("compression %s, want %s", a.Compression(), outer)
			}
		})
	}
}

func TestExpansionLimit(t *testing.T) {
	p := filepath.Join(t.TempDir(), "bomb")
	if err := synth.WriteZeroMembersArchive(p, synth.OuterGzip, 16, 4<<20); err != nil {
		t.Fatal(err)
	}
	_, err := Open(p, WithMaxExpanded(32<<20), WithTempDir(t.TempDir()))
	if err == nil || err.Error() != "the archive decompresses to more than 32 MiB" {
		t.Fatalf("got %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Open(p, WithContext(ctx), WithTempDir(t.TempDir())); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled: got %v", err)
	}
}

func TestTruncatedCompressedArchive(t *testing.T) {
	p := filepath.Join(t.TempDir(), "a.tar.gz")
	if err := synth.WriteRepeatedLayerArchive(p, synth.OuterGzip, 1<<20, 2, 1<<10); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(p)
	os.WriteFile(p, b[:len(b)-40], 0o644)
	_, err := Open(p, WithTempDir(t.TempDir()))
	if err == nil || !strings.HasPrefix(err.Error(), "decompressing the archive: truncated gzip stream") {
		t.Fatalf("got %v", err)
	}
}

// TestLinkedLayers: links between members resolve as docker load resolves
// them once the archive is unpacked, in any component; what cannot
// resolve says so.
func TestLinkedLayers(t *testing.T) {
	for kind, want := range map[string]string{
		synth.LinkRelative: "", synth.LinkAbsolute: "", synth.LinkDir: "", synth.LinkHard: "",
		synth.LinkDangling: "it links to nowhere/layer.tar, which is not in the archive", synth.LinkLoop: "more than 16 links",
	} {
		t.Run(kind, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "a.tar")
			if err := synth.WriteLinkedLayerArchive(p, kind); err != nil {
				t.Fatal(err)
			}
			a, err := Open(p)
			if err != nil {
				t.Fatal(err)
			}
			defer a.Close()
			got, err := fs.ReadFile(a, "1/layer.tar")
			if want != "" {
				if err == nil || !strings.Contains(err.Error(), want) {
					t.Fatalf("got %v, want %q", err, want)
				}
				return
			}
			orig, _ := fs.ReadFile(a, "0/layer.tar")
			if err != nil || len(got) == 0 || string(got) != string(orig) {
				t.Fatalf("1/layer.tar: %d bytes, %v", len(got), err)
			}
		})
	}
}

// TestNonRegular: a FIFO or device as the archive is refused without
// blocking, and so is a member that is not a regular file.
func TestNonRegular(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{fifo, "/dev/zero"} {
		done := make(chan error, 1)
		go func() { _, err := Open(name); done <- err }()
		select {
		case err := <-done:
			if !errors.Is(err, safefile.ErrNotRegular) {
				t.Errorf("%s: %v", name, err)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("%s: Open blocked", name)
		}
	}
	p := filepath.Join(t.TempDir(), "a.tar")
	if err := synth.WriteLinkedLayerArchive(p, synth.LinkRelative); err != nil {
		t.Fatal(err)
	}
	a, err := Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	if _, err := a.Open("0"); !errors.Is(err, safefile.ErrNotRegular) || !strings.Contains(err.Error(), "a directory in the archive") {
		t.Errorf("opening a directory member: %v", err)
	}
}
