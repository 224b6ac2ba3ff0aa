package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/layerscope/layerscope/analysis/synth"
)

// testContainerd is a containerd of the test's own: its root, state
// directory and socket are in a temporary directory.
type testContainerd struct {
	sock string
}

// startContainerd starts containerd and stops it when the test ends.
func startContainerd(t testing.TB) *testContainerd {
	t.Helper()
	needTool(t, "containerd", "ctr")
	if os.Geteuid() != 0 {
		needOrSkip(t, "root (containerd runs as root)")
	}
	// Short: a unix socket's path is limited to 107 bytes.
	dir, err := os.MkdirTemp("", "ls-ctrd")
	if err != nil {
		t.Fatal(err)
	}
	sock := filepath.Join(dir, "containerd.sock")
	cfg := fmt.Sprintf("version = 2\nroot = %q\nstate = %q\n[grpc]\n  address = %q\n[ttrpc]\n  address = %q\n[debug]\n  address = %q\n",
		filepath.Join(dir, "root"), filepath.Join(dir, "state"), sock, sock+".ttrpc", filepath.Join(dir, "debug.sock"))
	if err := os.WriteFile(filepath.Join(dir, "config.toml"), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	logf, err := os.Create(filepath.Join(dir, "containerd.log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("containerd", "--config", filepath.Join(dir, "config.toml"))
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			<-done
		}
		logf.Close()
		os.RemoveAll(dir)
	})
	for i := 0; i < 200; i++ {
		if exec.Command("ctr", "--address", sock, "version").Run() == nil {
			return &testContainerd{sock: sock}
		}
		time.Sleep(50 * time.Millisecond)
	}
	b, _ := os.ReadFile(filepath.Join(dir, "containerd.log"))
	t.Fatalf("containerd did not answer on %s:\n%s", sock, lastLine(string(b)))
	return nil
}

// ctr runs ctr against this containerd.
func (c *testContainerd) ctr(t testing.TB, args ...string) string {
	t.Helper()
	return sh(t, "ctr", append([]string{"--address", c.sock}, args...)...)
}

// env points layerscope at this containerd, and at no Docker Engine.
func (c *testContainerd) env(extra ...string) []string {
	return append([]string{"CONTAINERD_ADDRESS=" + c.sock, "DOCKER_HOST=unix:///nonexistent/docker.sock", "CONTAINER_HOST="}, extra...)
}

const ctrdNS = "layerscope-test"

// TestContainerdSameImage: the basic fixture imported into containerd
// reads the same as from its archive, with and without the prefix, and
// nothing is written to the temporary directory: the blobs are read in
// place.
func TestContainerdSameImage(t *testing.T) {
	c := startContainerd(t)
	archive := testdata("fixtures", "basic.docker.tar")
	want := summary(analyzeJSON(t, archive))
	c.ctr(t, "-n", ctrdNS, "images", "import", "--no-unpack", archive)
	// A name no Docker or Podman here has, for the lookup without prefix.
	c.ctr(t, "-n", ctrdNS, "images", "tag", "docker.io/library/"+basicTag, "docker.io/library/layerscope-ctrd-only:1")

	tmp := t.TempDir()
	for _, tc := range []struct {
		name string
		env  []string
		args []string
	}{
		{"prefix and --namespace", nil, []string{"containerd://" + basicTag, "--namespace", ctrdNS}},
		{"full name, CONTAINERD_NAMESPACE", []string{"CONTAINERD_NAMESPACE=" + ctrdNS}, []string{"containerd://docker.io/library/" + basicTag}},
		{"no prefix: after Docker and Podman", []string{"CONTAINERD_NAMESPACE=" + ctrdNS}, []string{"layerscope-ctrd-only:1"}},
		{"--source containerd", nil, []string{"--source", "containerd", "--namespace", ctrdNS, basicTag}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rep := analyzeEnv(t, c.env(append(tc.env, "TMPDIR="+tmp)...), tc.args[0], tc.args[1:]...)
			if got := summary(rep); got != want {
				t.Errorf("containerd and the archive differ:\n%s\nwant\n%s", got, want)
			}
			if rep.Image.Source != "containerd" || !strings.Contains(rep.Image.Name, "layerscope-") || !strings.HasPrefix(rep.Image.Digest, "sha256:") {
				t.Errorf("report names source %q, image %q, digest %q", rep.Image.Source, rep.Image.Name, rep.Image.Digest)
			}
			if left, _ := os.ReadDir(tmp); len(left) != 0 {
				t.Errorf("the temporary directory holds %d files: the image was exported", len(left))
			}
		})
	}
}

