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

// Layer draws layer i's details, width columns wide.
func Layer(c *common.Common, i, width int) string {
	st, res := c.Styles, c.Result
	if i < 0 || i >= len(res.Layers) {
		return ""
	}
	l := res.Layers[i]
	var b strings.Builder
	field := func(name, value string) {
		b.WriteString(st.Dim.Render(fmt.Sprintf("%-11s", name)) + value + "\n")
	}
	digest := l.Digest.String()
	if l.Digest.Hex == "" {
		digest = "…"
	}
	field("Digest", digest)
	if l.DiffID.Hex != "" {
		field("Diff ID", l.DiffID.String())
	}
	if s, ok := c.Stats(i); ok {
		field("Size", size(s.Bytes, l))
		field("Changes", fmt.Sprintf("%s %d added  %s %d modified  %s %d removed",
			st.Added.Render("A"), s.Added, st.Modified.Render("M"), s.Modified, st.Removed.Render("D"), s.Removed))
		if s.Opaque > 0 {
			// An opaque directory is one removal however much it hid; the
			// tree shows what it hid as D rows under it.
			field("", st.Dim.Render(fmt.Sprintf("(%s: what %s hid shows under %s)",
				common.Count(s.Opaque, "by an opaque directory", "by opaque directories"),
				pick(s.Opaque, "it", "they"), pick(s.Opaque, "it", "them"))))
		}
	} else {
		field("Size", "not read yet")
	}
	if res.Done() {
		field("Wasted", fmt.Sprintf("%s of this layer is hidden by later layers", humanize.Bytes(uint64(l.WastedBytes))))
	}
	for _, s := range l.History {
		if !s.EmptyLayer && !s.Created.IsZero() {
			field("Created", s.Created.UTC().Format("2006-01-02 15:04:05 UTC"))
			break
		}
	}
	cmd := tree.Printable(l.Command)
	if cmd == "" {
		cmd = "(no history)"
	}
	b.WriteString(st.Dim.Render("Command") + "\n" + wrap(cmd, width))
	return b.String()
}

// size is "121 MB (40 MB stored, gzip)", or "121 MB, stored
// uncompressed".
func size(bytes int64, l analysis.Layer) string {
	if l.Compression == compression.None {
		return humanize.Bytes(uint64(bytes)) + ", stored uncompressed"
	}
	return fmt.Sprintf("%s (%s stored, %s)", humanize.Bytes(uint64(bytes)), humanize.Bytes(uint64(l.CompressedSizeBytes)), l.Compression)
}

func pick(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// ImagePane draws the image's details and largest wasted files.
func ImagePane(st *styles.Styles, res *analysis.Result, img Image, width int) string {
	var b strings.Builder
	field := func(name, value string) {
		b.WriteString(st.Dim.Render(fmt.Sprintf("%-11s", name)) + value + "\n")
	}
	field("Image", tree.Printable(img.Name))
	field("Source", img.Source)
	field("Platform", img.Platform)
	if !res.Done() {
		field("Layers", fmt.Sprintf("%d of %d read", res.Merged(), len(res.Layers)))
		return strings.TrimSuffix(b.String(), "\n")
	}
	m := res.Metrics
	field("Size", fmt.Sprintf("%s in %s (%s stored)", humanize.Bytes(uint64(m.SizeBytes)), common.Count(len(res.Layers), "layer", "layers"), humanize.Bytes(uint64(m.CompressedSizeBytes))))
	field("Wasted", humanize.Bytes(uint64(m.WastedBytes)))
	field("Efficiency", fmt.Sprintf("%.2f %%", m.Efficiency*100))
	if !res.Verified() {
		field("Digests", "verifying in the background…")
	}
	for _, w := range res.Warnings {
		b.WriteString(st.Error.Render("warning ") + wrap(tree.Printable(w), width-8) + "\n")
	}
	if len(res.Wasted) > 0 {
		b.WriteString(st.Dim.Render("Largest wasted files") + "\n")
		for _, w := range res.Wasted[:min(5, len(res.Wasted))] {
			b.WriteString(ansi.Truncate(fmt.Sprintf("%8s %s", humanize.Bytes(uint64(w.Bytes)), tree.Printable(w.Path)), width, "…") + "\n")
		}
	}
	return strings.TrimSuffix(b.String(), "\n")
}
