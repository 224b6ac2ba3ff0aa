package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/layerscope/layerscope/analysis"
)

// The Debian ground truth: a real distribution base (debootstrap, imported
// into Docker) with build steps on top that delete trees, recreate deleted
// directories, waste megabytes, change modes and owners, add a user and make
// hard and symbolic links. layerscope's merged tree must equal `docker export`
// of a container made from the image, and the metrics must match what the
// Dockerfile does by hand.

const (
	debianSuite  = "bookworm"
	debianMirror = "http://deb.debian.org/debian"
	// debianCache holds the cleaned debootstrap root file system as a tar,
	// under os.TempDir(), so that local re-runs skip debootstrap (30-50 s).
	// Delete it to start over; CI machines start without it.
	debianCache = "layerscope-debootstrap-" + debianSuite + ".tar"
)

// debianDockerfile builds on the imported base (%s). Every step but ENV,
// WORKDIR and CMD makes a layer; its comment says what the layer must hold.
const debianDockerfile = `FROM %s
ENV LAYERSCOPE_TEST=debian
# deletes a tree and three files of the base: 4 whiteouts, no bytes
RUN rm -rf /usr/share/doc && rm -f /etc/motd /usr/bin/pinky /etc/debian_version
# deletes a directory and recreates it: an opaque /usr/share/man with only man1/ls.1 (10 bytes)
RUN rm -rf /usr/share/man && mkdir -p /usr/share/man/man1 && echo recreated > /usr/share/man/man1/ls.1
# 7 000 000 bytes that the next step deletes (4 000 000) or overwrites (3 000 000)
RUN mkdir /opt/data && head -c 4000000 /dev/urandom > /opt/data/deleted.bin && head -c 3000000 /dev/urandom > /opt/data/overwritten.bin
WORKDIR /opt
RUN rm /opt/data/deleted.bin && head -c 1000000 /dev/zero > /opt/data/overwritten.bin
# metadata only (overlay2 still copies the files up)
RUN chmod 0600 /etc/issue && chown 1234:5678 /etc/issue.net && chmod 0750 /var/backups && chown 42:42 /var/backups && chmod 4755 /opt/data/overwritten.bin
# /etc/passwd, /etc/shadow, /etc/group ... and /home/alice from /etc/skel
RUN useradd -m -u 1500 -s /bin/bash alice
RUN ln /etc/passwd /opt/passwd.hard && ln /opt/data/overwritten.bin /opt/data/hard.bin && ln -s ../etc/os-release /opt/os-release.link && ln -s /nonexistent /opt/dangling.link && mkdir -p /srv/tree/a/b && echo hi > /srv/tree/a/b/f && ln /srv/tree/a/b/f /srv/tree/f.hard
# a directory of the base becomes a symlink, a file of the base becomes a directory
RUN rm -rf /etc/cron.daily && ln -s cron.weekly /etc/cron.daily && rm /etc/host.conf && mkdir /etc/host.conf && echo x > /etc/host.conf/f
CMD ["/bin/bash"]
`

// debianRuntimeFiles are what `docker export` of a created (never started)
// container has beyond the image: Docker's init layer (checked by hand with
// Docker 20.10 on overlay2). /proc and /sys are in the image already (empty)
// and equal in both, so they are compared.
var debianRuntimeFiles = map[string]bool{
	"/.dockerenv":      true,
	"/dev/console":     true,
	"/dev/pts":         true,
	"/dev/shm":         true,
	"/etc/hostname":    true,
	"/etc/hosts":       true,
	"/etc/mtab":        true, // a symlink to /proc/mounts
	"/etc/resolv.conf": true,
}

