package main

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/layerscope/layerscope/analysis/diff"
)

// The diff's ground truth: pairs of images built by Docker, each unpacked
// by umoci (after skopeo copies the docker save into an OCI layout) and
// compared path by path here, with content hashes, independently of
// layerscope; `layerscope diff --json` must list exactly those changes.

// diffDockerfiles are a Dockerfile and a later version of it. The first
// two steps are equal (the legacy builder's cache makes them the same
// layers: shared); then a "package" (a directory of files) is swapped, and
// the application changes in every way a diff must see. The last step
// writes a build log of equal size and new content on every build.
var diffDockerfiles = [2]string{`FROM scratch
COPY busybox /bin/busybox
RUN ["/bin/busybox", "sh", "-c", "for a in sh cat chmod chown cp ln ls mkdir mv rm printf; do /bin/busybox ln -s busybox /bin/$a; done"]
COPY pkg-a/ /usr/lib/pkg-a/
COPY app1/ /app/
RUN chmod 0644 /app/mode.sh && ln -s target-one /app/link && printf 'a file\n' > /app/becomes-dir && mkdir -p /var/log
RUN /bin/busybox head -c 16 /dev/urandom | /bin/busybox md5sum > /var/log/build.log
`, `FROM scratch
COPY busybox /bin/busybox
RUN ["/bin/busybox", "sh", "-c", "for a in sh cat chmod chown cp ln ls mkdir mv rm printf; do /bin/busybox ln -s busybox /bin/$a; done"]
COPY pkg-b/ /usr/lib/pkg-b/
COPY app2/ /app/
RUN chmod 0755 /app/mode.sh && chown 1000:1000 /app/owner.txt && ln -s target-two /app/link && mkdir /app/becomes-dir && printf 'inner\n' > /app/becomes-dir/inner && mkdir -p /var/log
RUN /bin/busybox head -c 16 /dev/urandom | /bin/busybox md5sum > /var/log/build.log
`}

// diffContext writes the build context: both Dockerfiles' files.
func diffContext(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	files := map[string]string{
		"pkg-a/lib.so":       strings.Repeat("A", 5000),
		"pkg-a/share/doc":    "package a\n",
		"pkg-b/lib.so":       strings.Repeat("B", 7000),
		"pkg-b/bin/tool":     "#!/bin/sh\necho b\n",
		"app1/keep.txt":      "unchanged\n",
		"app1/same-size.txt": "version 1\n",
		"app1/resized.txt":   "short\n",
		"app1/removed.txt":   "going away\n",
		"app1/mode.sh":       "#!/bin/sh\n",
		"app1/owner.txt":     "mine\n",
		"app2/keep.txt":      "unchanged\n",
		"app2/same-size.txt": "version 2\n",
		"app2/resized.txt":   "a good deal longer now\n",
		"app2/added.txt":     "brand new\n",
		"app2/mode.sh":       "#!/bin/sh\n",
		"app2/owner.txt":     "mine\n",
	}
	for name, body := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	bb, err := os.ReadFile("/bin/busybox")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "busybox"), bb, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// needBuilds skips (outside CI) without Docker, skopeo, umoci and
// busybox-static.
func needBuilds(t *testing.T) {
	t.Helper()
	needTool(t, "skopeo", "umoci")
	needDocker(t)
	if _, err := os.Stat("/bin/busybox"); err != nil {
		needOrSkip(t, "busybox-static (/bin/busybox)")
	}
}

// dockerBuild builds dockerfile in ctx as tag with the legacy builder or
// BuildKit, saves it and returns the docker save; the image is removed at
// the end. A legacy build takes its cache from the cacheFrom images only,
// where given: other tests build the same first steps at the same time,
// and the builder may pick any of the equal cached layers, so that a
// later step of this image misses its cache.
func dockerBuild(t *testing.T, ctx, dockerfile, tag string, buildkit bool, cacheFrom ...string) string {
	t.Helper()
	df := filepath.Join(ctx, "Dockerfile."+strings.NewReplacer(":", "-", "/", "-").Replace(tag))
	if err := os.WriteFile(df, []byte(dockerfile), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { exec.Command("docker", "rmi", "-f", tag).Run() })
	docker, env, args := "docker", "DOCKER_BUILDKIT=0", []string{"build", "-q", "--force-rm", "-f", df, "-t", tag}
	for _, c := range cacheFrom {
		args = append(args, "--cache-from", c)
	}
	args = append(args, ctx)
	if buildkit {
		needTool(t, "/usr/bin/docker")
		docker, env, args = "/usr/bin/docker", "DOCKER_BUILDKIT=1", []string{"build", "-q", "-f", df, "-t", tag, ctx}
	}
	debianCmd(t, []string{env}, nil, docker, args...)
	out := filepath.Join(t.TempDir(), "image.tar")
	sh(t, "docker", "save", "-o", out, tag)
	return out
}

