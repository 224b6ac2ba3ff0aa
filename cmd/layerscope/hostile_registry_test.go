package main

import (
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/layerscope/layerscope/analysis/synth"
)

// TestHostileRegistryBinary: against each fault of a hostile registry the
// binary exits 2 with one line naming the host (or, where the fault is
// bounded by the stated sizes, analyses the image), in bounded memory and
// time, after a bounded number of requests. Before the guard, the endless
// config ran out of memory in seconds, the redirect loop made ~180,000
// requests in 30 s and a trickle hung forever.
//
// error-json sends ESC sequences in the registry's message: its line is
// clean only with the output sanitiser (cmd/layerscope, issue 10 item 13).
func TestHostileRegistryBinary(t *testing.T) {
	const stall = time.Second
	cases := []struct {
		fault synth.RegistryFault
		want  string // "" for a successful analysis
	}{
		{synth.EndlessConfig, "states a config of 20000000000 bytes"},
		{synth.LongConfig, ""},
		{synth.LongLayer, ""},
		{synth.NegativeLayer, "negative size (-1) for layer 0"},
		{synth.HugeManifest, "sent a manifest larger than 8 MiB"},
		{synth.EndlessManifest, "sent a manifest larger than 8 MiB"},
		{synth.EndlessPing, ""},
		{synth.RedirectLoop, "redirected a manifest more than 10 times"},
		{synth.RedirectLoopBlob, "redirected a blob more than 10 times"},
		{synth.TrickleManifest, "sent nothing for 1s while sending a manifest"},
		{synth.SilentManifest, "sent nothing for 1s while sending a manifest"},
		{synth.TrickleLayer, "sent nothing for 1s while sending a blob"},
		{synth.TrickleToken, "sent nothing for 1s while sending a token"},
		{synth.ErrorBody, "has no such image: 404 Not Found"},
		{synth.ErrorJSON, "has no such image:"},
	}
	for _, c := range cases {
		t.Run(string(c.fault), func(t *testing.T) {
			h, err := synth.NewHostileRegistry(c.fault)
			if err != nil {
				t.Fatal(err)
			}
			h.Trickle = 3 * stall
			srv := httptest.NewServer(h)
			defer srv.Close()
			host := strings.TrimPrefix(srv.URL, "http://")
			r := runBounded(t, bounded{
				Env:     []string{"LAYERSCOPE_STALL_TIMEOUT=" + stall.String(), "DOCKER_CONFIG=" + t.TempDir()},
				Timeout: 60 * time.Second,
			}, "--json", "-", "--quiet", "--insecure", "registry://"+host+"/hostile:1")
			if c.want == "" {
				if r.code != 0 {
					t.Fatalf("exit %d: %s", r.code, tail(r.stderr))
				}
			} else {
				hostileError(t, r.result, c.want)
				if !strings.Contains(r.stderr, host) {
					t.Errorf("the error does not name the host %s: %s", host, r.stderr)
				}
				if len(r.stderr) > 600 {
					t.Errorf("the error line is %d bytes long", len(r.stderr))
				}
			}
			if r.maxRSSKiB > 200<<10 {
				t.Errorf("peak RSS %d MiB", r.maxRSSKiB>>10)
			}
			if r.took > 30*time.Second {
				t.Errorf("took %v", r.took)
			}
			if n := h.Requests(); n > 40 {
				t.Errorf("the registry saw %d requests", n)
			}
			t.Logf("%s: exit %d, %v, peak RSS %d MiB, %d requests: %s", c.fault, r.code, r.took.Round(time.Millisecond),
				r.maxRSSKiB>>10, h.Requests(), strings.TrimSpace(r.stderr))
		})
	}
}

// TestStallTimeoutEnv: a stall timeout that is not a duration is refused.
func TestStallTimeoutEnv(t *testing.T) {
	r := runBounded(t, bounded{Env: []string{"LAYERSCOPE_STALL_TIMEOUT=soon"}}, "--json", "-", "--insecure", "registry://127.0.0.1:1/x:1")
	hostileError(t, r.result, `LAYERSCOPE_STALL_TIMEOUT="soon" is not a positive duration`)
}

// TestHostileEngineBinary: the same against a fake Docker Engine on a unix
// socket (DOCKER_HOST): endless, huge and silent inspect answers, a long
// error message and a trickling export end in one line naming the engine,
// and the spooled export is removed.
//
// inspect-error's message holds ESC sequences: its line is clean only with
// the output sanitiser (cmd/layerscope, issue 10 item 13).
func TestHostileEngineBinary(t *testing.T) {
	const stall = time.Second
	want := map[synth.EngineFault]string{
		synth.EndlessInspect: "the answer to GET /v1.41/images/hostile:1/json is larger than 8 MiB",
		synth.HugeInspect:    "the answer to GET /v1.41/images/hostile:1/json is larger than 8 MiB",
		synth.SilentInspect:  "inspect hostile:1: nothing received for 1s",
		synth.InspectError:   "inspect hostile:1: Error response from daemon:",
		synth.TrickleSave:    "failed midway: nothing received for 1s",
	}
	for _, fault := range synth.EngineFaults {
		t.Run(string(fault), func(t *testing.T) {
			h := &synth.HostileEngine{Fault: fault, Trickle: 3 * stall}
			dir, err := os.MkdirTemp("", "ls-engine") // a short socket path
			if err != nil {
				t.Fatal(err)
			}
			defer os.RemoveAll(dir)
			l, err := net.Listen("unix", filepath.Join(dir, "docker.sock"))
			if err != nil {
				t.Fatal(err)
			}
			srv := &http.Server{Handler: h}
			go srv.Serve(l)
			defer srv.Close()
			host := "unix://" + l.Addr().String()
			r := runBounded(t, bounded{
				Env:     []string{"LAYERSCOPE_STALL_TIMEOUT=" + stall.String(), "DOCKER_HOST=" + host},
				Timeout: 60 * time.Second,
			}, "--json", "-", "--quiet", "docker://hostile:1")
			hostileError(t, r.result, want[fault])
			if !strings.Contains(r.stderr, "Docker at "+host) {
				t.Errorf("the error does not name the engine %s: %s", host, r.stderr)
			}
			if len(r.stderr) > 600 {
				t.Errorf("the error line is %d bytes long", len(r.stderr))
			}
			if r.maxRSSKiB > 200<<10 {
				t.Errorf("peak RSS %d MiB", r.maxRSSKiB>>10)
			}
			if r.took > 30*time.Second {
				t.Errorf("took %v", r.took)
			}
			t.Logf("%s: exit %d, %v, peak RSS %d MiB, %d requests: %s", fault, r.code, r.took.Round(time.Millisecond),
				r.maxRSSKiB>>10, h.Requests(), strings.TrimSpace(r.stderr))
		})
	}
}
