//go:build linux

package main

import (
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
	"unsafe"
)

// TestDiffExplorerOnATerminal: on a terminal, layerscope diff opens the
// explorer of the diff; q ends it with exit 0.
func TestDiffExplorerOnATerminal(t *testing.T) {
	master, slave := openPTY(t)
	ws := struct{ rows, cols, x, y uint16 }{30, 100, 0, 0}
	if err := ioctl(slave, syscall.TIOCSWINSZ, unsafe.Pointer(&ws)); err != nil {
		t.Fatal(err)
	}
	read := drain(master)
	cmd := exec.Command(binary, "diff", testdata("atix", "atix.tar"), testdata("fixtures", "basic.docker.tar"))
	cmd.Stdin, cmd.Stdout, cmd.Stderr = slave, slave, slave
	cmd.Env = withEnv(cmd.Environ(), []string{"CI=", "NO_COLOR=1"})
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	waitFor(t, func() bool { return strings.Contains(read(), "Files: new's tree") }, "the explorer of the diff")
	if s := read(); !strings.Contains(s, "A 50") || !strings.Contains(s, "size +2.1 MB") {
		t.Errorf("the header does not count the changes:\n%s", read())
	}
	master.Write([]byte("q"))
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("q: %v", err)
		}
	case <-time.After(10 * time.Second):
		cmd.Process.Kill()
		t.Fatal("q did not end the explorer")
	}
}
