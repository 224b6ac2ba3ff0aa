package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/layerscope/layerscope/analysis/synth"
)

// runEnv runs layerscope with extra environment variables; "NAME=" removes
// NAME from the environment.
func runEnv(t testing.TB, env []string, args ...string) result {
	t.Helper()
	return runIn(t, "", env, args...)
}

func withEnv(base, env []string) []string {
	out := base
	for _, e := range env {
		name, value, _ := strings.Cut(e, "=")
		out = slices.DeleteFunc(out, func(x string) bool { return strings.HasPrefix(x, name+"=") })
		if value != "" {
			out = append(out, e)
		}
	}
	return out
}

// analyzeEnv is analyzeJSON with extra environment variables.
func analyzeEnv(t testing.TB, env []string, image string, extra ...string) report {
	t.Helper()
	r := runEnv(t, env, append([]string{"--json", "-", "--files", "--quiet", image}, extra...)...)
	if r.code != 0 {
		t.Fatalf("layerscope %s: exit %d\n%s", image, r.code, r.stderr)
	}
	return decodeReport(t, r.stdout)
}

const basicTag = "layerscope-fixture:basic"

// TestEverySourceSameImage: the basic fixture read from its archive, from
// the Docker Engine, from Podman (API socket and command), and from a plain
// and a TLS + basic auth registry gives the same layers, metrics and
// merged tree, and each report names its source.
func TestEverySourceSameImage(t *testing.T) {
	needDocker(t)
	needTool(t, "podman", "skopeo")
	archive := testdata("fixtures", "basic.docker.tar")
	want := summary(analyzeJSON(t, archive))

	sh(t, "docker", "load", "-q", "-i", archive)
	sh(t, "podman", "load", "-q", "-i", archive)
	plain := startRegistry(t, false)
	secure := startRegistry(t, true)
	plainRef := plain.push(t, "docker-archive:"+archive, "basic:1")
	secureRef := secure.push(t, "docker-archive:"+archive, "team/basic:1")
	creds := "DOCKER_CONFIG=" + dockerConfig(t, secure.addr, registryUser, registryPass)
	podmanSock := startPodmanService(t)

	cases := []struct {
		name, image, source string
		env                 []string
		extra               []string
	}{
		{"docker prefix", "docker://" + basicTag, "docker", nil, nil},
		{"engine without prefix", basicTag, "docker", nil, nil},
		{"podman socket", "podman://" + basicTag, "podman", []string{"CONTAINER_HOST=" + podmanSock}, nil},
		{"podman command", "podman://" + basicTag, "podman", []string{"CONTAINER_HOST=", "XDG_RUNTIME_DIR=" + t.TempDir()}, nil},
		{"plain registry", "registry://" + plainRef, "registry", nil, []string{"--insecure"}},
		{"registry found after the engine", plainRef, "registry", nil, []string{"--insecure"}},
		{"TLS registry with auth", "registry://" + secureRef, "registry", []string{creds, "SSL_CERT_FILE=" + secure.cert}, nil},
		{"--source registry", secureRef, "registry", []string{creds, "SSL_CERT_FILE=" + secure.cert}, []string{"--source", "registry"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rep := analyzeEnv(t, c.env, c.image, c.extra...)
			if rep.Image.Source != c.source {
				t.Errorf("source = %q, want %q", rep.Image.Source, c.source)
			}
			if got := summary(rep); got != want {
				t.Errorf("differs from the archive:\n%s\nwant:\n%s", got, want)
			}
			if c.source == "registry" && !strings.HasPrefix(rep.Image.Digest, "sha256:") {
				t.Errorf("registry image without a manifest digest: %q", rep.Image.Digest)
			}
		})
	}
}

// TestAtixFromDocker: `docker load -i atix.tar`, then `layerscope --json -
// atix:tiny`. Docker 20.10 refuses the article's file as it is (its
// diff_id is the author's, not the layer's), so the loadable twin with the
// real diff_id is loaded.
func TestAtixFromDocker(t *testing.T) {
	needDocker(t)
	sh(t, "docker", "load", "-q", "-i", testdata("atix", "atix-loadable.tar"))
	r := runLS(t, "--json", "-", "--files", "atix:tiny")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	rep := decodeReport(t, r.stdout)
	if rep.Image.Name != "atix:tiny" || rep.Image.Source != "docker" || len(rep.Files) != 1 || rep.Files[0].Path != "/hello-atix.txt" {
		t.Errorf("report = %+v, files %+v", rep.Image, rep.Files)
	}
}

