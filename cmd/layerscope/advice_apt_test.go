package main

import (
	"archive/tar"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/layerscope/layerscope/analysis/advice"
)

// apt on a Debian base (debootstrap), without cleanup and with it in the
// same RUN. The package-cache finding's bytes and paths must be those of
// docker export of the image, read with archive/tar.
const (
	aptDirty = "FROM %s\nRUN apt-get update && apt-get install -y --no-install-recommends hello\nCMD [\"/bin/sh\"]\n"
	aptClean = "FROM %s\nRUN apt-get update && apt-get install -y --no-install-recommends hello && apt-get clean && rm -rf /var/lib/apt/lists/*\n"
)

func TestAdviceAptDebian(t *testing.T) {
	t.Parallel() // mostly waiting on docker build: overlaps with the other builds
	if testing.Short() {
		t.Skip("runs apt-get in two builds (about a minute)")
	}
	needTool(t, "debootstrap", "docker", "tar")
	if os.Geteuid() != 0 {
		needOrSkip(t, "root (debootstrap and tar -p need it)")
	}
	needDocker(t)
	suffix := adviceSuffix()
	base := importDebianBase(t, "layerscope-test-advice-debian:"+suffix)
	ctx := t.TempDir()

	dirtyTag := "layerscope-test-advice-apt-dirty:" + suffix
	dirty := dockerSave(t, ctx, dirtyTag, fmt.Sprintf(aptDirty, base), false)
	rep := decodeAdvice(t, runOK(t, "--json", "-", "--quiet", dirty))
	var apt []advice.Finding
	for _, f := range rep.Advice {
		if f.Kind == advice.KindPackageCache {
			apt = append(apt, f)
		}
	}
	if len(apt) != 1 || apt[0].Cache != "apt" || apt[0].Layer != 1 {
		t.Fatalf("package-cache findings %s, want one for apt in layer 1", findingsText(apt))
	}
	want := aptCacheFiles(t, dirtyTag)
	f := apt[0]
	var total int64
	for _, n := range want {
		total += n
	}
	if f.Bytes != total || f.Count != len(want) {
		t.Errorf("apt: %d bytes in %d files, docker export has %d bytes in %d", f.Bytes, f.Count, total, len(want))
	}
	for i, p := range f.Paths {
		if _, ok := want[p]; !ok {
			t.Errorf("apt path %s is not a cache file of the export", p)
		}
		if i > 0 && want[p] > want[f.Paths[i-1]] {
			t.Errorf("apt paths not largest first at %s", p)
		}
	}
	largest := slices.MaxFunc(mapKeys(want), func(a, b string) int { return int(want[a] - want[b]) })
	if len(f.Paths) == 0 || want[f.Paths[0]] != want[largest] || len(f.Paths) != min(20, len(want)) {
		t.Errorf("apt paths %v, want the 20 largest from %s (%d bytes)", f.Paths, largest, want[largest])
	}
	if !strings.Contains(f.Fix, "rm -rf /var/lib/apt/lists/*") {
		t.Errorf("apt fix %q does not name the cleanup", f.Fix)
	}
	t.Logf("apt: %s; %s", f.Message, f.Fix)

	clean := dockerSave(t, ctx, "layerscope-test-advice-apt-clean:"+suffix, fmt.Sprintf(aptClean, base), false)
	crep := decodeAdvice(t, runOK(t, "--json", "-", "--quiet", clean))
	if n := countKind(crep.Advice, advice.KindPackageCache); n != 0 {
		t.Errorf("apt with cleanup: %d package-cache findings:\n%s", n, findingsText(crep.Advice))
	}
}

func mapKeys(m map[string]int64) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	return ks
}

// aptCacheFiles lists the apt cache files of docker export of tag, with
// their sizes: /var/lib/apt/lists/* but lock and partial/, and
// /var/cache/apt/*.bin and archives/*.deb.
func aptCacheFiles(t *testing.T, tag string) map[string]int64 {
	t.Helper()
	id := strings.TrimSpace(sh(t, "docker", "create", tag))
	t.Cleanup(func() { exec.Command("docker", "rm", "-f", id).Run() })
	export := filepath.Join(t.TempDir(), "export.tar")
	sh(t, "docker", "export", "-o", export, id)
	fh, err := os.Open(export)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	out := map[string]int64{}
	tr := tar.NewReader(fh)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		p := "/" + strings.TrimPrefix(h.Name, "./")
		if h.Typeflag != tar.TypeReg || h.Size == 0 {
			continue
		}
		dir, base := filepath.Split(p)
		switch {
		case strings.HasPrefix(p, "/var/lib/apt/lists/") && p != "/var/lib/apt/lists/lock" && !strings.HasPrefix(p, "/var/lib/apt/lists/partial/"),
			dir == "/var/cache/apt/" && strings.HasSuffix(base, ".bin"),
			dir == "/var/cache/apt/archives/" && strings.HasSuffix(base, ".deb"):
			out[p] = h.Size
		}
	}
}
