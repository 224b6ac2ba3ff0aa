// Package registry opens images from an OCI distribution registry with
// go-containerregistry's remote package: credentials from the Docker and
// Podman configs and credential helpers, TLS verified unless told
// otherwise, timeouts and bounded retries. Layers are not downloaded here:
// the analysis streams them, in parallel, when it reads them.
//
// The registry is not trusted: every request passes through a guard that
// caps documents at 8 MiB, redirects at 10, requests per image at
// DefaultMaxRequests, and stops a transfer that receives nothing for
// Limits.Stall (30 s; the command takes LAYERSCOPE_STALL_TIMEOUT). Blobs
// are never read past the size their descriptor states.
package registry

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"syscall"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"

	"github.com/layerscope/layerscope/analysis/internal/oneline"
	"github.com/layerscope/layerscope/analysis/source/platform"
)

// Options tune Load.
type Options struct {
	// Insecure allows plain HTTP and unverified TLS.
	Insecure bool
	// Keychain supplies credentials (default: authn.DefaultKeychain).
	Keychain authn.Keychain
	// Transport replaces the HTTP transport (with its timeouts); the
	// guard that enforces Limits wraps it all the same.
	Transport http.RoundTripper
	// Limits bound sizes, redirects, requests and stalls.
	Limits Limits
}

// Info says what was loaded.
type Info struct {
	Ref      string // fully qualified
	Digest   v1.Hash
	Platform string // when picked from an index
}

// ErrNotFound means the registry answered but has no such image.
var ErrNotFound = errors.New("no such image")

// Load resolves ref to one image, picking plat from a multi-platform index.
func Load(ctx context.Context, ref string, plat v1.Platform, opts Options) (v1.Image, Info, error) {
	var nameOpts []name.Option
	if opts.Insecure {
		nameOpts = append(nameOpts, name.Insecure)
	}
	r, err := name.ParseReference(ref, nameOpts...)
	if err != nil {
		return nil, Info{}, fmt.Errorf("invalid image reference %q: %w", ref, err)
	}
	kc := opts.Keychain
	if kc == nil {
		kc = authn.DefaultKeychain
	}
	rt := opts.Transport
	if rt == nil {
		rt = newTransport(opts.Insecure)
	}
	limits := opts.Limits.withDefaults()
	ropts := []remote.Option{
		remote.WithContext(ctx),
		remote.WithAuthFromKeychain(kc),
		remote.WithTransport(newGuard(rt, limits)),
		remote.WithRetryBackoff(remote.Backoff{Duration: 500 * time.Millisecond, Factor: 2, Jitter: 0.1, Steps: 3}),
	}
	info := Info{Ref: r.Name()}
	reg := r.Context().RegistryStr()
	if !opts.Insecure && r.Context().Scheme() == "http" {
		// go-containerregistry would fall back to plain HTTP for this
		// (local) registry and hide why HTTPS failed: check first.
		if err := checkTLS(ctx, r.Context().Registry.RegistryStr()); err != nil {
			return nil, info, explain(reg, err)
		}
	}
	desc, err := remote.Get(r, ropts...)
	if err != nil {
		return nil, info, explain(reg, err)
	}
	if desc.MediaType.IsIndex() {
		idx, err := desc.ImageIndex()
		if err != nil {
			return nil, info, explain(reg, err)
		}
		im, err := idx.IndexManifest()
		if err != nil {
			return nil, info, explain(reg, err)
		}
		d, err := platform.Select(im.Manifests, plat)
		if err != nil {
			return nil, info, err
		}
		info.Platform = platform.String(*d.Platform)
		img, err := remote.Image(r.Context().Digest(d.Digest.String()), ropts...)
		if err != nil {
			return nil, info, explain(reg, err)
		}
		info.Digest = d.Digest
		return img, info, checkSizes(img, reg, limits)
	}
	img, err := desc.Image()
	if err != nil {
		return nil, info, explain(reg, err)
	}
	info.Digest = desc.Digest
	return img, info, checkSizes(img, reg, limits)
}

