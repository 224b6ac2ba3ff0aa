//go:build linux

package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
	"unsafe"
)

// openPTY returns the two ends of a new pseudo-terminal, through
// /dev/ptmx as posix_openpt does, without a module for it.
func openPTY(t *testing.T) (master, slave *os.File) {
	t.Helper()
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("no pseudo-terminals: %v", err)
	}
	var unlock int32
	var n uint32
	if err := ioctl(m, syscall.TIOCSPTLCK, unsafe.Pointer(&unlock)); err != nil {
		t.Fatal(err)
	}
	if err := ioctl(m, syscall.TIOCGPTN, unsafe.Pointer(&n)); err != nil {
		t.Fatal(err)
	}
	s, err := os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close(); s.Close() })
	return m, s
}

func ioctl(f *os.File, req uintptr, arg unsafe.Pointer) error {
	if _, _, e := syscall.Syscall(syscall.SYS_IOCTL, f.Fd(), req, uintptr(arg)); e != 0 {
		return e
	}
	return nil
}

// drain collects what the program writes to a terminal.
func drain(master *os.File) func() string {
	var mu sync.Mutex
	var out bytes.Buffer
	go func() {
		b := make([]byte, 4096)
		for {
			n, err := master.Read(b)
			mu.Lock()
			out.Write(b[:n])
			mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	return func() string { mu.Lock(); defer mu.Unlock(); return out.String() }
}

// TestIsTerminal: /dev/null is a character device but not a terminal; a
// pseudo-terminal is one.
func TestIsTerminal(t *testing.T) {
	null, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer null.Close()
	file, err := os.Create(filepath.Join(t.TempDir(), "f"))
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	_, slave := openPTY(t)
	for _, c := range []struct {
		f    *os.File
		want bool
	}{{null, false}, {file, false}, {slave, true}} {
		if got := isTerminal(c.f); got != c.want {
			t.Errorf("isTerminal(%s) = %v, want %v", c.f.Name(), got, c.want)
		}
	}
}

// TestProgressOnlyOnATerminal: the progress line is drawn to a terminal,
// and never to a file; with /dev/null as input the explorer is refused
// (it used to take /dev/null for a terminal).
func TestProgressOnlyOnATerminal(t *testing.T) {
	img := testdata("fixtures", "basic.docker.tar")
	out := filepath.Join(t.TempDir(), "r.json")
	master, slave := openPTY(t)
	read := drain(master)
	cmd := exec.Command(binary, "--json", out, img)
	cmd.Stderr = slave
	if err := cmd.Run(); err != nil {
		t.Fatalf("%v: %s", err, read())
	}
	waitFor(t, func() bool { return strings.Contains(read(), "reading layers") }, "the progress line on the terminal")

	logFile := filepath.Join(t.TempDir(), "stderr")
	f, err := os.Create(logFile)
	if err != nil {
		t.Fatal(err)
	}
	cmd = exec.Command(binary, "--json", out, img)
	cmd.Stderr = f
	err = cmd.Run()
	f.Close()
	if b, _ := os.ReadFile(logFile); err != nil || len(b) != 0 {
		t.Errorf("with stderr to a file: %v, stderr %q", err, b)
	}

	cmd = exec.Command(binary, img)
	cmd.Stdin, cmd.Stderr = nil, slave               // nil: /dev/null
	cmd.Env = withEnv(os.Environ(), []string{"CI="}) // CI=true would pick the gate
	err = cmd.Run()
	if cmd.ProcessState.ExitCode() != 2 {
		t.Errorf("the explorer with /dev/null as input: %v", err)
	}
	waitFor(t, func() bool { return strings.Contains(read(), "the explorer needs a terminal") }, "the explorer's refusal")
}

func waitFor(t *testing.T, ok func() bool, what string) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); !ok(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("no %s", what)
		}
	}
}
