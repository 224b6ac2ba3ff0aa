package main

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
)

// buildContext writes a context whose image wastes 100,000 bytes: the
// second COPY replaces the file of the first.
func buildContext(t testing.TB) string {
	t.Helper()
	dir := t.TempDir()
	big := make([]byte, 100_000)
	rand.Read(big)
	os.WriteFile(filepath.Join(dir, "big.bin"), big, 0o644)
	os.WriteFile(filepath.Join(dir, "small.bin"), []byte("small\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "Dockerfile"), []byte("FROM scratch\nCOPY big.bin /data/file.bin\nCOPY small.bin /data/file.bin\n"), 0o644)
	return dir
}

func uniqueTag(prefix string) string {
	b := make([]byte, 4)
	rand.Read(b)
	return prefix + "-" + hex.EncodeToString(b) + ":1"
}

// builders are the three ways of building: the legacy builder (the docker
// first on PATH has no buildx), BuildKit (the 20.10 client with it built
// in) and Podman.
var builders = []struct {
	name   string
	tool   string
	env    []string
	args   []string
	rmi    []string
	idName string // how the engine names the image ID
	output string // what only this builder prints
}{
	{"legacy", "docker", []string{"DOCKER_BUILDKIT=0"}, nil, []string{"docker", "rmi", "-f"}, "docker", "Step 3/3 : COPY small.bin"},
	{"buildkit", "/usr/bin/docker", []string{"DOCKER_BUILDKIT=1", EngineBinaryEnv + "=/usr/bin/docker"}, nil, []string{"docker", "rmi", "-f"}, "docker", "[internal] load build definition"},
	{"podman", "podman", nil, []string{"--engine", "podman"}, []string{"podman", "rmi", "-f"}, "podman", "STEP 3/3: COPY small.bin"},
}

// TestBuildThenGate: each builder builds the context; the image is read
// by its ID (the one the engine's inspect gives for the tag), the report
// and the gate's exit codes are those of the root command, and the
// --iidfile temp file is gone.
func TestBuildThenGate(t *testing.T) {
	t.Parallel() // mostly waiting on docker build: overlaps with the other builds
	for _, b := range builders {
		t.Run(b.name, func(t *testing.T) {
			if b.idName == "docker" {
				needDocker(t)
			}
			needTool(t, b.tool)
			if b.name == "buildkit" && exec.Command("/usr/bin/docker", "version").Run() != nil {
				needOrSkip(t, "/usr/bin/docker (the 20.10 client with BuildKit)")
			}
			ctx := buildContext(t)
			tag := uniqueTag("layerscope-build-" + b.name)
			t.Cleanup(func() { exec.Command(b.rmi[0], append(b.rmi[1:], tag)...).Run() })
			tmp := t.TempDir()
			env := append([]string{"TMPDIR=" + tmp, "CI="}, b.env...)

			args := append(append([]string{"build", "--json", "-", "--files", "--quiet"}, b.args...), "-t", tag, ctx)
			r := runEnv(t, env, args...)
			if r.code != 0 {
				t.Fatalf("exit %d\n%s", r.code, tail(r.stderr))
			}
			rep := decodeReport(t, r.stdout)
			wantID := strings.TrimSpace(sh(t, b.rmi[0], "image", "inspect", "--format", "{{.Id}}", tag))
			if !strings.HasPrefix(wantID, "sha256:") {
				wantID = "sha256:" + wantID
			}
			if rep.Image.Name != tag || rep.Image.ConfigDigest != wantID || rep.Image.Source != b.idName || rep.Image.WastedBytes != 100_000 {
				t.Errorf("read %s (%s) from %s, wasted %d; want %s (%s) from %s, wasted 100000",
					rep.Image.Name, rep.Image.ConfigDigest, rep.Image.Source, rep.Image.WastedBytes, tag, wantID, b.idName)
			}
			if len(rep.Files) != 2 || rep.Files[1].Path != "/data/file.bin" || rep.Files[1].Size != 6 {
				t.Errorf("files %+v", rep.Files)
			}
			if !strings.Contains(r.stderr, b.output) {
				t.Errorf("the %s build's output is not on stderr: %q", b.name, tail(r.stderr))
			}

			gate := func(limit string) result {
				return runEnv(t, env, append(append([]string{"build", "--ci", "--highestWastedBytes", limit}, b.args...), ctx)...)
			}
			if r := gate("50kB"); r.code != 1 || !strings.Contains(r.stdout, "FAIL  highestWastedBytes") {
				t.Errorf("50kB: exit %d\n%s", r.code, r.stdout)
			}
			if r := gate("200kB"); r.code != 0 || !strings.Contains(r.stdout, "PASS  highestWastedBytes") {
				t.Errorf("200kB: exit %d\n%s", r.code, r.stdout)
			}
			if left, _ := os.ReadDir(tmp); len(left) != 0 {
				t.Errorf("left in TMPDIR: %v", left)
			}
		})
	}
}

// TestBuildFailures: a failed build, a bad engine and our own --iidfile
// are exit 2 with one layerscope line last.
func TestBuildFailures(t *testing.T) {
	needDocker(t)
	ctx := t.TempDir()
	os.WriteFile(filepath.Join(ctx, "Dockerfile"), []byte("FROM scratch\nCOPY missing.txt /\n"), 0o644)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{ctx}, "layerscope: docker build failed: exit status 1"},
		{[]string{"--engine", "rkt", ctx}, `layerscope: unknown --engine "rkt"`},
		{[]string{"--engine-binary", "/nonexistent/docker", ctx}, "layerscope: no /nonexistent/docker command to build with"},
		{[]string{"--iidfile", "x", ctx}, "layerscope: --iidfile is layerscope's own"},
		{[]string{"--", "--iidfile", "x", ctx}, "layerscope: --iidfile is layerscope's own"},
		{[]string{"--ci", "--lowestEfficiency", "95%", ctx}, "lowestEfficiency"},
	} {
		r := runEnv(t, []string{"CI="}, append([]string{"build"}, c.args...)...)
		lines := strings.Split(strings.TrimSpace(r.stderr), "\n")
		if r.code != 2 || !strings.Contains(lines[len(lines)-1], c.want) || r.stdout != "" {
			t.Errorf("%v: exit %d, stdout %q, stderr ends %q; want %q", c.args, r.code, r.stdout, lines[len(lines)-1], c.want)
		}
	}
}

