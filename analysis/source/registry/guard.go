package registry

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/layerscope/layerscope/analysis/source/fsimage"
)

// Limits bound what a registry can make layerscope do. A zero field takes
// its default.
type Limits struct {
	// MaxJSON bounds every document that is not a blob: manifests,
	// indexes, tokens, error bodies, the API check (default
	// fsimage.MaxJSONSize, the cap the local sources use). Configs are
	// blobs, bounded by Load through their descriptor.
	MaxJSON int64
	// Stall stops a transfer that receives nothing for this long
	// (default DefaultStall).
	Stall time.Duration
	// MaxRedirects bounds the redirects of one request (default 10, as
	// Go's own client: go-containerregistry's redirect check drops that cap).
	MaxRedirects int
	// MaxRequests bounds all requests for one image, retries and
	// redirects included (default DefaultMaxRequests).
	MaxRequests int64
}

// DefaultStall is how long a transfer may receive nothing.
const DefaultStall = 30 * time.Second

// DefaultMaxRequests is far above what an image needs (a manifest, a
// config and one request per layer, each retried a few times) and far
// below what a misbehaving registry would make of it.
const DefaultMaxRequests = 10_000

func (l Limits) withDefaults() Limits {
	if l.MaxJSON <= 0 {
		l.MaxJSON = fsimage.MaxJSONSize
	}
	if l.Stall <= 0 {
		l.Stall = DefaultStall
	}
	if l.MaxRedirects <= 0 {
		l.MaxRedirects = 10
	}
	if l.MaxRequests <= 0 {
		l.MaxRequests = DefaultMaxRequests
	}
	return l
}

// LimitError says that a registry went past one of the Limits.
type LimitError struct {
	Host   string // the host that was talked to
	Reason string // what it did, e.g. "sent nothing for 30s"
}

func (e *LimitError) Error() string { return "registry " + e.Host + " " + e.Reason }

// guard is the innermost transport: every request go-containerregistry
// makes (API check, tokens, manifests, blobs, each retry and redirect)
// passes through it.
type guard struct {
	next     http.RoundTripper
	limits   Limits
	requests atomic.Int64
}

func newGuard(next http.RoundTripper, l Limits) *guard {
	return &guard{next: next, limits: l.withDefaults()}
}

func (g *guard) RoundTrip(req *http.Request) (*http.Response, error) {
	first, redirects := origin(req)
	host := first.URL.Host
	what := describe(first)
	if n := g.requests.Add(1); n > g.limits.MaxRequests {
		return nil, &LimitError{host, fmt.Sprintf("needed more than %d requests for one image; giving up", g.limits.MaxRequests)}
	}
	if redirects > g.limits.MaxRedirects {
		return nil, &LimitError{host, fmt.Sprintf("redirected %s more than %d times", what, g.limits.MaxRedirects)}
	}
	ctx, cancel := context.WithCancelCause(req.Context())
	stalled := &LimitError{host, fmt.Sprintf("sent nothing for %v while sending %s; giving up", g.limits.Stall, what)}
	dog := time.AfterFunc(g.limits.Stall, func() { cancel(stalled) })
	resp, err := g.next.RoundTrip(req.WithContext(ctx))
	if err != nil {
		dog.Stop()
		cancel(nil)
		if errors.Is(context.Cause(ctx), stalled) {
			return nil, stalled
		}
		return nil, err
	}
	b := &body{rc: resp.Body, ctx: ctx, cancel: cancel, dog: dog, stall: g.limits.Stall, stalled: stalled}
	// A blob's size is bounded by its descriptor (go-containerregistry
	// reads no more than that); everything else by MaxJSON. A HEAD
	// response's Content-Length is the size of what it describes.
	if !isBlob(first) && req.Method != http.MethodHead {
		b.limited, b.left = true, g.limits.MaxJSON
		b.tooLarge = &LimitError{host, fmt.Sprintf("sent %s larger than %d MiB", what, g.limits.MaxJSON>>20)}
		if resp.ContentLength > g.limits.MaxJSON {
			b.Close()
			return nil, b.tooLarge
		}
	}
	resp.Body = b
	if resp.StatusCode >= 400 {
		// Error bodies end up in messages: a real one is a short JSON
		// document, and the rest of a long one only makes the line longer.
		resp.Body = struct {
			io.Reader
			io.Closer
		}{io.LimitReader(b, maxErrorBody), b}
	}
	return resp, nil
}

// maxErrorBody is how much of an error body is read.
const maxErrorBody = 1 << 10

// origin returns the request a redirect chain started with, and how many
// redirects led to req (net/http links each redirect to the response
// that caused it).
func origin(req *http.Request) (*http.Request, int) {
	n := 0
	for req.Response != nil && req.Response.Request != nil {
		req = req.Response.Request
		n++
	}
	return req, n
}

func isBlob(req *http.Request) bool { return strings.Contains(req.URL.Path, "/blobs/") }

// describe names what a request fetches, for messages.
func describe(req *http.Request) string {
	p := req.URL.Path
	switch {
	case strings.Contains(p, "/manifests/"):
		return "a manifest"
	case isBlob(req):
		return "a blob"
	case p == "/v2/" || p == "/v2":
		return "the API check (/v2/)"
	}
	return "a token or other answer"
}

// body enforces the size limit and the stall timeout on a response body.
type body struct {
	rc       io.ReadCloser
	limited  bool
	left     int64 // bytes still allowed, if limited
	tooLarge error
	ctx      context.Context
	cancel   context.CancelCauseFunc
	dog      *time.Timer // cancels ctx with stalled
	stall    time.Duration
	stalled  error
	once     sync.Once
}

func (b *body) Read(p []byte) (int, error) {
	if b.limited {
		if b.left < 0 {
			return 0, b.tooLarge
		}
		if int64(len(p)) > b.left+1 {
			p = p[:b.left+1] // one byte more than allowed tells "too large"
		}
	}
	n, err := b.rc.Read(p)
	if n > 0 {
		b.dog.Reset(b.stall)
	}
	if b.limited {
		if b.left -= int64(n); b.left < 0 {
			return n, b.tooLarge
		}
	}
	if err != nil {
		if errors.Is(context.Cause(b.ctx), b.stalled) {
			return n, b.stalled
		}
		if err == io.EOF {
			b.dog.Stop()
		}
	}
	return n, err
}

func (b *body) Close() error {
	var err error
	b.once.Do(func() {
		b.dog.Stop()
		err = b.rc.Close()
		b.cancel(nil)
	})
	return err
}
