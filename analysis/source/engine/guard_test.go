package engine_test

import (
	"context"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/layerscope/layerscope/analysis/source/engine"
	"github.com/layerscope/layerscope/analysis/synth"
)

// serveEngine serves h on a unix socket, as the Docker Engine does.
func serveEngine(t *testing.T, h http.Handler) string {
	t.Helper()
	// Socket paths are short (108 bytes): t.TempDir() may be too long.
	dir, err := os.MkdirTemp("", "ls-engine")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	sock := filepath.Join(dir, "docker.sock")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: h}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	return "unix://" + sock
}

// TestHostileEngine: an engine's JSON answers are held to 8 MiB, a request
// that receives nothing is given up after the stall timeout, and a long
// error message stays one short line; nothing is left in the spool
// directory.
func TestHostileEngine(t *testing.T) {
	const stall = 300 * time.Millisecond
	want := map[synth.EngineFault]string{
		synth.EndlessInspect: "inspect hostile:1: the answer to GET /v1.41/images/hostile:1/json is larger than 8 MiB",
		synth.HugeInspect:    "inspect hostile:1: the answer to GET /v1.41/images/hostile:1/json is larger than 8 MiB",
		synth.SilentInspect:  "inspect hostile:1: nothing received for 300ms",
		synth.InspectError:   "inspect hostile:1: Error response from daemon: \x1b[2J\x1b[31mrepository is gone layerscope: all clear",
		synth.TrickleSave:    "exporting from Docker at unix://",
	}
	for _, fault := range synth.EngineFaults {
		t.Run(string(fault), func(t *testing.T) {
			h := &synth.HostileEngine{Fault: fault, Trickle: 3 * stall}
			host := serveEngine(t, h)
			spool := t.TempDir()
			start := time.Now()
			_, err := engine.Save(context.Background(), engine.Endpoint{Engine: "Docker", Host: host}, "hostile:1", spool, nil,
				engine.WithStallTimeout(stall))
			took := time.Since(start)
			if err == nil {
				t.Fatal("no error")
			}
			msg := err.Error()
			if !strings.Contains(msg, want[fault]) || !strings.Contains(msg, host) {
				t.Errorf("error %q does not say %q and name %s", msg, want[fault], host)
			}
			if strings.ContainsAny(msg, "\r\n") || len(msg) > 400 {
				t.Errorf("error is not one short line (%d bytes)", len(msg))
			}
			if took > 10*time.Second {
				t.Errorf("took %v", took)
			}
			if entries, _ := os.ReadDir(spool); len(entries) != 0 {
				t.Errorf("left in the spool directory: %v", entries)
			}
			t.Logf("%s: %d requests, %v: %s", fault, h.Requests(), took.Round(time.Millisecond), msg)
		})
	}
}