// TestDockerContext: a context from the CLI's store picks the engine.
func TestDockerContext(t *testing.T) {
	needDocker(t)
	sh(t, "docker", "load", "-q", "-i", testdata("fixtures", "basic.docker.tar"))
	cfg := t.TempDir()
	env := []string{"DOCKER_CONFIG=" + cfg, "DOCKER_HOST="}
	docker := func(args ...string) {
		cmd := exec.Command("docker", args...)
		cmd.Env = withEnv(os.Environ(), env)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("docker %v: %v\n%s", args, err, out)
		}
	}
	docker("context", "create", "real", "--docker", "host=unix:///var/run/docker.sock")
	docker("context", "create", "dead", "--docker", "host=unix://"+filepath.Join(cfg, "nothing.sock"))

	docker("context", "use", "real")
	if rep := analyzeEnv(t, env, "docker://"+basicTag); rep.Image.Source != "docker" {
		t.Errorf("source %q", rep.Image.Source)
	}
	r := runEnv(t, append(env, "DOCKER_CONTEXT=dead"), "--json", "-", "docker://"+basicTag)
	oneLineError(t, r, "cannot reach Docker at unix://"+filepath.Join(cfg, "nothing.sock"))
}

// TestSourceFailures: every failure is one clear line and exit code 2.
func TestSourceFailures(t *testing.T) {
	needDocker(t)
	secure := startRegistry(t, true)
	secureRef := secure.push(t, "docker-archive:"+testdata("fixtures", "basic.docker.tar"), "basic:1")
	plain := startRegistry(t, false)
	down := startRegistry(t, false)
	down.stop()
	wrong := "DOCKER_CONFIG=" + dockerConfig(t, secure.addr, registryUser, "wrong-password")
	trust := "SSL_CERT_FILE=" + secure.cert

	cases := []struct {
		name string
		env  []string
		args []string
		want string
	}{
		{"engine not running", []string{"DOCKER_HOST=unix:///nonexistent/docker.sock"}, []string{"docker://" + basicTag},
			"cannot reach Docker at unix:///nonexistent/docker.sock"},
		{"image not in the engine", nil, []string{"docker://layerscope-nonexistent:1"}, "has no such image layerscope-nonexistent:1"},
		{"image nowhere", nil, []string{down.addr + "/nothing:1"}, "image not found"},
		{"plain HTTP without --insecure", nil, []string{"registry://" + plain.addr + "/basic:1"}, "speaks plain HTTP: use --insecure"},
		{"registry down", nil, []string{"registry://" + down.addr + "/basic:1"}, "is not reachable: connection refused"},
		{"wrong password", []string{wrong, trust}, []string{"registry://" + secureRef}, "refused the credentials"},
		{"no credentials", []string{"DOCKER_CONFIG=" + t.TempDir(), trust}, []string{"registry://" + secureRef}, "refused the credentials"},
		{"certificate not trusted", []string{"DOCKER_CONFIG=" + t.TempDir()}, []string{"registry://" + secureRef}, "is not trusted"},
		{"not in the registry", []string{"DOCKER_CONFIG=" + dockerConfig(t, secure.addr, registryUser, registryPass), trust},
			[]string{"registry://" + secure.addr + "/nothing:1"}, "has no such image"},
		{"platform not present", []string{"DOCKER_CONFIG=" + dockerConfig(t, secure.addr, registryUser, registryPass), trust},
			[]string{"--platform", "linux/s390x", "registry://" + pushMultiPlatform(t, secure)}, "the image has: linux/amd64, linux/arm64/v8"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := runEnv(t, c.env, append([]string{"--json", "-"}, c.args...)...)
			oneLineError(t, r, c.want)
			if strings.Contains(r.stderr, registryPass) || strings.Contains(r.stderr, "wrong-password") {
				t.Errorf("a password appears in the output: %s", r.stderr)
			}
		})
	}
}

// TestMultiPlatformRegistry picks each platform of an index in a registry.
func TestMultiPlatformRegistry(t *testing.T) {
	reg := startRegistry(t, true)
	ref := pushMultiPlatform(t, reg)
	env := []string{"DOCKER_CONFIG=" + dockerConfig(t, reg.addr, registryUser, registryPass), "SSL_CERT_FILE=" + reg.cert}
	for plat, want := range map[string]string{"linux/amd64": "linux/amd64", "linux/arm64": "linux/arm64/v8"} {
		rep := analyzeEnv(t, env, "registry://"+ref, "--platform", plat)
		if rep.Image.Platform != want || len(rep.Files) != 1 || rep.Files[0].Path != "/platform" {
			t.Errorf("--platform %s: got %s with files %+v", plat, rep.Image.Platform, rep.Files)
		}
	}
}

// pushMultiPlatform pushes an index of a linux/amd64 and a linux/arm64
// image (each holding one file, /platform) plus an attestation-like
// unknown/unknown entry, and returns its reference.
func pushMultiPlatform(t testing.TB, reg *testRegistry) string {
	t.Helper()
	idx, err := synth.PlatformIndex(v1.Platform{OS: "linux", Architecture: "amd64"},
		v1.Platform{OS: "linux", Architecture: "arm64", Variant: "v8"}, v1.Platform{OS: "unknown", Architecture: "unknown"})
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "multi")
	if err := synth.WriteLayout(dir, "multi", idx); err != nil {
		t.Fatal(err)
	}
	return reg.push(t, "oci:"+dir+":multi", "multi:1", "--all")
}