// TestGroundTruthDebianImage builds a Debian image with the legacy builder
// and with BuildKit, and compares layerscope's report with docker export and
// with the facts of the Dockerfile. It needs root, a running dockerd and
// Debian's debootstrap (which CI must install), and the network to reach
// deb.debian.org when the debootstrap cache is cold. Every image, container
// and temporary file it makes is removed at the end, apart from the cache and
// BuildKit's build cache.
func TestGroundTruthDebianImage(t *testing.T) {
	t.Parallel() // mostly waiting on docker build: overlaps with the other builds
	if testing.Short() {
		t.Skip("about 30 s, 60 s without the cached debootstrap")
	}
	needTool(t, "debootstrap", "docker", "tar")
	if os.Geteuid() != 0 {
		needOrSkip(t, "root (debootstrap and tar -p need it)")
	}
	if out, err := exec.Command("docker", "version").CombinedOutput(); err != nil {
		needOrSkip(t, fmt.Sprintf("a running Docker daemon (docker version: %v\n%s)", err, out))
	}
	suffix := strconv.Itoa(os.Getpid()) + "-" + strconv.FormatInt(time.Now().UnixNano(), 36)
	base := importDebianBase(t, "layerscope-test-debian-base:"+suffix)

	builders := []struct {
		name, docker, buildkit string
		// layers: the base, the 8 RUN steps, and for BuildKit the WORKDIR
		// (an empty tar; the legacy builder marks it empty_layer).
		layers int
	}{
		{"legacy", "docker", "0", 9},
		{"buildkit", "/usr/bin/docker", "1", 10},
	}
	for _, b := range builders {
		t.Run(b.name, func(t *testing.T) {
			needTool(t, b.docker)
			tag := "layerscope-test-debian-" + b.name + ":" + suffix
			ctx := t.TempDir()
			if err := os.WriteFile(filepath.Join(ctx, "Dockerfile"), []byte(fmt.Sprintf(debianDockerfile, base)), 0o644); err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			args := []string{"build", "-q", "-t", tag}
			if b.buildkit == "0" {
				args = append(args, "--force-rm") // no intermediate container left behind
			}
			args = append(args, ctx)
			t.Cleanup(func() { exec.Command("docker", "rmi", "-f", tag).Run() })
			debianCmd(t, []string{"DOCKER_BUILDKIT=" + b.buildkit}, nil, b.docker, args...)
			t.Logf("docker build (%s): %v", b.name, time.Since(start).Round(time.Millisecond))

			dir := t.TempDir()
			archive := filepath.Join(dir, "image.tar")
			sh(t, "docker", "save", "-o", archive, tag)
			rep := analyzeJSON(t, archive)

			id := strings.TrimSpace(sh(t, "docker", "create", tag))
			t.Cleanup(func() { exec.Command("docker", "rm", "-f", id).Run() })
			export := filepath.Join(dir, "export.tar")
			sh(t, "docker", "export", "-o", export, id)
			rootfs := filepath.Join(dir, "rootfs")
			if err := os.Mkdir(rootfs, 0o755); err != nil {
				t.Fatal(err)
			}
			sh(t, "tar", "-C", rootfs, "-x", "--numeric-owner", "-p", "-f", export)

			unpacked := compareWithRootfs(t, rep.Files, rootfs, func(p string) bool { return debianRuntimeFiles[p] })
			checkVisibleBytes(t, rep, unpacked)
			checkDebianFacts(t, rep, b.layers)

			// Header by header (--no-verify seeks over the contents and
			// compares same-size replacements afterwards): the same tree
			// and the same states, chmod and chown steps included.
			full, fast := analyzeJSON(t, archive, "--changes"), analyzeJSON(t, archive, "--changes", "--no-verify")
			if !reflect.DeepEqual(full.Files, fast.Files) || full.Image.WastedBytes != fast.Image.WastedBytes {
				t.Error("--no-verify gives another file system")
			}
			for i := range full.Layers {
				if !reflect.DeepEqual(full.Layers[i].Changes, fast.Layers[i].Changes) {
					t.Errorf("layer %d: --no-verify gives other changes", i)
				}
			}
		})
	}
}

// debianCmd runs a command with extra environment and stdin, and fails the test
// with its output when it fails.
func debianCmd(t testing.TB, env []string, stdin io.Reader, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdin = stdin
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %v: %v\n%s", name, args, err, out.String())
	}
	return out.String()
}

// importDebianBase imports the cached debootstrap root file system as tag,
// making the cache first if needed, and removes the image at the end.
var debianCacheMu sync.Mutex

func importDebianBase(t *testing.T, tag string) string {
	t.Helper()
	cache := filepath.Join(os.TempDir(), debianCache)
	// Tests that build on the base run in parallel: one debootstraps, the
	// others wait for its cache.
	debianCacheMu.Lock()
	defer debianCacheMu.Unlock()
	if st, err := os.Stat(cache); err != nil || st.Size() == 0 {
		start := time.Now()
		rootfs := filepath.Join(t.TempDir(), "rootfs")
		debianCmd(t, nil, nil, "debootstrap", "--variant=minbase", debianSuite, rootfs, debianMirror)
		cleanDebootstrap(t, rootfs)
		tmp := fmt.Sprintf("%s.%d.tmp", cache, os.Getpid())
		t.Cleanup(func() { os.Remove(tmp) })
		sh(t, "tar", "-C", rootfs, "--numeric-owner", "-cf", tmp, ".")
		if err := os.Rename(tmp, cache); err != nil {
			t.Fatal(err)
		}
		t.Logf("debootstrap %s: %v, cached in %s", debianSuite, time.Since(start).Round(time.Millisecond), cache)
	} else {
		t.Logf("debootstrap %s: cached in %s", debianSuite, cache)
	}
	f, err := os.Open(cache)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		f.Close()
		exec.Command("docker", "rmi", "-f", tag).Run()
	})
	debianCmd(t, nil, f, "docker", "import", "-", tag)
	return tag
}

