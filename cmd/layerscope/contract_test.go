package main

import (
	"bytes"
	"crypto/sha256"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// bounded is how to run layerscope on hostile input.
type bounded struct {
	Env     []string      // extra environment ("NAME=" unsets)
	Dir     string        // working directory, "" for the test's
	Stdin   io.Reader     // nil for none
	Timeout time.Duration // a generous upper bound for a loaded 2-core machine; 0 means 60 s
}

// boundedResult is what a bounded run printed and used.
type boundedResult struct {
	result
	maxRSSKiB int64 // peak resident memory (ru_maxrss)
	took      time.Duration
}

// runBounded runs layerscope with a private TMPDIR, killing it past the
// time limit (a hang fails the test), and fails the test if anything is
// left in TMPDIR afterwards.
func runBounded(t testing.TB, b bounded, args ...string) boundedResult {
	t.Helper()
	if b.Timeout == 0 {
		b.Timeout = 60 * time.Second
	}
	tmp := t.TempDir()
	// GNU time forks layerscope itself and reports its peak memory: the
	// test process's own rusage would start from the test binary's (the
	// child shares its memory until exec).
	rssFile := filepath.Join(t.TempDir(), "rss")
	cmd := exec.Command("/usr/bin/time", append([]string{"-f", "%M", "-o", rssFile, binary}, args...)...)
	if _, err := os.Stat("/usr/bin/time"); err != nil {
		needOrSkip(t, "GNU time (apt-get install time)")
	}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} // a kill on timeout reaches layerscope too
	cmd.Dir = b.Dir
	cmd.Env = withEnv(os.Environ(), append([]string{"TMPDIR=" + tmp}, b.Env...))
	cmd.Stdin = b.Stdin
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	start := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	timer := time.AfterFunc(b.Timeout, func() { syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) })
	err := cmd.Wait()
	took := time.Since(start)
	if !timer.Stop() {
		t.Fatalf("layerscope %v did not finish within %v (killed); stderr %q", args, b.Timeout, tail(errb.String()))
	}
	code := exitCode(t, err)
	if entries, _ := os.ReadDir(tmp); len(entries) != 0 {
		t.Errorf("left in TMPDIR: %v", entries)
	}
	r := boundedResult{result: result{out.String(), errb.String(), code}, took: took}
	rss, err := os.ReadFile(rssFile)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(rss)), "\n")
	if r.maxRSSKiB, err = strconv.ParseInt(lines[len(lines)-1], 10, 64); err != nil {
		t.Fatalf("GNU time wrote %q", rss)
	}
	return r
}

func tail(s string) string {
	if len(s) > 2000 {
		return "…" + s[len(s)-2000:]
	}
	return s
}

// hostileError checks the contract for bad input as the user meets it:
// exit 2, exactly one "layerscope: " line on stderr that mentions want,
// no ESC or other control byte, no panic or goroutine trace, nothing on
// stdout.
func hostileError(t testing.TB, r result, want string) {
	t.Helper()
	if r.code != 2 {
		t.Errorf("exit code %d, want 2 (stderr %q)", r.code, tail(r.stderr))
	}
	lines := strings.Split(strings.TrimSuffix(r.stderr, "\n"), "\n")
	if len(lines) != 1 || !strings.HasPrefix(lines[0], "layerscope: ") {
		t.Errorf("stderr is not one 'layerscope: ...' line:\n%s", tail(r.stderr))
	}
	noControl(t, "stderr", r.stderr)
	if strings.Contains(r.stderr, "goroutine ") || strings.Contains(r.stderr, "panic:") {
		t.Errorf("a trace on stderr: %s", tail(r.stderr))
	}
	if !strings.Contains(r.stderr, want) {
		t.Errorf("stderr %q does not mention %q", tail(r.stderr), want)
	}
	if r.stdout != "" {
		t.Errorf("stdout not empty on error: %q", tail(r.stdout))
	}
}

// noControl fails if s holds a control byte other than newline.
func noControl(t testing.TB, what, s string) {
	t.Helper()
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < 0x20 && c != '\n') || c == 0x7f {
			t.Errorf("%s holds control byte %#x at %d: %q", what, c, i, tail(s))
			return
		}
	}
}

// unchanged returns a check that the files are as they were when it was
// called: inputs must never be written.
func unchanged(t testing.TB, paths ...string) func() {
	t.Helper()
	sums := make([]string, len(paths))
	for i, p := range paths {
		sum, err := fileSum(p)
		if err != nil {
			t.Fatal(err)
		}
		sums[i] = sum
	}
	return func() {
		t.Helper()
		for i, p := range paths {
			if sum, err := fileSum(p); err != nil || sum != sums[i] {
				t.Errorf("the input %s was changed (%v)", p, err)
			}
		}
	}
}

// fileSum hashes a file, streaming: inputs can be gigabytes, and the
// test process's memory is not to grow with them.
func fileSum(p string) (string, error) {
	f, err := os.Open(p)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return string(h.Sum(nil)), nil
}
