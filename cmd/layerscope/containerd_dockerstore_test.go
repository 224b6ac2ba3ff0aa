package main

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// Docker Engine 25+ with the containerd image store saves an OCI layout
// beside manifest.json, and a multi-platform image only with the platform
// named (API 1.48+). No such engine runs here: storeEngine answers as one
// would, at a chosen API version, with the committed save of a
// two-platform image (testdata/fixtures/multi.docker25.tar, made by
// docker25-multi.py), and records what the save asked for.
type storeEngine struct {
	host string
	mu   sync.Mutex
	save []string // the query of each /images/get
}

func startStoreEngine(t testing.TB, api, archive string) *storeEngine {
	t.Helper()
	dir, err := os.MkdirTemp("", "ls-eng")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	sock := filepath.Join(dir, "docker.sock")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	fe := &storeEngine{host: "unix://" + sock}
	mux := http.NewServeMux()
	mux.HandleFunc("/_ping", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Api-Version", api)
		w.Header().Set("Ostype", "linux")
		fmt.Fprint(w, "OK")
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		switch {
		case strings.HasSuffix(r.URL.Path, "/images/get"):
			fe.mu.Lock()
			fe.save = append(fe.save, r.URL.RawQuery)
			fe.mu.Unlock()
			http.ServeFile(w, r, archive)
		case strings.HasSuffix(r.URL.Path, "/json") && strings.Contains(r.URL.Path, "/images/"):
			st, _ := os.Stat(archive)
			fmt.Fprintf(w, `{"Id":"sha256:%064d","Size":%d}`, 0, st.Size())
		default:
			http.Error(w, `{"message":"not here"}`, http.StatusNotFound)
		}
	})
	srv := &http.Server{Handler: mux}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	return fe
}

func (fe *storeEngine) saves() []string {
	fe.mu.Lock()
	defer fe.mu.Unlock()
	return append([]string(nil), fe.save...)
}

// TestDockerStorePlatformSave: at API 1.48 the platform goes to the save
// and the image of that platform is read, also where manifest.json lists
// another; at API 1.41 one warning line says the save cannot take it, and
// the platform is still picked from the whole save.
func TestDockerStorePlatformSave(t *testing.T) {
	archive := absTestdata(t, "fixtures", "multi.docker25.tar")
	const ref = "docker://layerscope-fixture:multi"
	for _, c := range []struct {
		api          string
		wantPlatform bool
	}{{"1.48", true}, {"1.41", false}} {
		t.Run("API "+c.api, func(t *testing.T) {
			fe := startStoreEngine(t, c.api, archive)
			env := []string{"DOCKER_HOST=" + fe.host}
			r := runEnv(t, env, "--json", "-", "--files", "--quiet", "--platform", "linux/arm64", ref)
			if r.code != 0 {
				t.Fatalf("exit %d: %s", r.code, r.stderr)
			}
			rep := decodeReport(t, r.stdout)
			if rep.Image.Platform != "linux/arm64/v8" || rep.Image.Source != "docker" || len(rep.Files) != 1 || rep.Files[0].Size != int64(len("linux/arm64/v8\n")) {
				t.Errorf("read %s from %s with files %+v", rep.Image.Platform, rep.Image.Source, rep.Files)
			}
			saves := fe.saves()
			if len(saves) != 1 || strings.Contains(saves[0], "platform=") != c.wantPlatform {
				t.Errorf("the save asked %q; a platform in it: want %v", saves, c.wantPlatform)
			}
			if c.wantPlatform && !strings.Contains(saves[0], "arm64") {
				t.Errorf("the save's platform is not arm64: %q", saves[0])
			}
			warned := strings.Contains(r.stderr, "speaks API "+c.api+", whose image save takes no platform")
			if warned == c.wantPlatform || strings.Count(r.stderr, "\n") != btoi(warned) {
				t.Errorf("stderr %q", r.stderr)
			}

			// No platform named: nothing is passed, and manifest.json's
			// image (the engine's platform) is read, without a warning.
			r = runEnv(t, env, "--json", "-", "--quiet", ref)
			if rep := decodeReport(t, r.stdout); r.code != 0 || rep.Image.Platform != "linux/amd64" || r.stderr != "" {
				t.Errorf("no --platform: exit %d, %s, stderr %q", r.code, rep.Image.Platform, r.stderr)
			}
			if s := fe.saves(); strings.Contains(s[len(s)-1], "platform=") {
				t.Errorf("a platform passed though none was named: %q", s)
			}

			r = runEnv(t, env, "--json", "-", "--quiet", "--platform", "linux/s390x", ref)
			if r.code != 2 || !strings.Contains(r.stderr, "no image for platform linux/s390x; the image has: linux/amd64, linux/arm64/v8") {
				t.Errorf("s390x: exit %d, stderr %q", r.code, r.stderr)
			}
		})
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// TestDockerPlatformSaveRealEngine: the engine here speaks API 1.41 (Docker
// 20.10, no containerd store): a named platform gives the one warning
// line; the platform it has is read, another is one clear error.
func TestDockerPlatformSaveRealEngine(t *testing.T) {
	needDocker(t)
	sh(t, "docker", "load", "-q", "-i", testdata("fixtures", "basic.docker.tar"))
	r := runLS(t, "--json", "-", "--quiet", "--platform", "linux/amd64", "docker://"+basicTag)
	if r.code != 0 || !strings.Contains(r.stderr, "whose image save takes no platform (API 1.48 and later do)") || strings.Count(r.stderr, "\n") != 1 {
		t.Errorf("amd64: exit %d, stderr %q", r.code, r.stderr)
	}
	r = runLS(t, "--json", "-", "--quiet", "--platform", "linux/arm64", "docker://"+basicTag)
	lines := strings.Split(strings.TrimSpace(r.stderr), "\n")
	if r.code != 2 || len(lines) != 2 || !strings.Contains(lines[1], "saved linux/amd64, not linux/arm64/v8") || r.stdout != "" {
		t.Errorf("arm64: exit %d, stderr %q", r.code, r.stderr)
	}
}
