package analysis

import (
	"context"
	"errors"
	"math"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/layerscope/layerscope/analysis/synth"
)

func TestAddBytes(t *testing.T) {
	for _, c := range []struct {
		a, b int64
		ok   bool
	}{
		{1, 2, true}, {maxBytes, 0, true}, {maxBytes, 1, false}, {math.MaxInt64, 1, false},
		{math.MaxInt64, math.MaxInt64, false}, {-1, 0, false}, {0, math.MinInt64, false},
	} {
		got, err := addBytes(c.a, c.b)
		if (err == nil) != c.ok || (c.ok && got != c.a+c.b) {
			t.Errorf("addBytes(%d, %d) = %d, %v", c.a, c.b, got, err)
		}
	}
}

// analyzeErr analyses layers that must fail and returns the error.
func analyzeErr(t *testing.T, layers ...[]ent) error {
	t.Helper()
	img, err := synth.Image(layers...)
	if err != nil {
		t.Fatal(err)
	}
	_, err = Analyze(context.Background(), img)
	if err == nil {
		t.Fatal("analysed without an error")
	}
	return err
}

// A path past PATH_MAX cannot be unpacked; refusing it bounds the depth
// of the tree and of every listing.
func TestPathLongerThanPathMax(t *testing.T) {
	deep := strings.Repeat("d/", 2100) + "leaf"
	err := analyzeErr(t, []ent{file("ok", "1")}, []ent{file(deep, "x")})
	if !strings.Contains(err.Error(), "layer 1") || !strings.Contains(err.Error(), "longer than any unpacker can create") {
		t.Errorf("error %q", err)
	}
	err = analyzeErr(t, []ent{symlink("l", strings.Repeat("x/", 2100))})
	if !strings.Contains(err.Error(), "layer 0") || !strings.Contains(err.Error(), "links to a path of 4200 bytes") {
		t.Errorf("error %q", err)
	}
}

// Warnings are summarised: a million of one kind are a few lines.
func TestWarningsSummarised(t *testing.T) {
	var l []ent
	for i := 0; i < 2000; i++ {
		l = append(l, ent{Name: "", Body: "x"}) // a non-directory root
	}
	l = append(l, file(".wh..", ""))
	r := analyze(t, l)
	want := []string{
		`layer 0: ignored "": a non-directory entry for the image root`,
		`layer 0: ignored "": a non-directory entry for the image root`,
		`layer 0: ignored "": a non-directory entry for the image root`,
		`layer 0: ignored "": a non-directory entry for the image root`,
		`layer 0: ignored "": a non-directory entry for the image root`,
		"… and 1995 more warnings like the last",
		`layer 0: ignored the invalid whiteout name ".wh.."`,
	}
	if strings.Join(r.Warnings, "\n") != strings.Join(want, "\n") {
		t.Errorf("warnings:\n%s", strings.Join(r.Warnings, "\n"))
	}
}

// When the read ends early (an error, a cancel), no worker is left
// behind: Read returns after all of them.
func TestNoGoroutineLeft(t *testing.T) {
	layers := make([][]ent, 20)
	for i := range layers {
		layers[i] = []ent{file("f", strings.Repeat("x", 1000))}
	}
	img, err := synth.Image(layers...)
	if err != nil {
		t.Fatal(err)
	}
	before := runtime.NumGoroutine()
	for _, workers := range []int{1, 2, 8} {
		ctx, cancel := context.WithCancel(context.Background())
		res, err := Plan(img)
		if err != nil {
			t.Fatal(err)
		}
		p := res.Parse(ctx, WithWorkers(workers))
		// Take two layers but merge neither: the window fills up and
		// workers wait for tokens that never come back.
		for range 2 {
			if _, err := p.Next(); err != nil {
				t.Fatal(err)
			}
		}
		cancel()
		p.Close()
		if _, err := p.Next(); !errors.Is(err, context.Canceled) {
			t.Errorf("after Close: %v", err)
		}
	}
	// Close waits for the workers; their goroutines end right after.
	deadline := time.Now().Add(2 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		buf := make([]byte, 1<<16)
		t.Errorf("%d goroutines before, %d after:\n%s", before, n, buf[:runtime.Stack(buf, true)])
	}
}

func TestMergeOutOfOrder(t *testing.T) {
	img, err := synth.Image([]ent{file("a", "1")}, []ent{file("b", "2")})
	if err != nil {
		t.Fatal(err)
	}
	res, _ := Plan(img)
	p := res.Parse(context.Background())
	defer p.Close()
	p.Next()
	second, err := p.Next()
	if err != nil {
		t.Fatal(err)
	}
	if err := res.Merge(second); err == nil || res.Merged() != 0 {
		t.Errorf("merged layer 1 first: %v", err)
	}
}
