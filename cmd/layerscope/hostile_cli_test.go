//go:build linux

package main

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/layerscope/layerscope/analysis/synth"
)

// bigDockerArchive is a docker save that takes layerscope a second or
// more to read, long enough to be interrupted.
func bigDockerArchive(t *testing.T) string {
	return synthArchive(t, synth.Spec{Layers: 8, Files: 40000, FileSize: 500})
}

func synthArchive(t *testing.T, spec synth.Spec) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "big.tar")
	if err := synth.WriteDockerArchive(p, "layerscope-signals:1", spec); err != nil {
		t.Fatal(err)
	}
	return p
}

// fakeEngine is a Docker Engine API that serves one image's export: all of
// archive, or, with hang, its first half and then nothing until the client
// goes away (an export in progress).
func fakeEngine(t *testing.T, archive string, hang bool) string {
	t.Helper()
	data, err := os.ReadFile(archive)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Api-Version", "1.47")
		switch p := r.URL.Path; {
		case strings.HasSuffix(p, "/_ping"):
			io.WriteString(w, "OK")
		case strings.HasSuffix(p, "/json") && strings.Contains(p, "/images/"):
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, `{"Id":"sha256:`+strings.Repeat("0", 64)+`","Size":`+strconv.Itoa(len(data))+`}`)
		case strings.HasSuffix(p, "/images/get"):
			w.Header().Set("Content-Type", "application/x-tar")
			if !hang {
				w.Write(data)
				return
			}
			w.Write(data[:len(data)/2])
			w.(http.Flusher).Flush()
			<-r.Context().Done()
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	return "tcp://" + strings.TrimPrefix(srv.URL, "http://")
}

// signalRun is one run of layerscope stopped by a signal.
type signalRun struct {
	args   []string
	env    []string
	ready  func(tmp string) bool // when to send the signal
	stdin  *os.File              // and stderr: a terminal for the explorer
	stderr io.Writer
}

