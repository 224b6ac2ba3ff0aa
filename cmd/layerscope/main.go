// Command layerscope shows what each layer of a container image added,
// changed and deleted, what the final file system holds, and where space is
// wasted.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
)

// version is stamped by the release build (-ldflags "-X main.version=...").
var version = "dev"

// Exit codes, as in every layerscope mode.
const (
	exitOK     = 0
	exitFailed = 1 // a CI rule failed
	exitError  = 2 // bad input, unreadable image, invalid configuration
	exitSignal = 130
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	err := newRootCmd().ExecuteContext(ctx)
	if err == nil {
		return
	}
	if ctx.Err() != nil {
		fmt.Fprintln(os.Stderr, "layerscope: interrupted")
		os.Exit(exitSignal)
	}
	var ee silentExit
	if errors.As(err, &ee) {
		os.Exit(ee.code)
	}
	fmt.Fprintln(os.Stderr, "layerscope: "+err.Error())
	os.Exit(exitError)
}

// silentExit ends the program with code after the failure was reported.
type silentExit struct{ code int }

func (e silentExit) Error() string { return fmt.Sprintf("exit %d", e.code) }