// syncBuffer is a bytes.Buffer safe to read while a process writes it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestBuildInterrupt: SIGINT to layerscope alone (not to its process
// group, as a terminal's ctrl+c would) during a RUN step reaches the
// build, which stops; layerscope exits 130 promptly and leaves no temp
// file.
func TestBuildInterrupt(t *testing.T) {
	needDocker(t)
	sh(t, "docker", "load", "-q", "-i", testdata("fixtures", "basic.docker.tar"))
	ctx := t.TempDir()
	marker := "layerscope-interrupt-" + filepath.Base(ctx)
	os.WriteFile(filepath.Join(ctx, "Dockerfile"), []byte("FROM "+basicTag+"\nRUN echo "+marker+" && sleep 60\n"), 0o644)
	var errb syncBuffer
	stderr := signalled(t, signalRun{
		args:   []string{"build", "--ci", ctx},
		env:    []string{"DOCKER_BUILDKIT=0", "CI="},
		stderr: &errb,
		ready:  func(string) bool { return strings.Count(errb.String(), marker) >= 2 }, // the step, then its echo
	}, syscall.SIGINT)
	if !strings.HasSuffix(stderr+errb.String(), "layerscope: interrupted\n") {
		t.Errorf("stderr ends %q", tail(errb.String()))
	}
	// The build's RUN container is gone: docker stopped the step.
	out := sh(t, "docker", "ps", "-a", "--filter", "status=running", "--format", "{{.Command}}")
	if strings.Contains(out, marker) {
		t.Errorf("the RUN step still runs: %s", out)
	}
}

func TestFirstTag(t *testing.T) {
	for args, want := range map[string]string{
		"-t a:1 .": "a:1", "--tag b:2 -t c .": "b:2", "--tag=d .": "d", "-te:5 .": "e:5", "-t=f .": "f",
		"-f Dockerfile .": "", "--target x .": "", "": "",
	} {
		if got := firstTag(strings.Fields(args)); got != want {
			t.Errorf("firstTag(%s) = %q, want %q", args, got, want)
		}
	}
}