// signalled runs r, sends sig once r.ready says so, and checks that the
// program ended with 128+sig, one "interrupted" line and an empty TMPDIR.
func signalled(t *testing.T, r signalRun, sig syscall.Signal) (stderr string) {
	t.Helper()
	tmp := t.TempDir()
	cmd := exec.Command(binary, r.args...)
	cmd.Env = withEnv(os.Environ(), append([]string{"TMPDIR=" + tmp}, r.env...))
	var errb bytes.Buffer
	cmd.Stderr = &errb
	if r.stderr != nil {
		cmd.Stdin, cmd.Stderr = r.stdin, r.stderr
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	deadline := time.After(60 * time.Second)
	for !r.ready(tmp) {
		select {
		case err := <-exited:
			t.Fatalf("ended before the signal: %v; stderr %q", err, tail(errb.String()))
		case <-deadline:
			cmd.Process.Kill()
			t.Fatal("never ready for the signal")
		case <-time.After(20 * time.Millisecond):
		}
	}
	sent := time.Now()
	cmd.Process.Signal(sig)
	select {
	case <-exited:
	case <-time.After(10 * time.Second):
		cmd.Process.Kill()
		<-exited
		t.Fatalf("still running 10 s after %v", sig)
	}
	if took := time.Since(sent); took > 3*time.Second {
		t.Errorf("took %v to stop after %v", took, sig)
	}
	if got, want := cmd.ProcessState.ExitCode(), 128+int(sig); got != want {
		t.Errorf("exit code %d after %v, want %d (stderr %q)", got, sig, want, tail(errb.String()))
	}
	if entries, _ := os.ReadDir(tmp); len(entries) != 0 {
		t.Errorf("left in TMPDIR after %v: %v", sig, entries)
	}
	if r.stderr == nil {
		want := "layerscope: interrupted"
		if sig != syscall.SIGINT {
			want += " by " + signalName(sig)
		}
		if got := strings.TrimSuffix(errb.String(), "\n"); got != want {
			t.Errorf("stderr %q, want %q", errb.String(), want)
		}
	}
	return errb.String()
}

// spooled reports whether TMPDIR holds an export of at least n bytes.
func spooled(n int64) func(string) bool {
	return func(tmp string) bool {
		entries, _ := os.ReadDir(tmp)
		for _, e := range entries {
			if fi, err := e.Info(); err == nil && fi.Size() >= n {
				return true
			}
		}
		return false
	}
}

func after(d time.Duration) func(string) bool {
	start := time.Now()
	return func(string) bool { return time.Since(start) > d }
}

var allSignals = []syscall.Signal{syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGQUIT}

// reportDir holds an old report that an interrupted run must leave as it
// was, and nothing else.
func reportDir(t *testing.T) (report string, check func()) {
	dir := t.TempDir()
	report = filepath.Join(dir, "report.json")
	if err := os.WriteFile(report, []byte("old report\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return report, func() {
		t.Helper()
		if b, _ := os.ReadFile(report); string(b) != "old report\n" {
			t.Errorf("the old report was replaced: %.40q", b)
		}
		if entries, _ := os.ReadDir(dir); len(entries) != 1 {
			t.Errorf("beside the report: %v", entries)
		}
	}
}

// TestSignalsCleanUp: each terminating signal, during the read of a docker
// archive, during an engine's export and during the read of the export,
// stops layerscope with 128+n and one line, removes the spooled export and
// writes no report (the old one stays).
func TestSignalsCleanUp(t *testing.T) {
	archive := bigDockerArchive(t)
	fi, err := os.Stat(archive)
	if err != nil {
		t.Fatal(err)
	}
	hanging := fakeEngine(t, archive, true)
	full := fakeEngine(t, archive, false)
	for _, sig := range allSignals {
		t.Run(signalName(sig), func(t *testing.T) {
			t.Run("archive", func(t *testing.T) {
				report, check := reportDir(t)
				signalled(t, signalRun{args: []string{"--json", report, "--quiet", archive}, ready: after(100 * time.Millisecond)}, sig)
				check()
			})
			t.Run("export", func(t *testing.T) {
				report, check := reportDir(t)
				signalled(t, signalRun{args: []string{"--json", report, "--quiet", "docker://layerscope-signals:1"},
					env: []string{"DOCKER_HOST=" + hanging}, ready: spooled(1 << 20)}, sig)
				check()
			})
			t.Run("exported", func(t *testing.T) {
				report, check := reportDir(t)
				start := time.Time{}
				ready := func(tmp string) bool {
					if start.IsZero() && spooled(fi.Size())(tmp) {
						start = time.Now()
					}
					return !start.IsZero() && time.Since(start) > 100*time.Millisecond
				}
				signalled(t, signalRun{args: []string{"--json", report, "--quiet", "docker://layerscope-signals:1"},
					env: []string{"DOCKER_HOST=" + full}, ready: ready}, sig)
				check()
			})
		})
	}
}

// TestSignalsCleanUpInTheExplorer: the same in the explorer, on a terminal,
// while the engine exports.
func TestSignalsCleanUpInTheExplorer(t *testing.T) {
	hanging := fakeEngine(t, testdata("fixtures", "basic.docker.tar"), true)
	for _, sig := range allSignals {
		t.Run(signalName(sig), func(t *testing.T) {
			master, slave := openPTY(t)
			screen := drain(master)
			// Signalled once the explorer shows the export in progress.
			ready := func(tmp string) bool { return spooled(1)(tmp) && strings.Contains(screen(), "exporting") }
			signalled(t, signalRun{args: []string{"docker://basic:1"}, env: []string{"DOCKER_HOST=" + hanging, "TERM=xterm"},
				stdin: slave, stderr: slave, ready: ready}, sig)
			waitFor(t, func() bool { return strings.Contains(screen(), "layerscope: interrupted") }, "interrupted line")
		})
	}
}

// TestSignalsDuringDockerExport: with a real Docker Engine, where one runs.
func TestSignalsDuringDockerExport(t *testing.T) {
	needDocker(t)
	// Smaller: the engine prepares the whole export before it streams.
	archive := synthArchive(t, synth.Spec{Layers: 2, Files: 5000, FileSize: 500})
	sh(t, "docker", "load", "-q", "-i", archive)
	t.Cleanup(func() { exec.Command("docker", "rmi", "layerscope-signals:1").Run() })
	for _, sig := range allSignals {
		t.Run(signalName(sig), func(t *testing.T) {
			report, check := reportDir(t)
			signalled(t, signalRun{args: []string{"--json", report, "--quiet", "docker://layerscope-signals:1"}, ready: spooled(1 << 20)}, sig)
			check()
		})
	}
}
