package analysis

import (
	"bufio"
	"context"
	"crypto/sha256"
	"io"
	"sync"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/layerscope/layerscope/analysis/compression"
	"github.com/layerscope/layerscope/analysis/internal/ctxio"
)

// Verifier checks the digests of a result's layers after the fact, so that
// an explorer can show the tree as soon as the headers are read (parsed
// WithoutVerify) and verify in the background. It holds plain values
// taken from the result: it runs on any goroutine and never touches the
// result, whose owner applies what it finds (ApplyVerification).
type Verifier struct {
	layers  []v1.Layer
	diffIDs []v1.Hash
	workers int
}

// Verification is what a Verifier found, layer by layer.
type Verification struct {
	layers []verifiedLayer
}

type verifiedLayer struct {
	digest, diffID v1.Hash
	err            error
}

// Verifier returns a verifier of r's layers (call it on r's owner).
func (r *Result) Verifier() *Verifier {
	v := &Verifier{layers: r.layers, diffIDs: make([]v1.Hash, len(r.layers)), workers: defaultWorkers()}
	for i := range r.Layers {
		v.diffIDs[i] = r.Layers[i].DiffID
	}
	return v
}

// Run hashes every layer blob and its uncompressed tar, a few at a time.
func (v *Verifier) Run(ctx context.Context) *Verification {
	out := &Verification{layers: make([]verifiedLayer, len(v.layers))}
	budget := compression.NewBudget(0)
	sem := make(chan struct{}, v.workers)
	var wg sync.WaitGroup
	for i, l := range v.layers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			select {
			case sem <- struct{}{}:
				defer func() { <-sem }()
			case <-ctx.Done():
				out.layers[i].err = ctx.Err()
				return
			}
			d, id, err := hashLayer(ctx, l, budget)
			out.layers[i] = verifiedLayer{d, id, err}
		}()
	}
	wg.Wait()
	return out
}

// hashLayer returns the SHA-256 of a blob and of its uncompressed tar.
func hashLayer(ctx context.Context, l v1.Layer, budget *compression.Budget) (digest, diffID v1.Hash, err error) {
	rc, err := l.Compressed()
	if err != nil {
		return digest, diffID, err
	}
	defer rc.Close()
	stored := &hashingReader{r: blobReader{ctxio.Reader(ctx, rc)}, h: sha256.New()}
	br := bufio.NewReaderSize(stored, 1<<20)
	zr, kind, err := compression.Reader(br, compression.WithBudget(ctx, budget))
	if err != nil {
		return digest, diffID, tarError(err)
	}
	defer zr.Close()
	plain := sha256.New()
	if kind == compression.None {
		_, err = io.Copy(io.Discard, br)
	} else if _, err = io.Copy(plain, zr); err == nil {
		_, err = io.Copy(io.Discard, br) // what follows the compressed stream
	}
	if err != nil {
		return digest, diffID, tarError(err)
	}
	digest = hashOf(stored.h)
	diffID = digest
	if kind != compression.None {
		diffID = hashOf(plain)
	}
	return digest, diffID, nil
}

// ApplyVerification records what v found: digests the source did not
// state, and a warning for each layer that is not what the manifest or the
// config says (or could not be read again). Call it on r's owner.
func (r *Result) ApplyVerification(v *Verification) {
	for i, vl := range v.layers {
		if i >= len(r.Layers) {
			break
		}
		l := &r.Layers[i]
		switch {
		case vl.err != nil:
			r.warn.addf("layer %d: could not be verified: %v", i, vl.err)
			continue
		case l.Digest.Hex != "" && l.Digest != vl.digest:
			r.warn.addf("layer %d: blob does not match its digest %s (it hashes to %s)", i, l.Digest, vl.digest)
		case l.DiffID.Hex != "" && l.DiffID != vl.diffID:
			r.warn.addf("layer %d: content digest %s does not match the config's diff_id %s", i, vl.diffID, l.DiffID)
		}
		if l.Digest.Hex == "" {
			l.Digest = vl.digest
		}
	}
	r.verified = true
	r.Warnings = r.warn.lines()
}

// Verified reports whether the digests were checked: during the read, or
// afterwards by ApplyVerification.
func (r *Result) Verified() bool { return r.verified }
