package engine

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/client"

	"github.com/layerscope/layerscope/analysis/internal/ctxio"
	"github.com/layerscope/layerscope/analysis/internal/oneline"
)

// ErrNotFound means the engine answered but has no such image.
var ErrNotFound = errors.New("no such image")

// UnreachableError means the engine did not answer.
type UnreachableError struct {
	Endpoint Endpoint
	Err      error
}

func (e *UnreachableError) Error() string {
	return fmt.Sprintf("cannot reach %s: %v", e.Endpoint, e.Err)
}

func (e *UnreachableError) Unwrap() error { return e.Err }

// Progress reports bytes exported so far and the image's size as the
// engine states it (0 if unknown).
type Progress func(done, total int64)

// Save exports ref from the engine into a new file in dir (the system's
// temporary directory if empty) and returns its path. The caller removes
// the file. The export is streamed: the image is never held in memory.
// The engine's answers are held to the JSON cap, and a request that
// receives nothing for the stall timeout is given up.
func Save(ctx context.Context, e Endpoint, ref, dir string, progress Progress, opts ...Option) (string, error) {
	cfg := newConfig(opts)
	c, err := newClient(e, cfg)
	if err != nil {
		return "", err
	}
	defer c.Close()
	pingCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	_, err = c.Ping(pingCtx, client.PingOptions{NegotiateAPIVersion: true})
	cancel()
	if err != nil {
		if cause := guardError(err); cause != nil {
			// It answered, badly: that is no reason to try elsewhere.
			return "", fmt.Errorf("%s: ping: %w", e, cause)
		}
		return "", &UnreachableError{Endpoint: e, Err: unwrapConn(err)}
	}
	insp, err := c.ImageInspect(ctx, ref)
	if err != nil {
		if cerrdefs.IsNotFound(err) {
			return "", fmt.Errorf("%s has %w %s", e, ErrNotFound, oneline.Short(ref))
		}
		return "", fmt.Errorf("%s: inspect %s: %w", e, oneline.Short(ref), cleanError(err))
	}
	rc, err := c.ImageSave(ctx, []string{ref}, saveOptions(e, c.ClientVersion(), cfg)...)
	if err != nil {
		return "", fmt.Errorf("%s: save %s: %w", e, oneline.Short(ref), cleanError(err))
	}
	defer rc.Close()
	return spool(ctx, rc, dir, insp.Size, progress, e.String())
}

// guardError finds a stall or an oversized answer inside the API client's
// wrapping, which would otherwise quote the request URL around it.
func guardError(err error) error {
	var s *StallError
	if errors.As(err, &s) {
		return s
	}
	var t *TooLargeError
	if errors.As(err, &t) {
		return t
	}
	return nil
}

// cleanError keeps the engine's errors to one short line.
func cleanError(err error) error {
	if g := guardError(err); g != nil {
		return g
	}
	return oneline.Error(err)
}

// unwrapConn keeps the client's "Cannot connect ..." message short.
func unwrapConn(err error) error {
	if client.IsErrConnectionFailed(err) {
		return errors.New("the engine is not running or not reachable")
	}
	return err
}

// spool copies r into a new temporary file, removing it on failure.
func spool(ctx context.Context, r io.Reader, dir string, total int64, progress Progress, from string) (string, error) {
	f, err := os.CreateTemp(dir, "layerscope-save-*.tar")
	if err != nil {
		return "", err
	}
	w := &progressWriter{w: f, total: total, progress: progress}
	_, err = io.Copy(w, ctxio.Reader(ctx, r))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(f.Name())
		if ctx.Err() != nil {
			return "", ctx.Err()
		}
		return "", fmt.Errorf("exporting from %s failed midway: %w", from, err)
	}
	return f.Name(), nil
}

type progressWriter struct {
	w        io.Writer
	done     int64
	total    int64
	progress Progress
}

func (p *progressWriter) Write(b []byte) (int, error) {
	n, err := p.w.Write(b)
	p.done += int64(n)
	if p.progress != nil {
		p.progress(p.done, p.total)
	}
	return n, err
}

// PodmanSave exports ref with the podman command (for machines where
// Podman's API socket is not running).
func PodmanSave(ctx context.Context, ref, dir string) (string, error) {
	bin, err := exec.LookPath("podman")
	if err != nil {
		return "", &UnreachableError{Endpoint: Endpoint{Engine: "Podman", Host: "podman"}, Err: errors.New("no Podman API socket and no podman command")}
	}
	f, err := os.CreateTemp(dir, "layerscope-save-*.tar")
	if err != nil {
		return "", err
	}
	f.Close()
	os.Remove(f.Name()) // podman refuses to overwrite
	cmd := exec.CommandContext(ctx, bin, "image", "save", "--format", "docker-archive", "-o", f.Name(), ref)
	out, err := cmd.CombinedOutput()
	if err != nil {
		os.Remove(f.Name())
		if ctx.Err() != nil {
			return "", ctx.Err()
		}
		msg := lastLine(string(out))
		if exists := exec.CommandContext(ctx, bin, "image", "exists", ref).Run(); exists != nil {
			//lint:ignore ST1005 Podman is a name
			return "", fmt.Errorf("Podman has %w %s", ErrNotFound, ref)
		}
		return "", fmt.Errorf("podman image save %s: %s", oneline.Short(ref), oneline.Short(msg))
	}
	return f.Name(), nil
}

func lastLine(s string) string {
	for len(s) > 0 && (s[len(s)-1] == '\n' || s[len(s)-1] == ' ') {
		s = s[:len(s)-1]
	}
	for i := len(s) - 1; i >= 0; i-- {
		if s[i] == '\n' {
			return s[i+1:]
		}
	}
	return s
}
