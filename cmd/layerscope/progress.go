package main

import (
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/charmbracelet/x/term"
	"github.com/dustin/go-humanize"

	"github.com/layerscope/layerscope/analysis"
	"github.com/layerscope/layerscope/tree"
)

// isTerminal reports whether f is a terminal: not merely a character
// device, which /dev/null is too.
func isTerminal(f *os.File) bool { return term.IsTerminal(f.Fd()) }

// progressBar draws one self-overwriting line, at most ten times a second.
type progressBar struct {
	w    io.Writer
	mu   sync.Mutex
	last time.Time
	drew bool
}

func newProgressBar(w io.Writer) *progressBar { return &progressBar{w: w} }

func (b *progressBar) update(p analysis.Progress) {
	b.draw(fmt.Sprintf("reading layers %d/%d", p.LayersDone, p.Layers), p.BytesDone, p.BytesTotal, p.LayersDone == p.Layers)
}

// export shows an engine's export before the layers are read.
func (b *progressBar) export(stage string, done, total int64) {
	b.draw(stage, done, total, false)
}

func (b *progressBar) draw(label string, done, total int64, final bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if time.Since(b.last) < 100*time.Millisecond && !final {
		return
	}
	b.last = time.Now()
	const width = 24
	filled := 0
	if total > 0 {
		filled = int(min(done, total) * width / total)
	}
	bar := make([]rune, width)
	for i := range bar {
		bar[i] = '░'
		if i < filled {
			bar[i] = '█'
		}
	}
	of := ""
	if total > 0 {
		of = " / " + humanize.Bytes(uint64(total))
	}
	// The label can name the image: it must not drive the terminal.
	fmt.Fprintf(b.w, "\r\033[K%s %s %s%s", tree.Printable(label), string(bar), humanize.Bytes(uint64(done)), of)
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