// truthEntry is one path of an unpacked root file system.
type truthEntry struct {
	typ, link, sha string
	size           int64
	mode, uid, gid uint32
}

func (e truthEntry) record() string {
	return fmt.Sprintf("%s size=%d mode=%o uid=%d gid=%d link=%q", e.typ, e.size, e.mode, e.uid, e.gid, e.link)
}

// unpackedTree unpacks a docker save with umoci and reads every path of
// it, hashing each regular file.
func unpackedTree(t *testing.T, archive, tag string) map[string]truthEntry {
	t.Helper()
	dir, ref := toOCI(t, "docker-archive:"+archive+":"+tag)
	rootfs := umociRootfs(t, dir, ref)
	out := map[string]truthEntry{}
	err := filepath.WalkDir(rootfs, func(p string, d fs.DirEntry, err error) error {
		if err != nil || p == rootfs {
			return err
		}
		var st syscall.Stat_t
		if err := syscall.Lstat(p, &st); err != nil {
			return err
		}
		e := truthEntry{mode: st.Mode & 0o7777, uid: st.Uid, gid: st.Gid}
		switch st.Mode & syscall.S_IFMT {
		case syscall.S_IFREG:
			e.typ, e.size = "file", st.Size
			f, err := os.Open(p)
			if err != nil {
				return err
			}
			h := sha256.New()
			_, err = io.Copy(h, f)
			f.Close()
			if err != nil {
				return err
			}
			e.sha = hex.EncodeToString(h.Sum(nil))
		case syscall.S_IFDIR:
			e.typ = "dir"
		case syscall.S_IFLNK:
			e.typ = "symlink"
			e.link, _ = os.Readlink(p)
		default:
			e.typ = "special"
		}
		out[filepath.ToSlash(strings.TrimPrefix(p, rootfs))] = e
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// truthChanges compares two unpacked trees as the diff is defined: the
// records, and for two regular files their content hashes.
func truthChanges(old, new map[string]truthEntry) []string {
	var out []string
	for p, n := range new {
		o, ok := old[p]
		if !ok {
			out = append(out, p+" added")
			continue
		}
		var what []string
		add := func(differ bool, name string) {
			if differ {
				what = append(what, name)
			}
		}
		add(o.typ != n.typ, "type")
		add(o.size != n.size, "size")
		add(o.mode != n.mode, "mode")
		add(o.uid != n.uid, "uid")
		add(o.gid != n.gid, "gid")
		add(o.link != n.link, "linkTarget")
		add(o.typ == "file" && n.typ == "file" && o.sha != n.sha, "content")
		if len(what) > 0 {
			out = append(out, p+" modified "+strings.Join(what, ","))
		}
	}
	for p := range old {
		if _, ok := new[p]; !ok {
			out = append(out, p+" removed")
		}
	}
	slices.Sort(out)
	return out
}

// diffJSON runs `layerscope diff --json -` and decodes the report.
func diffJSON(t *testing.T, old, new string, extra ...string) diff.Report {
	t.Helper()
	r := runLS(t, append([]string{"diff", "--json", "-", "--quiet", old, new}, extra...)...)
	if r.code != 0 {
		t.Fatalf("layerscope diff %s %s: exit %d\n%s", old, new, r.code, r.stderr)
	}
	var rep diff.Report
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatalf("invalid diff report: %v\n%s", err, r.stdout)
	}
	return rep
}

// reportedChanges is the report's changes in truthChanges' form, checking
// each record against the unpacked trees on the way.
func reportedChanges(t *testing.T, rep diff.Report, old, new map[string]truthEntry) []string {
	t.Helper()
	var out []string
	var prev string
	for _, c := range rep.Changes {
		if c.Path <= prev {
			t.Errorf("changes not sorted by path: %s after %s", c.Path, prev)
		}
		prev = c.Path
		line := c.Path + " " + c.Change
		if c.Change == "modified" {
			line += " " + strings.Join(c.What, ",")
		}
		out = append(out, line)
		check := func(side string, r *diff.Record, truth map[string]truthEntry) {
			want, ok := truth[c.Path]
			if r == nil || !ok {
				if (r == nil) == ok {
					t.Errorf("%s: %s record %v, unpacked has it: %v", c.Path, side, r, ok)
				}
				return
			}
			got := truthEntry{typ: r.Type, size: r.Size, mode: r.Mode, uid: r.UID, gid: r.GID, link: r.LinkTarget}
			if r.Layer < 0 { // no entry: the unpacker picks the mode
				got.mode, got.uid, got.gid = want.mode, want.uid, want.gid
			}
			if got.record() != want.record() {
				t.Errorf("%s: %s record %s, unpacked %s", c.Path, side, got.record(), want.record())
			}
		}
		check("old", c.Old, old)
		check("new", c.New, new)
	}
	slices.Sort(out)
	return out
}

// diffChange is one change of a diff report.
type diffChange = diff.ChangeReport

// diffPair is one image of a test pair: its docker save and unpacked tree.
type diffPair struct {
	archive, tag string
	tree         map[string]truthEntry
}

// checkDiff runs the diff both ways, verified and headers-only, and
// compares each with the ground truth. It returns the verified report.
func checkDiff(t *testing.T, old, new diffPair) diff.Report {
	t.Helper()
	want := truthChanges(old.tree, new.tree)
	var first diff.Report
	for i, extra := range [][]string{nil, {"--no-verify"}} {
		rep := diffJSON(t, old.archive, new.archive, extra...)
		if got := reportedChanges(t, rep, old.tree, new.tree); !slices.Equal(got, want) {
			t.Errorf("diff %v: changes\n  %s\nunpacked trees differ in\n  %s", extra, strings.Join(got, "\n  "), strings.Join(want, "\n  "))
		}
		s := rep.Summary
		if s.Added+s.Removed+s.Modified != len(rep.Changes) || s.SizeDeltaBytes != rep.New.SizeBytes-rep.Old.SizeBytes ||
			s.WastedDeltaBytes != rep.New.WastedBytes-rep.Old.WastedBytes {
			t.Errorf("diff %v: summary %+v does not add up", extra, s)
		}
		if i == 0 {
			first = rep
		}
	}
	return first
}

func TestDiffGroundTruth(t *testing.T) {
	t.Parallel() // mostly waiting on docker build: overlaps with the other builds
	if testing.Short() {
		t.Skip("builds four images")
	}
	needBuilds(t)
	suffix := strconv.Itoa(os.Getpid()) + "-" + strconv.FormatInt(time.Now().UnixNano(), 36)
	ctx := diffContext(t)
	build := func(version int, buildkit bool, cacheFrom ...string) diffPair {
		name := "legacy"
		if buildkit {
			name = "buildkit"
		}
		tag := fmt.Sprintf("layerscope-test-diff-v%d-%s:%s", version+1, name, suffix)
		archive := dockerBuild(t, ctx, diffDockerfiles[version], tag, buildkit, cacheFrom...)
		return diffPair{archive: archive, tag: tag, tree: unpackedTree(t, archive, tag)}
	}
	v1 := build(0, false)
	v2 := build(1, false, v1.tag) // the first two steps shared through v1's cache

	t.Run("later version", func(t *testing.T) {
		rep := checkDiff(t, v1, v2)
		// What the Dockerfiles do, by hand: the ground truth must see
		// it too, or it proves nothing.
		must := []string{
			"/app/added.txt added", "/app/removed.txt removed", "/app/keep.txt",
			"/app/same-size.txt modified content", "/app/resized.txt modified size,content",
			"/app/mode.sh modified mode", "/app/owner.txt modified uid,gid", "/app/link modified linkTarget",
			"/app/becomes-dir modified type,size,mode", "/app/becomes-dir/inner added",
			"/usr/lib/pkg-a removed", "/usr/lib/pkg-a/lib.so removed", "/usr/lib/pkg-b/lib.so added",
			"/usr/lib/pkg-b/bin/tool added", "/var/log/build.log modified content",
		}
		got := strings.Join(reportedChanges(t, rep, v1.tree, v2.tree), "\n")
		t.Logf("changes:\n%s", got)
		for _, m := range must {
			has := strings.Contains("\n"+got+"\n", "\n"+m+"\n")
			if m == "/app/keep.txt" {
				has = !strings.Contains(got, m)
			}
			if !has {
				t.Errorf("expected %q (keep.txt: no change) in\n%s", m, got)
			}
		}
		if rep.SharedLayers != 2 || len(rep.Layers.Shared) != 2 || len(rep.Layers.Old) != 4 || len(rep.Layers.New) != 4 {
			t.Errorf("sharedLayers %d, layers %d shared, %d old, %d new; want 2, then 4 each", rep.SharedLayers, len(rep.Layers.Shared), len(rep.Layers.Old), len(rep.Layers.New))
		}
		if c := rep.Layers.New[0].Command; !strings.HasPrefix(c, "COPY ") || !strings.Contains(c, "/usr/lib/pkg-b/") {
			t.Errorf("new's first own layer: %q", c)
		}
		s := rep.Summary
		if s.AddedBytes != 7000+int64(len("#!/bin/sh\necho b\n"))+int64(len("brand new\n"))+int64(len("inner\n")) ||
			s.RemovedBytes != 5000+int64(len("package a\n"))+int64(len("going away\n")) {
			t.Errorf("addedBytes %d, removedBytes %d", s.AddedBytes, s.RemovedBytes)
		}
	})
	t.Run("reverse", func(t *testing.T) {
		fwd, rev := diffJSON(t, v1.archive, v2.archive), checkDiff(t, v2, v1)
		swap := map[string]string{"added": "removed", "removed": "added", "modified": "modified"}
		if len(fwd.Changes) != len(rev.Changes) {
			t.Fatalf("%d changes forward, %d back", len(fwd.Changes), len(rev.Changes))
		}
		for i, c := range fwd.Changes {
			r := rev.Changes[i]
			if r.Path != c.Path || r.Change != swap[c.Change] || r.SizeDelta != -c.SizeDelta || !slices.Equal(r.What, c.What) {
				t.Errorf("forward %+v, back %+v", c, r)
			}
		}
		if fwd.Summary.Added != rev.Summary.Removed || fwd.Summary.AddedBytes != rev.Summary.RemovedBytes || fwd.Summary.SizeDeltaBytes != -rev.Summary.SizeDeltaBytes {
			t.Errorf("summaries do not swap: %+v and %+v", fwd.Summary, rev.Summary)
		}
	})
	t.Run("buildkit and legacy", func(t *testing.T) {
		bk := build(0, true)
		rep := checkDiff(t, v1, bk)
		found := false
		for _, c := range rep.Changes {
			if c.Path == "/var/log/build.log" && slices.Equal(c.What, []string{"content"}) && c.SizeDelta == 0 {
				found = true
			}
		}
		if !found {
			t.Errorf("the build log of equal size is not a content change: %+v", rep.Changes)
		}
	})
	t.Run("another format", func(t *testing.T) {
		dir, ref := toOCI(t, "docker-archive:"+v2.archive+":"+v2.tag)
		for _, extra := range [][]string{nil, {"--no-verify"}} {
			rep := diffJSON(t, v2.archive, "oci:"+dir+":"+ref, extra...)
			if len(rep.Changes) != 0 || rep.Summary != (diff.SummaryReport{}) {
				t.Errorf("%v: docker save against its OCI layout: %+v %+v", extra, rep.Summary, rep.Changes)
			}
			if rep.SharedLayers != len(rep.Layers.Shared) || len(rep.Layers.Old)+len(rep.Layers.New) != 0 {
				t.Errorf("%v: every layer is shared, got %d (+%d, +%d)", extra, rep.SharedLayers, len(rep.Layers.Old), len(rep.Layers.New))
			}
			// The OCI side keeps its own (gzip) blobs in the report.
			for i, l := range rep.Layers.Shared {
				if l.Compression != "gzip" {
					t.Errorf("%v: shared layer %d of the OCI layout: compression %q", extra, i, l.Compression)
				}
			}
		}
	})
}
