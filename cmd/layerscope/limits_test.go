package main

import (
	"archive/tar"
	"compress/gzip"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/layerscope/layerscope/analysis/synth"
)

// zeros is an endless reader of zero bytes.
type zeros struct{}

func (zeros) Read(b []byte) (int, error) { clear(b); return len(b), nil }

// writeBomb writes a docker save whose one gzip layer holds a file of n
// zero bytes: a few hundred KB that inflate to n.
func writeBomb(t *testing.T, n int64) string {
	t.Helper()
	dir := t.TempDir()
	layerPath := filepath.Join(dir, "layer.tar.gz")
	f, _ := os.Create(layerPath)
	zw, _ := gzip.NewWriterLevel(f, gzip.BestSpeed)
	tw := tar.NewWriter(zw)
	tw.WriteHeader(&tar.Header{Name: "bomb", Typeflag: tar.TypeReg, Mode: 0o644, Size: n})
	if _, err := io.CopyN(tw, zeros{}, n); err != nil {
		t.Fatal(err)
	}
	tw.Close()
	zw.Close()
	f.Close()
	layer, _ := os.ReadFile(layerPath)
	cfg := `{"os":"linux","architecture":"amd64","rootfs":{"type":"layers","diff_ids":[]}}`
	man := `[{"Config":"config.json","RepoTags":["bomb:1"],"Layers":["0/layer.tar"]}]`
	out := filepath.Join(dir, "bomb.tar")
	o, _ := os.Create(out)
	ow := tar.NewWriter(o)
	for _, m := range []struct {
		name string
		data []byte
	}{{"0/layer.tar", layer}, {"config.json", []byte(cfg)}, {"manifest.json", []byte(man)}} {
		ow.WriteHeader(&tar.Header{Name: m.name, Typeflag: tar.TypeReg, Mode: 0o644, Size: int64(len(m.data))})
		ow.Write(m.data)
	}
	ow.Close()
	o.Close()
	return out
}

// TestDecompressionBomb: 512 MiB inflated from well under 1 MiB streams
// through in bounded memory and is reported for what it is.
func TestDecompressionBomb(t *testing.T) {
	const n = 512 << 20
	bomb := writeBomb(t, n)
	if st, _ := os.Stat(bomb); st.Size() > 2<<20 {
		t.Fatalf("the bomb is %d bytes", st.Size())
	}
	r := runBounded(t, bounded{}, "--json", "-", "--quiet", bomb)
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	rep := decodeReport(t, r.stdout)
	if rep.Image.SizeBytes != n {
		t.Errorf("size %d, want %d", rep.Image.SizeBytes, n)
	}
	if r.maxRSSKiB > 100<<10 {
		t.Errorf("peak memory %d KiB while inflating %d MiB", r.maxRSSKiB, n>>20)
	}
}

// TestInterrupt: SIGINT during a long read stops promptly with exit code
// 130, leaving no temporary file behind.
func TestInterrupt(t *testing.T) {
	dir := t.TempDir()
	img := filepath.Join(dir, "big.tar")
	if err := synth.WriteDockerArchive(img, "big:1", synth.Spec{Layers: 8, Files: 20000, FileSize: 2000}); err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	cmd := exec.Command(binary, "--json", filepath.Join(dir, "report.json"), "--quiet", img)
	cmd.Env = append(os.Environ(), "TMPDIR="+tmp)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(150 * time.Millisecond)
	sent := time.Now()
	cmd.Process.Signal(os.Interrupt)
	err := cmd.Wait()
	took := time.Since(sent)
	if cmd.ProcessState.ExitCode() != 130 {
		t.Fatalf("exit %d (%v), want 130; stderr %q", cmd.ProcessState.ExitCode(), err, stderr.String())
	}
	if took > time.Second {
		t.Errorf("took %v to stop", took)
	}
	if strings.TrimSpace(stderr.String()) != "layerscope: interrupted" {
		t.Errorf("stderr %q", stderr.String())
	}
	if entries, _ := os.ReadDir(tmp); len(entries) != 0 {
		t.Errorf("temporary files left: %v", entries)
	}
	if _, err := os.Stat(filepath.Join(dir, "report.json")); err == nil {
		t.Error("a report was written although the run was interrupted")
	}
}
