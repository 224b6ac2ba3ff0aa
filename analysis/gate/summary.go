package gate

import (
	"fmt"
	"html"
	"io"
	"strings"

	"github.com/dustin/go-humanize"

	"github.com/layerscope/layerscope/tree"
)

// SummaryEnv is where GitHub Actions wants a step's job summary
// (Markdown, appended to the file it names).
const SummaryEnv = "GITHUB_STEP_SUMMARY"

// WriteSummary writes the report as Markdown for a GitHub job summary: the
// verdict, the metrics, every rule and the largest wasted files. Text from
// the image (paths, commands, names) goes into <code> with HTML escaped
// and | spelled as an entity, so that it can neither end a table cell nor
// add markup.
func WriteSummary(w io.Writer, r Report) error {
	var b strings.Builder
	line := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	img := r.Image
	icon := "✅"
	if r.Gate.Result != string(Pass) {
		icon = "❌"
	}
	line("## %s layerscope: %s %s", icon, code(img.Name), r.Gate.Result)
	line("")
	line("%d passed, %d failed, %d skipped. Efficiency %.2f %%, %s wasted (%.2f %% of the %s above the base layer), %s in %d layers.",
		r.Gate.Passed, r.Gate.Failed, r.Gate.Skipped, img.Efficiency*100, humanize.Bytes(uint64(img.WastedBytes)),
		img.UserWastedPercent*100, humanize.Bytes(uint64(img.UserSizeBytes)), humanize.Bytes(uint64(img.SizeBytes)), len(r.Layers))
	if r.Gate.Defaults {
		line("")
		line("> %s", DefaultsNote)
	}
	line("")
	line("| rule | result | actual | allowed |")
	line("| --- | --- | --- | --- |")
	for _, res := range r.Gate.Results {
		actual, allowed := res.Actual, res.Allowed
		if res.Status == Skip {
			actual, allowed = "", res.Message
		}
		line("| %s | %s | %s | %s |", res.Rule, res.Status, cell(actual), cell(allowed))
	}
	for _, res := range r.Gate.Results {
		if res.Rule != ForbiddenPaths || len(res.Hits) == 0 {
			continue
		}
		line("")
		line("**Forbidden paths**")
		line("")
		line("| path | pattern | layer | still shipped |")
		line("| --- | --- | --- | --- |")
		for _, h := range res.Hits {
			shipped := "visible"
			if h.ShadowedBy != nil {
				shipped = fmt.Sprintf("hidden by layer %d", *h.ShadowedBy)
			}
			line("| %s | %s | %d %s | %s |", code(h.Path), code(h.Pattern), h.Layer, code(h.Command), shipped)
		}
	}
	if n := min(topWasted, len(img.Wasted)); n > 0 {
		line("")
		line("**Largest wasted files** (%d of %d)", n, len(img.Wasted))
		line("")
		line("| bytes | path | added by | %s by |", "hidden")
		line("| ---: | --- | --- | --- |")
		for _, f := range img.Wasted[:n] {
			line("| %s | %s | layer %d | layer %d (%s) |", humanize.Bytes(uint64(f.Bytes)), code(f.Path), f.Layer, f.ShadowedBy, f.How)
		}
	}
	line("")
	_, err := io.WriteString(w, b.String())
	return err
}

// code quotes text from the image for Markdown.
func code(s string) string {
	if s == "" {
		return ""
	}
	return "<code>" + cell(truncate(tree.Printable(s), 120)) + "</code>"
}

// cell makes s safe inside a table cell.
func cell(s string) string {
	return strings.ReplaceAll(html.EscapeString(tree.Printable(s)), "|", "&#124;")
}
