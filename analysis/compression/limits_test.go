package compression_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"

	"github.com/layerscope/layerscope/analysis/compression"
	"github.com/layerscope/layerscope/analysis/synth"
)

func TestWindowOverLimitIsRefusedBeforeDecoding(t *testing.T) {
	blob, _ := synth.ZstdWindowLayer(30, 1<<20)
	_, _, err := compression.Reader(bytes.NewReader(blob))
	var ce *compression.Error
	if !errors.As(err, &ce) || !errors.Is(err, compression.ErrWindowTooLarge) {
		t.Fatalf("got %v, want a window error", err)
	}
	if want := "zstd stream needs a 1.0 GiB decoder window, more than the 128 MiB limit"; err.Error() != want {
		t.Errorf("message %q, want %q", err, want)
	}
	// At the limit it decodes.
	blob, _ = synth.ZstdWindowLayer(27, 1<<20)
	zr, _, err := compression.Reader(bytes.NewReader(blob))
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	if n, err := io.Copy(io.Discard, zr); err != nil || n < 1<<20 {
		t.Fatalf("read %d, %v", n, err)
	}
}

func TestLaterFrameOverReservation(t *testing.T) {
	small, _ := synth.ZstdWindowLayer(12, 1<<10)
	big, _ := synth.ZstdWindowLayer(26, 1<<20)
	zr, _, err := compression.Reader(bytes.NewReader(append(small, big...)))
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	_, err = io.Copy(io.Discard, zr)
	if !errors.Is(err, compression.ErrWindowTooLarge) || !strings.Contains(err.Error(), "over the 8.0 MiB of its first frame") {
		t.Fatalf("got %v", err)
	}
}

func TestStreamFaultsAreTyped(t *testing.T) {
	plain := bytes.Repeat([]byte("layer bytes "), 10000)
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(plain)
	zw.Close()
	enc, _ := zstd.NewWriter(nil)
	zs := enc.EncodeAll(plain, nil)
	corrupt := func(b []byte) []byte {
		c := bytes.Clone(b)
		for i := len(c) / 2; i < len(c)/2+16; i++ {
			c[i] ^= 0x5a
		}
		return c
	}
	for _, c := range []struct {
		name string
		in   []byte
		want string
	}{
		{"corrupt zstd", corrupt(zs), "corrupt zstd stream: "},
		{"truncated zstd", zs[:len(zs)/2], "truncated zstd stream"},
		{"corrupt gzip", corrupt(gz.Bytes()), "corrupt gzip stream: "},
		{"truncated gzip", gz.Bytes()[:gz.Len()/2], "truncated gzip stream"},
		{"truncated gzip header", gz.Bytes()[:8], "truncated gzip stream"},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := readAll(bytes.NewReader(c.in))
			var ce *compression.Error
			if !errors.As(err, &ce) || !strings.HasPrefix(err.Error(), c.want) {
				t.Fatalf("got %v (%T), want a *compression.Error starting %q", err, err, c.want)
			}
		})
	}
	// A failure to read the input is not a fault of the stream.
	disk := errors.New("input/output error")
	err := readAll(io.MultiReader(bytes.NewReader(zs[:len(zs)/2]), errReader{disk}))
	if err != disk {
		t.Fatalf("got %v, want the input's own error", err)
	}
}

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }

func readAll(r io.Reader) error {
	zr, _, err := compression.Reader(r)
	if err != nil {
		return err
	}
	defer zr.Close()
	_, err = io.Copy(io.Discard, zr)
	return err
}

// TestBudgetBoundsConcurrentDecoders: eight readers of 64 MiB windows
// sharing a budget for two never hold more than two at once, and all
// finish.
func TestBudgetBoundsConcurrentDecoders(t *testing.T) {
	blob, _ := synth.ZstdWindowLayer(26, 4<<20)
	b := compression.NewBudget(2 * (64<<20 + 1<<20))
	var live, peak atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			zr, _, err := compression.Reader(bytes.NewReader(blob), compression.WithBudget(context.Background(), b))
			if err != nil {
				errs <- err
				return
			}
			n := live.Add(1)
			for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
			}
			_, err = io.Copy(io.Discard, zr)
			live.Add(-1)
			zr.Close()
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if p := peak.Load(); p > 2 || p < 1 {
		t.Errorf("%d decoders at once, want at most 2", p)
	}
	if b.InUse() != 0 {
		t.Errorf("%d bytes still reserved after every Close", b.InUse())
	}
}

func TestBudgetWaitEndsWithContext(t *testing.T) {
	blob, _ := synth.ZstdWindowLayer(26, 1<<10)
	b := compression.NewBudget(64<<20 + 1<<20)
	first, _, err := compression.Reader(bytes.NewReader(blob), compression.WithBudget(context.Background(), b))
	if err != nil {
		t.Fatal(err)
	}
	defer first.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if _, _, err := compression.Reader(bytes.NewReader(blob), compression.WithBudget(ctx, b)); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("got %v, want the context's end", err)
	}
	// A stream bigger than the whole budget is refused, not waited for.
	huge, _ := synth.ZstdWindowLayer(27, 1<<10)
	_, _, err = compression.Reader(bytes.NewReader(huge), compression.WithBudget(context.Background(), b))
	if !errors.Is(err, compression.ErrWindowTooLarge) || !strings.Contains(err.Error(), "decompression budget") {
		t.Fatalf("got %v", err)
	}
}
