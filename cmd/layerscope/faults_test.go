package main

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"strings"
	"testing"
)

// faultProxy forwards HTTP to a real server and breaks the answers that
// match: a status code instead of the answer, or the answer cut off after
// half its body by closing the connection.
type faultProxy struct {
	match  func(*http.Request) bool
	status int  // answer with this instead, when not 0
	cut    bool // send half the body, then drop the connection
	minCut int  // cut only answers at least this long
}

func (f *faultProxy) start(t *testing.T, target *url.URL, transport http.RoundTripper) *httptest.Server {
	t.Helper()
	rp := httputil.NewSingleHostReverseProxy(target)
	if transport != nil {
		rp.Transport = transport
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !f.match(r) {
			rp.ServeHTTP(w, r)
			return
		}
		if f.status != 0 {
			http.Error(w, "injected failure", f.status)
			return
		}
		rec := httptest.NewRecorder()
		rp.ServeHTTP(rec, r)
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		body := rec.Body.Bytes()
		if len(body) < f.minCut {
			w.WriteHeader(rec.Code)
			w.Write(body)
			return
		}
		w.WriteHeader(rec.Code)
		w.Write(body[:len(body)/2])
		w.(http.Flusher).Flush()
		conn, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			conn.Close()
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

func isBlob(r *http.Request) bool {
	return strings.Contains(r.URL.Path, "/blobs/sha256:") && r.Method == http.MethodGet
}

// TestRegistryFailsMidway: a registry that drops the connection in the
// middle of a layer, or answers 500 or 404 for blobs, gives a clear error
// and exit code 2, after bounded retries.
func TestRegistryFailsMidway(t *testing.T) {
	reg := startRegistry(t, false)
	ref := reg.push(t, "docker-archive:"+testdata("fixtures", "basic.docker.tar"), "basic:1")
	target, _ := url.Parse("http://" + reg.addr)
	repoPath := strings.SplitN(ref, "/", 2)[1]
	for _, c := range []struct {
		name  string
		fault faultProxy
		want  string
	}{
		// The config is small: only the busybox layer is cut.
		{"connection dropped", faultProxy{match: isBlob, cut: true, minCut: 100_000}, "layer 0"},
		{"500", faultProxy{match: isBlob, status: 500}, "500"},
		{"404", faultProxy{match: isBlob, status: 404}, "404"},
	} {
		t.Run(c.name, func(t *testing.T) {
			srv := c.fault.start(t, target, nil)
			proxied := strings.TrimPrefix(srv.URL, "http://") + "/" + repoPath
			r := runLS(t, "--json", "-", "--insecure", "registry://"+proxied)
			oneLineError(t, r, c.want)
			t.Log(r.stderr)
		})
	}
}

// TestEngineFailsMidway: an engine whose export stops halfway gives a
// clear error and leaves no spooled file.
func TestEngineFailsMidway(t *testing.T) {
	needDocker(t)
	sh(t, "docker", "load", "-q", "-i", testdata("fixtures", "basic.docker.tar"))
	unix := &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, "unix", "/var/run/docker.sock")
	}}
	fault := faultProxy{match: func(r *http.Request) bool { return strings.HasSuffix(r.URL.Path, "/images/get") }, cut: true}
	srv := fault.start(t, &url.URL{Scheme: "http", Host: "docker"}, unix)
	tmp := t.TempDir()
	r := runEnv(t, []string{"DOCKER_HOST=tcp://" + strings.TrimPrefix(srv.URL, "http://"), "TMPDIR=" + tmp}, "--json", "-", "docker://"+basicTag)
	oneLineError(t, r, "exporting from Docker at tcp://")
	t.Log(r.stderr)
	if entries, _ := os.ReadDir(tmp); len(entries) != 0 {
		t.Errorf("spooled export left behind: %v", entries)
	}
}