// TestContainerdErrors: each way of not finding the image is one line
// naming what was tried, with exit code 2.
func TestContainerdErrors(t *testing.T) {
	c := startContainerd(t)
	c.ctr(t, "-n", ctrdNS, "images", "import", "--no-unpack", testdata("fixtures", "basic.docker.tar"))
	c.ctr(t, "-n", "k8s.io", "images", "import", "--no-unpack", testdata("fixtures", "basic.docker.tar"))
	missing := filepath.Join(t.TempDir(), "no.sock")
	notSock := filepath.Join(t.TempDir(), "file")
	os.WriteFile(notSock, nil, 0o644)
	for _, tc := range []struct {
		name string
		env  []string
		args []string
		want []string
	}{
		{"no socket", []string{"CONTAINERD_ADDRESS=" + missing}, []string{"containerd://" + basicTag},
			[]string{"containerd at " + missing, "no socket there"}},
		{"not a socket", []string{"CONTAINERD_ADDRESS=unix://" + notSock}, []string{"containerd://" + basicTag},
			[]string{"containerd at " + notSock, "not a socket"}},
		{"no such namespace", c.env(), []string{"containerd://" + basicTag, "--namespace", "nope"},
			[]string{`no namespace "nope"`, "it has: k8s.io, " + ctrdNS}},
		{"no such image", c.env("CONTAINERD_NAMESPACE=" + ctrdNS), []string{"containerd://absent:1"},
			[]string{"containerd at " + c.sock + ", namespace " + ctrdNS + ", has no such image absent:1 (nor docker.io/library/absent:1)"}},
		{"default namespace, empty", c.env(), []string{"containerd://" + basicTag},
			[]string{`no namespace "default"`}},
		{"no prefix: every engine named", c.env("CONTAINERD_NAMESPACE=" + ctrdNS), []string{"absent-everywhere:1"},
			[]string{"image not found", "containerd at " + c.sock + ", namespace " + ctrdNS + ", has no such image"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := runEnv(t, tc.env, append([]string{"--json", "-", "--quiet"}, tc.args...)...)
			hostileError(t, r, tc.want[0])
			for _, w := range tc.want[1:] {
				if !strings.Contains(r.stderr, w) {
					t.Errorf("the error does not say %q:\n%s", w, r.stderr)
				}
			}
		})
	}

	t.Run("permission denied", func(t *testing.T) {
		needTool(t, "setpriv")
		// The socket is 0660 root:root; nobody may not connect to it.
		os.Chmod(filepath.Dir(c.sock), 0o755)
		cmd := exec.Command("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", binary, "--json", "-", "--quiet", "containerd://"+basicTag)
		cmd.Env = withEnv(os.Environ(), c.env())
		out, err := cmd.CombinedOutput()
		r := result{stderr: string(out), code: exitCode(t, err)}
		hostileError(t, r, "containerd at "+c.sock+": permission denied")
	})
}

// TestContainerdMultiPlatform: an index imported with every platform
// gives the platform --platform names, and a platform it lacks is an
// error listing those it has.
func TestContainerdMultiPlatform(t *testing.T) {
	c := startContainerd(t)
	idx, err := synth.PlatformIndex(v1.Platform{OS: "linux", Architecture: "amd64"}, v1.Platform{OS: "linux", Architecture: "arm64", Variant: "v8"})
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "multi")
	if err := synth.WriteLayout(dir, "1", idx); err != nil {
		t.Fatal(err)
	}
	tarball := filepath.Join(t.TempDir(), "multi.tar")
	sh(t, "tar", "-C", dir, "-cf", tarball, "oci-layout", "index.json", "blobs")
	c.ctr(t, "-n", ctrdNS, "images", "import", "--no-unpack", "--all-platforms", "--base-name", "docker.io/library/multi", tarball)
	env := c.env("CONTAINERD_NAMESPACE=" + ctrdNS)
	for plat, want := range map[string]string{"linux/amd64": "linux/amd64", "linux/arm64": "linux/arm64/v8"} {
		rep := analyzeEnv(t, env, "containerd://multi:1", "--platform", plat)
		if rep.Image.Platform != want || len(rep.Files) != 1 || rep.Files[0].Path != "/platform" {
			t.Errorf("--platform %s: got %s with files %+v", plat, rep.Image.Platform, rep.Files)
		}
	}
	r := runEnv(t, env, "--json", "-", "--quiet", "--platform", "linux/s390x", "containerd://multi:1")
	hostileError(t, r, "the image has: linux/amd64, linux/arm64/v8")
}
