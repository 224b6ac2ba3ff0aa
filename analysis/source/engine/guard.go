package engine

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/moby/moby/client"

	"github.com/layerscope/layerscope/analysis/source/fsimage"
)

// DefaultStall is how long an engine may send nothing before the request
// is given up.
const DefaultStall = 30 * time.Second

// Option tunes Save.
type Option func(*config)

type config struct {
	stall    time.Duration
	maxJSON  int64
	platform *v1.Platform
	warn     func(string)
}

// WithPlatform asks the engine to save only platform p of a
// multi-platform image, where its API (1.48 and later) can; an older
// engine saves the whole image, and warn, if set, hears why.
func WithPlatform(p v1.Platform, warn func(string)) Option {
	return func(c *config) { c.platform, c.warn = &p, warn }
}

// WithStallTimeout sets how long a request may receive nothing (default
// DefaultStall).
func WithStallTimeout(d time.Duration) Option {
	return func(c *config) {
		if d > 0 {
			c.stall = d
		}
	}
}

func newConfig(opts []Option) config {
	c := config{stall: DefaultStall, maxJSON: fsimage.MaxJSONSize}
	for _, o := range opts {
		o(&c)
	}
	return c
}

// StallError means the engine sent nothing for a while.
type StallError struct{ After time.Duration }

// It is deliberately no net.Error: the API client would turn a timeout
// into "cannot connect" and drop what happened.
func (e *StallError) Error() string {
	return fmt.Sprintf("nothing received for %v; giving up", e.After)
}

// guarded are the client options that bound what the engine can make us
// do: every read on the connection may wait at most c.stall, and every
// answer but the export is held to the JSON cap.
func guarded(e Endpoint, c config) []client.Opt {
	var opts []client.Opt
	if dial := stallDialer(e.Host, c.stall); dial != nil {
		opts = append(opts, client.WithDialContext(dial))
	}
	return append(opts, client.WithResponseHook(func(resp *http.Response) { limitAnswer(resp, c.maxJSON) }))
}

// stallDialer dials host as the API client would and puts a deadline on
// every read; nil for hosts it does not know how to dial.
func stallDialer(host string, stall time.Duration) func(context.Context, string, string) (net.Conn, error) {
	u, err := client.ParseHostURL(host)
	if err != nil {
		return nil
	}
	d := &net.Dialer{Timeout: 10 * time.Second}
	switch u.Scheme {
	case "unix":
		path := u.Host
		return func(ctx context.Context, _, _ string) (net.Conn, error) {
			conn, err := d.DialContext(ctx, "unix", path)
			return wrapConn(conn, err, stall)
		}
	case "tcp", "http", "https":
		// addr is what the transport asks for: the engine, or a proxy.
		return func(ctx context.Context, network, addr string) (net.Conn, error) {
			conn, err := d.DialContext(ctx, network, addr)
			return wrapConn(conn, err, stall)
		}
	}
	return nil
}

func wrapConn(c net.Conn, err error, stall time.Duration) (net.Conn, error) {
	if err != nil {
		return nil, err
	}
	return &stallConn{Conn: c, stall: stall}, nil
}

// stallConn fails a read that waits longer than stall. An idle pooled
// connection fails the same way, which only closes it.
type stallConn struct {
	net.Conn
	stall time.Duration
}

func (c *stallConn) Read(p []byte) (int, error) {
	if err := c.SetReadDeadline(time.Now().Add(c.stall)); err != nil {
		return 0, err
	}
	n, err := c.Conn.Read(p)
	if errors.Is(err, os.ErrDeadlineExceeded) {
		return n, &StallError{c.stall}
	}
	return n, err
}

// isExport tells the image export (GET /images/get), which is spooled to
// disk, from the API's JSON answers.
func isExport(r *http.Request) bool {
	return r != nil && strings.HasSuffix(r.URL.Path, "/get")
}

// limitAnswer holds a JSON answer (ping, version, inspect, errors) to max.
func limitAnswer(resp *http.Response, max int64) {
	if isExport(resp.Request) || resp.Body == nil {
		return
	}
	what := "an answer"
	if resp.Request != nil {
		what = "the answer to " + resp.Request.Method + " " + resp.Request.URL.Path
	}
	tooLarge := &TooLargeError{fmt.Sprintf("%s is larger than %d MiB", what, max>>20)}
	if resp.ContentLength > max {
		resp.Body.Close()
		resp.Body = io.NopCloser(errReader{tooLarge})
		resp.ContentLength = -1
		return
	}
	resp.Body = &capped{rc: resp.Body, left: max, tooLarge: tooLarge}
}

// TooLargeError means an engine's JSON answer went past the cap.
type TooLargeError struct{ msg string }

func (e *TooLargeError) Error() string { return e.msg }

type errReader struct{ err error }

func (r errReader) Read([]byte) (int, error) { return 0, r.err }

// capped fails once more than left bytes have been read.
type capped struct {
	rc       io.ReadCloser
	left     int64
	tooLarge error
}

func (c *capped) Read(p []byte) (int, error) {
	if c.left < 0 {
		return 0, c.tooLarge
	}
	if int64(len(p)) > c.left+1 {
		p = p[:c.left+1]
	}
	n, err := c.rc.Read(p)
	if c.left -= int64(n); c.left < 0 {
		return n, c.tooLarge
	}
	return n, err
}

func (c *capped) Close() error { return c.rc.Close() }
