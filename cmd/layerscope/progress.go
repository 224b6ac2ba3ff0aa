package main

import (
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/dustin/go-humanize"

	"github.com/layerscope/layerscope/analysis"
)

// isTerminal reports whether f is a character device (a terminal).
func isTerminal(f *os.File) bool {
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// progressBar draws one self-overwriting line, at most ten times a second.
type progressBar struct {
	w    io.Writer
	mu   sync.Mutex
	last time.Time
	drew bool
}

func newProgressBar(w io.Writer) *progressBar { return &progressBar{w: w} }

func (b *progressBar) update(p analysis.Progress) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if time.Since(b.last) < 100*time.Millisecond && p.LayersDone < p.Layers {
		return
	}
	b.last = time.Now()
	const width = 24
	filled := 0
	if p.BytesTotal > 0 {
		filled = int(min(p.BytesDone, p.BytesTotal) * width / p.BytesTotal)
	}
	bar := make([]rune, width)
	for i := range bar {
		bar[i] = '░'
		if i < filled {
			bar[i] = '█'
		}
	}
	fmt.Fprintf(b.w, "\r\033[Kreading layers %s %d/%d  %s / %s", string(bar), p.LayersDone, p.Layers,
		humanize.Bytes(uint64(p.BytesDone)), humanize.Bytes(uint64(p.BytesTotal)))
	b.drew = true
}

// done clears the line.
func (b *progressBar) done() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.drew {
		fmt.Fprint(b.w, "\r\033[K")
	}
}
