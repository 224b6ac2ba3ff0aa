// Package details renders the explorer's two information panes: the
// selected layer's details and the image's.
package details

import (
	"fmt"
	"strings"

	"github.com/layerscope/layerscope/tree"

	"github.com/charmbracelet/x/ansi"
	"github.com/dustin/go-humanize"

	"github.com/layerscope/layerscope/analysis"
	"github.com/layerscope/layerscope/analysis/compression"
	"github.com/layerscope/layerscope/ui/common"
	"github.com/layerscope/layerscope/ui/styles"
)

// Image is what the image pane says about where the image came from.
type Image struct {
	Name, Source, Platform string
}

func wrap(s string, width int) string { return ansi.Wrap(s, max(width, 10), " /") }

// fields writes "Name      value" lines, the value wrapped under itself
// when the pane is narrow (a digest is cut instead: its start is what
// one compares).
type fields struct {
	b     strings.Builder
	st    *styles.Styles
	width int
}

const labelW = 11

func (f *fields) add(name, value string) {
	label := f.st.Dim.Render(fmt.Sprintf("%-*s", labelW, name))
	if room := f.width - labelW; room >= 8 && ansi.StringWidth(value) > room {
		value = strings.ReplaceAll(ansi.Wrap(value, room, " "), "\n", "\n"+strings.Repeat(" ", labelW))
	}
	f.b.WriteString(label + value + "\n")
}

func (f *fields) cut(name, value string) {
	f.b.WriteString(f.st.Dim.Render(fmt.Sprintf("%-*s", labelW, name)) + ansi.Truncate(value, max(f.width-labelW, 1), "…") + "\n")
}

// Layer draws layer i's details, width columns wide: what the layer
// weighs and changes first, then its command, then its digests, so that
// a short pane keeps what matters.
func Layer(c *common.Common, i, width int) string {
	st, res := c.Styles, c.Result
	if i < 0 || i >= len(res.Layers) {
		return ""
	}
	l := res.Layers[i]
	f := &fields{st: st, width: width}
	if s, ok := c.Stats(i); ok {
		f.add("Size", size(s.Bytes, l))
		if width < 44 {
			// No-break spaces keep each letter with its number when the
			// line wraps.
			f.add("Changes", fmt.Sprintf("%s\u00a0%d  %s\u00a0%d  %s\u00a0%d", st.Added.Render("A"), s.Added, st.Modified.Render("M"), s.Modified, st.Removed.Render("D"), s.Removed))
		} else {
			f.add("Changes", fmt.Sprintf("%s\u00a0%d\u00a0added  %s\u00a0%d\u00a0modified  %s\u00a0%d\u00a0removed",
				st.Added.Render("A"), s.Added, st.Modified.Render("M"), s.Modified, st.Removed.Render("D"), s.Removed))
		}
		if s.RemovedPaths != s.Removed || s.Opaque > 0 {
			// A removal is one entry however much it took; the tree shows
			// each path it took as a D row.
			what := common.Count(s.RemovedPaths, "path", "paths") + " gone"
			if s.Opaque > 0 {
				what += ", " + common.Count(s.Opaque, "by an opaque directory", "by opaque directories")
			}
			f.add("", st.Dim.Render("("+what+")"))
		}
	} else {
		f.add("Size", "not read yet")
	}
	if res.Done() {
		f.add("Wasted", humanize.Bytes(uint64(l.WastedBytes))+" hidden by later layers")
	}
	cmd := tree.Printable(l.Command)
	if cmd == "" {
		cmd = "(no history)"
	}
	f.add("Command", cmd)
	digest := l.Digest.String()
	if l.Digest.Hex == "" {
		digest = "…"
	}
	f.cut("Digest", digest)
	if l.DiffID.Hex != "" {
		f.cut("Diff ID", l.DiffID.String())
	}
	for _, s := range l.History {
		if !s.EmptyLayer && !s.Created.IsZero() {
			f.add("Created", s.Created.UTC().Format("2006-01-02 15:04:05 UTC"))
			break
		}
	}
	return strings.TrimSuffix(f.b.String(), "\n")
}

// size is "121 MB (40 MB stored, gzip)", or "121 MB, stored
// uncompressed".
func size(bytes int64, l analysis.Layer) string {
	if l.Compression == compression.None {
		return humanize.Bytes(uint64(bytes)) + ", stored uncompressed"
	}
	return fmt.Sprintf("%s (%s stored, %s)", humanize.Bytes(uint64(bytes)), humanize.Bytes(uint64(l.CompressedSizeBytes)), l.Compression)
}

// ImagePane draws the image's details and largest wasted files.
func ImagePane(st *styles.Styles, res *analysis.Result, img Image, width int) string {
	f := &fields{st: st, width: width}
	field := f.add
	field("Image", tree.Printable(img.Name))
	field("Source", img.Source)
	field("Platform", img.Platform)
	if !res.Done() {
		field("Layers", fmt.Sprintf("%d of %d read", res.Merged(), len(res.Layers)))
		return strings.TrimSuffix(f.b.String(), "\n")
	}
	m := res.Metrics
	field("Size", fmt.Sprintf("%s in %s (%s stored)", humanize.Bytes(uint64(m.SizeBytes)), common.Count(len(res.Layers), "layer", "layers"), humanize.Bytes(uint64(m.CompressedSizeBytes))))
	field("Wasted", humanize.Bytes(uint64(m.WastedBytes)))
	// The advice's total beside the efficiency: what could be saved,
	// which the efficiency alone does not show (caches are not waste).
	field("Efficiency", fmt.Sprintf("%.2f %%, %s reclaimable", m.Efficiency*100, humanize.Bytes(uint64(res.Advice().ReclaimableBytes))))
	if !res.Verified() {
		field("Digests", "verifying in the background…")
	}
	for _, w := range res.Warnings {
		f.b.WriteString(st.Error.Render("warning ") + wrap(tree.Printable(w), width-8) + "\n")
	}
	if len(res.Wasted) > 0 {
		f.b.WriteString(st.Dim.Render("Largest wasted files") + "\n")
		for _, w := range res.Wasted[:min(5, len(res.Wasted))] {
			f.b.WriteString(ansi.Truncate(fmt.Sprintf("%8s %s", humanize.Bytes(uint64(w.Bytes)), tree.Printable(w.Path)), width, "…") + "\n")
		}
	}
	return strings.TrimSuffix(f.b.String(), "\n")
}