// checkSizes refuses descriptors that would make go-containerregistry read
// without bound: it reads a blob up to its stated size (a negative size
// means no limit at all) and the config whole into memory. The config is
// fetched here, once, so that every later use finds it cached.
func checkSizes(img v1.Image, reg string, l Limits) error {
	m, err := img.Manifest()
	if err != nil {
		return explain(reg, err)
	}
	if m == nil { // schema 1: no config blob, layers listed without sizes
		return nil
	}
	if s := m.Config.Size; s < 0 || s > l.MaxJSON {
		return fmt.Errorf("registry %s: the manifest states a config of %d bytes (at most %d MiB allowed)", reg, s, l.MaxJSON>>20)
	}
	for i, d := range m.Layers {
		if d.Size < 0 {
			return fmt.Errorf("registry %s: the manifest states a negative size (%d) for layer %d", reg, d.Size, i)
		}
	}
	if _, err := img.RawConfigFile(); err != nil {
		return explain(reg, fmt.Errorf("reading the config %s: %w", m.Config.Digest, err))
	}
	return nil
}

// errPlainHTTP means a registry answered without TLS.
var errPlainHTTP = errors.New("server gave HTTP response to HTTPS client")

// checkTLS makes a verified TLS handshake with host (host:port).
func checkTLS(ctx context.Context, host string) error {
	if !strings.Contains(host, ":") {
		host += ":443"
	}
	d := tls.Dialer{NetDialer: &net.Dialer{Timeout: 10 * time.Second}}
	conn, err := d.DialContext(ctx, "tcp", host)
	if err != nil {
		var rec tls.RecordHeaderError
		if errors.As(err, &rec) {
			return errPlainHTTP
		}
		return err
	}
	return conn.Close()
}

// newTransport has timeouts on connecting, but none on the whole answer: a
// large layer may take long to stream. The guard stops answers that stall.
func newTransport(insecure bool) http.RoundTripper {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.DialContext = (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext
	t.TLSHandshakeTimeout = 10 * time.Second
	if insecure {
		t.TLSClientConfig = &tls.Config{InsecureSkipVerify: true} //nolint:gosec // the user asked for --insecure
	}
	return t
}

// explain turns transport errors into one line that says what to do.
func explain(registry string, err error) error {
	var lerr *LimitError
	var terr *transport.Error
	var uerr x509.UnknownAuthorityError
	var herr x509.HostnameError
	var cerr *tls.CertificateVerificationError
	switch {
	case errors.As(err, &lerr):
		return lerr // names the host and what it did; the URL around it adds nothing
	case errors.As(err, &terr):
		switch terr.StatusCode {
		case http.StatusUnauthorized:
			return fmt.Errorf("registry %s refused the credentials (check docker login / podman login): %s", registry, firstDiag(terr))
		case http.StatusForbidden:
			return fmt.Errorf("registry %s denied access: %s", registry, firstDiag(terr))
		case http.StatusNotFound:
			return fmt.Errorf("registry %s has %w: %s", registry, ErrNotFound, firstDiag(terr))
		}
		for _, d := range terr.Errors {
			if d.Code == transport.ManifestUnknownErrorCode || d.Code == transport.NameUnknownErrorCode {
				return fmt.Errorf("registry %s has %w: %s", registry, ErrNotFound, oneline.Short(d.Message))
			}
		}
		return fmt.Errorf("registry %s: %s", registry, firstDiag(terr))
	case errors.As(err, &uerr), errors.As(err, &herr), errors.As(err, &cerr):
		return fmt.Errorf("the TLS certificate of registry %s is not trusted (%v); add its CA to the system, or use --insecure", registry, rootCause(err))
	case errors.Is(err, syscall.ECONNREFUSED):
		return fmt.Errorf("registry %s is not reachable: connection refused", registry)
	case errors.Is(err, context.DeadlineExceeded):
		return fmt.Errorf("registry %s did not answer in time", registry)
	}
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		return fmt.Errorf("registry %s is not reachable: %v", registry, dnsErr)
	}
	if errors.Is(err, errPlainHTTP) || strings.Contains(err.Error(), errPlainHTTP.Error()) {
		return fmt.Errorf("registry %s speaks plain HTTP: use --insecure", registry)
	}
	return fmt.Errorf("registry %s: %w", registry, oneline.Error(err))
}

func firstDiag(e *transport.Error) string {
	if len(e.Errors) > 0 && e.Errors[0].Message != "" {
		return oneline.Short(e.Errors[0].Message)
	}
	return fmt.Sprintf("%d %s", e.StatusCode, http.StatusText(e.StatusCode))
}

func rootCause(err error) error {
	for {
		u := errors.Unwrap(err)
		if u == nil {
			return err
		}
		err = u
	}
}
