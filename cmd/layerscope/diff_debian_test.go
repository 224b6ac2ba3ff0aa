package main

import (
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// diffDebianDockerfile installs one Debian package on the debootstrap base
// (%s), the later version another (%s), with the package lists removed.
const diffDebianDockerfile = `FROM %s
RUN apt-get update && apt-get install -y --no-install-recommends %s && rm -rf /var/lib/apt/lists/*
COPY app%d/ /app/
`

// TestDiffGroundTruthDebian: a package swapped on a real distribution base
// (dpkg's database, the package's files, ld.so's cache, apt's logs) and the
// same Dockerfile built by BuildKit and by the legacy builder, against
// umoci's unpack of each. It needs what TestGroundTruthDebianImage needs,
// and Debian's package archive reachable from docker build.
func TestDiffGroundTruthDebian(t *testing.T) {
	t.Parallel() // mostly waiting on docker build: overlaps with the other builds
	if testing.Short() {
		t.Skip("builds three Debian images (about a minute)")
	}
	needBuilds(t)
	needTool(t, "debootstrap", "tar")
	if os.Geteuid() != 0 {
		needOrSkip(t, "root (debootstrap and tar -p need it)")
	}
	suffix := strconv.Itoa(os.Getpid()) + "-" + strconv.FormatInt(time.Now().UnixNano(), 36)
	base := importDebianBase(t, "layerscope-test-diff-debian-base:"+suffix)
	ctx := diffContext(t)
	build := func(name, pkg string, app int, buildkit bool) diffPair {
		tag := fmt.Sprintf("layerscope-test-diff-debian-%s:%s", name, suffix)
		start := time.Now()
		archive := dockerBuild(t, ctx, fmt.Sprintf(diffDebianDockerfile, base, pkg, app), tag, buildkit)
		t.Logf("%s: built and saved in %v", name, time.Since(start).Round(time.Millisecond))
		return diffPair{archive: archive, tag: tag, tree: unpackedTree(t, archive, tag)}
	}
	v1, v2 := build("v1", "less", 1, false), build("v2", "nano", 2, false)
	t.Run("package swapped", func(t *testing.T) {
		rep := checkDiff(t, v1, v2)
		var lines []string
		for _, c := range rep.Changes {
			lines = append(lines, c.Path+" "+c.Change+" "+strings.Join(c.What, ","))
		}
		all := "\n" + strings.Join(lines, "\n") + "\n"
		for _, m := range []string{"\n/usr/bin/less removed \n", "\n/usr/bin/nano added \n", "\n/var/lib/dpkg/status modified size,content\n", "\n/app/same-size.txt modified content\n"} {
			if !strings.Contains(all, m) {
				t.Errorf("no %q among the changes:%s", strings.TrimSpace(m), all)
			}
		}
		if rep.SharedLayers != 1 {
			t.Errorf("sharedLayers = %d, want 1 (the base)", rep.SharedLayers)
		}
	})
	t.Run("buildkit and legacy", func(t *testing.T) {
		bk := build("v1-buildkit", "less", 1, true)
		rep := checkDiff(t, v1, bk)
		sameSize := slices.ContainsFunc(rep.Changes, func(c diffChange) bool {
			return c.Change == "modified" && slices.Equal(c.What, []string{"content"}) && c.SizeDelta == 0
		})
		if !sameSize {
			t.Errorf("no content change at the same size between the builders: %+v", rep.Changes)
		}
	})
}
