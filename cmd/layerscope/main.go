// Command layerscope shows what each layer of a container image added,
// changed and deleted, what the final file system holds, and where space is
// wasted.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/layerscope/layerscope/tree"
)

// version is stamped by the release build (-ldflags "-X main.version=...").
var version = "dev"

// Exit codes, as in every layerscope mode. A terminating signal ends the
// program with 128 + its number (130 for SIGINT, 143 for SIGTERM), as a
// shell reports it.
const (
	exitOK     = 0
	exitFailed = 1 // a CI rule failed
	exitError  = 2 // bad input, unreadable image, invalid configuration
	exitSignal = 128
)

// terminating are the signals that end layerscope after it cleaned up
// (spooled exports, half-written reports): the user's ctrl+c and ctrl+\,
// kill's default, and a closed terminal. SIGQUIT's goroutine dump is of no
// use to a user and would leave the spool file behind.
var terminating = []os.Signal{syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGQUIT}

func main() {
	os.Exit(runMain(os.Args[1:]))
}

// runMain runs the command and returns the exit code; every deferred
// cleanup has run when it returns.
func runMain(args []string) int {
	// A closed stdout (`layerscope --json - img | head`) must be an error
	// the program sees, so that it still cleans up, not a silent death.
	signal.Ignore(syscall.SIGPIPE)
	ctx, cancel := context.WithCancelCause(context.Background())
	defer cancel(nil)
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, terminating...)
	stop, stopped := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(stopped)
		select {
		case s := <-sigs:
			cancel(caughtSignal{s.(syscall.Signal)})
		case <-stop:
		}
	}()

	cmd := newRootCmd()
	cmd.SetArgs(args)
	err := cmd.ExecuteContext(ctx)
	// The explorer's bubbletea hears the signals too and may end the run
	// before the goroutine above has seen the signal: look once more.
	close(stop)
	<-stopped
	signal.Stop(sigs)
	select {
	case s := <-sigs:
		cancel(caughtSignal{s.(syscall.Signal)})
	default:
	}
	var sig caughtSignal
	var ee silentExit
	switch {
	case errors.As(context.Cause(ctx), &sig):
		printLine(os.Stderr, sig.Error())
		return exitSignal + int(sig.sig)
	case err == nil:
		return exitOK
	case errors.As(err, &ee):
		return ee.code
	case errors.Is(err, syscall.EPIPE):
		printLine(os.Stderr, "output closed early (broken pipe)")
		return exitSignal + int(syscall.SIGPIPE)
	}
	printLine(os.Stderr, err.Error())
	return exitError
}

// caughtSignal is why the run was cancelled.
type caughtSignal struct{ sig syscall.Signal }

func (c caughtSignal) Error() string {
	if c.sig == syscall.SIGINT {
		return "interrupted"
	}
	return "interrupted by " + signalName(c.sig)
}

func signalName(s syscall.Signal) string {
	switch s {
	case syscall.SIGINT:
		return "SIGINT"
	case syscall.SIGTERM:
		return "SIGTERM"
	case syscall.SIGHUP:
		return "SIGHUP"
	case syscall.SIGQUIT:
		return "SIGQUIT"
	}
	return s.String()
}

// printLine writes one line of layerscope's to stderr, error or warning:
// messages quote images and servers (tags, paths, annotations, replies),
// so control characters, which could rewrite the terminal, and newlines,
// which would make one error look like several, are made harmless here,
// where no message can go around it.
func printLine(w io.Writer, msg string) {
	fmt.Fprintln(w, "layerscope: "+tree.Printable(msg))
}

// warn prints a warning that did not stop the run.
func warn(msg string) { printLine(os.Stderr, "warning: "+msg) }

// silentExit ends the program with code after the failure was reported.
type silentExit struct{ code int }

func (e silentExit) Error() string { return fmt.Sprintf("exit %d", e.code) }
