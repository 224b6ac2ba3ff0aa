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
	"github.com/layerscope/layerscope/ui/styles"
)

// Image is what the image pane says about where the image came from.
type Image struct {
	Name, Source, Platform string
}

func wrap(s string, width int) string { return ansi.Wrap(s, max(width, 10), " /") }

// Layer draws layer i's details, width columns wide.
func Layer(st *styles.Styles, res *analysis.Result, i, width int) string {
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
	if i < res.Merged() {
		field("Size", fmt.Sprintf("%s (%s stored, %s)", humanize.Bytes(uint64(l.SizeBytes)), humanize.Bytes(uint64(l.CompressedSizeBytes)), l.Compression))
		field("Changes", fmt.Sprintf("%s %d added  %s %d modified  %s %d removed",
			st.Added.Render("A"), l.Added, st.Modified.Render("M"), l.Modified, st.Removed.Render("D"), l.Removed))
	} else {
		field("Size", "reading…")
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
		field("Layers", fmt.Sprintf("%d, %d read", len(res.Layers), res.Merged()))
		return strings.TrimSuffix(b.String(), "\n")
	}
	m := res.Metrics
	field("Size", fmt.Sprintf("%s in %d layers (%s stored)", humanize.Bytes(uint64(m.SizeBytes)), len(res.Layers), humanize.Bytes(uint64(m.CompressedSizeBytes))))
	field("Wasted", humanize.Bytes(uint64(m.WastedBytes)))
	// The advice's total beside the efficiency: what could be saved,
	// which the efficiency alone does not show (caches are not waste).
	field("Efficiency", fmt.Sprintf("%.2f %%, %s reclaimable", m.Efficiency*100, humanize.Bytes(uint64(res.Advice().ReclaimableBytes))))
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