// cleanDebootstrap removes what a base image does not ship: the downloaded
// packages and package lists, the device nodes (Docker makes /dev at run
// time) and the build host's /etc/hostname and /etc/resolv.conf, which
// debootstrap copies in and Docker hides at run time anyway.
func cleanDebootstrap(t *testing.T, rootfs string) {
	t.Helper()
	var remove []string
	for _, pattern := range []string{"var/cache/apt/archives/*.deb", "var/cache/apt/*.bin", "var/lib/apt/lists/*_*", "dev/*"} {
		m, err := filepath.Glob(filepath.Join(rootfs, pattern))
		if err != nil {
			t.Fatal(err)
		}
		remove = append(remove, m...)
	}
	remove = append(remove, filepath.Join(rootfs, "etc/hostname"), filepath.Join(rootfs, "etc/resolv.conf"))
	for _, p := range remove {
		if err := os.RemoveAll(p); err != nil {
			t.Fatal(err)
		}
	}
}

// checkDebianFacts checks what can be worked out by hand from
// debianDockerfile.
func checkDebianFacts(t *testing.T, rep report, wantLayers int) {
	t.Helper()
	if len(rep.Layers) != wantLayers {
		t.Errorf("%d layers, want %d", len(rep.Layers), wantLayers)
	}
	layer := func(cmd string) analysis.LayerReport {
		t.Helper()
		var found []analysis.LayerReport
		for _, l := range rep.Layers {
			if strings.Contains(l.Command, cmd) {
				found = append(found, l)
			}
		}
		if len(found) != 1 {
			t.Fatalf("%d layers made by %q, want 1", len(found), cmd)
		}
		return found[0]
	}
	check := func(what string, got, want int64) {
		t.Helper()
		if got != want {
			t.Errorf("%s = %d, want %d", what, got, want)
		}
	}

	runs := 0
	for _, l := range rep.Layers {
		if strings.HasPrefix(l.Command, "RUN ") {
			runs++
		}
	}
	check("RUN layers", int64(runs), 8)

	rmDoc := layer("rm -rf /usr/share/doc")
	check("removed by the rm -rf /usr/share/doc layer", int64(rmDoc.Removed), 4)
	check("added by the rm -rf /usr/share/doc layer", int64(rmDoc.Added), 0)
	check("sizeBytes of the rm -rf /usr/share/doc layer", rmDoc.SizeBytes, 0)

	man := layer("rm -rf /usr/share/man")
	check("removed by the opaque /usr/share/man layer", int64(man.Removed), 1)
	check("sizeBytes of the opaque /usr/share/man layer", man.SizeBytes, int64(len("recreated\n")))

	data := layer("head -c 4000000")
	check("sizeBytes of the data layer", data.SizeBytes, 7_000_000)
	check("wastedBytes of the data layer", data.WastedBytes, 7_000_000)
	check("added by the data layer", int64(data.Added), 3) // /opt/data and its two files

	del := layer("rm /opt/data/deleted.bin")
	check("removed by the rm /opt/data/deleted.bin layer", int64(del.Removed), 1)
	check("sizeBytes of the rm /opt/data/deleted.bin layer", del.SizeBytes, 1_000_000)

	if rep.Image.WastedBytes < 7_000_000 {
		t.Errorf("image wastedBytes = %d, want >= 7000000 (the data deleted and overwritten)", rep.Image.WastedBytes)
	}
	check("sizeBytes - wastedBytes - visibleBytes", rep.Image.SizeBytes-rep.Image.WastedBytes-rep.Image.VisibleBytes, 0)
	wasted := map[string][]analysis.WastedReport{}
	for _, w := range rep.Image.Wasted {
		wasted[w.Path] = append(wasted[w.Path], w)
	}
	hasWaste := func(path string, bytes int64, layer, shadowedBy int, how string) {
		t.Helper()
		want := analysis.WastedReport{Path: path, Bytes: bytes, Layer: layer, ShadowedBy: shadowedBy, How: how}
		for _, w := range wasted[path] {
			if w == want {
				return
			}
		}
		t.Errorf("wasted has no %+v; it has %+v", want, wasted[path])
	}
	hasWaste("/opt/data/deleted.bin", 4_000_000, data.Index, del.Index, "deleted")
	hasWaste("/opt/data/overwritten.bin", 3_000_000, data.Index, del.Index, "overwritten")
	cron := layer("rm -rf /etc/cron.daily")
	for _, p := range []string{"/etc/cron.daily/dpkg", "/etc/host.conf"} {
		if len(wasted[p]) != 1 || wasted[p][0].Layer != 0 || wasted[p][0].ShadowedBy != cron.Index {
			t.Errorf("wasted[%s] = %+v, want one entry of layer 0 shadowed by layer %d", p, wasted[p], cron.Index)
		}
	}

	files := map[string]analysis.FileReport{}
	for _, f := range rep.Files {
		files[f.Path] = f
		if strings.HasPrefix(f.Path, "/usr/share/doc/") {
			t.Errorf("%s is listed, but /usr/share/doc was deleted", f.Path)
		}
		if strings.HasPrefix(f.Path, "/usr/share/man/") && f.Path != "/usr/share/man/man1" && f.Path != "/usr/share/man/man1/ls.1" {
			t.Errorf("%s is listed, but /usr/share/man was recreated with only man1/ls.1", f.Path)
		}
		if strings.HasPrefix(f.Path, "/etc/cron.daily/") {
			t.Errorf("%s is listed, but /etc/cron.daily became a symlink", f.Path)
		}
	}
	for _, p := range []string{"/usr/share/doc", "/etc/motd", "/usr/bin/pinky", "/etc/debian_version", "/opt/data/deleted.bin"} {
		if _, ok := files[p]; ok {
			t.Errorf("%s is listed, but it was deleted", p)
		}
	}
	type fact struct {
		typ        string
		size       int64
		mode       uint32
		uid, gid   uint32
		linkTarget string
	}
	// A hardlink's target is the name Docker's tar writer met first, in
	// lexical order: /etc/passwd before /opt/passwd.hard, hard.bin before
	// overwritten.bin.
	want := map[string]fact{
		"/usr/share/man/man1/ls.1":  {"file", 10, 0o644, 0, 0, ""},
		"/etc/issue":                {"file", -1, 0o600, 0, 0, ""},
		"/etc/issue.net":            {"file", -1, 0o644, 1234, 5678, ""},
		"/var/backups":              {"dir", 0, 0o750, 42, 42, ""},
		"/home/alice":               {"dir", 0, 0o755, 1500, 1500, ""},
		"/home/alice/.bashrc":       {"file", files["/etc/skel/.bashrc"].Size, 0o644, 1500, 1500, ""},
		"/opt/passwd.hard":          {"hardlink", 0, 0o644, 0, 0, "/etc/passwd"},
		"/opt/os-release.link":      {"symlink", 0, 0o777, 0, 0, "../etc/os-release"},
		"/opt/dangling.link":        {"symlink", 0, 0o777, 0, 0, "/nonexistent"},
		"/srv/tree/f.hard":          {"hardlink", 0, 0o644, 0, 0, "/srv/tree/a/b/f"},
		"/srv/tree/a/b/f":           {"file", 3, 0o644, 0, 0, ""},
		"/etc/cron.daily":           {"symlink", 0, 0o777, 0, 0, "cron.weekly"},
		"/etc/host.conf":            {"dir", 0, 0o755, 0, 0, ""},
		"/etc/host.conf/f":          {"file", 2, 0o644, 0, 0, ""},
		"/opt/data/hard.bin":        {"file", 1_000_000, 0o4755, 0, 0, ""},
		"/opt/data/overwritten.bin": {"hardlink", 0, 0o4755, 0, 0, "/opt/data/hard.bin"},
	}
	for p, w := range want {
		f, ok := files[p]
		if !ok {
			t.Errorf("%s is missing", p)
			continue
		}
		got := fact{f.Type, f.Size, f.Mode, f.UID, f.GID, f.LinkTarget}
		if w.size < 0 { // a file of the base: its size is Debian's
			got.size = w.size
		}
		if got != w {
			t.Errorf("%s: %+v, want %+v", p, got, w)
		}
	}
	// useradd keeps the old /etc/passwd as /etc/passwd- and appends one line.
	entry := "alice:x:1500:1500::/home/alice:/bin/bash\n"
	check("size of /etc/passwd", files["/etc/passwd"].Size, files["/etc/passwd-"].Size+int64(len(entry)))
}
