package ui

import (
	"strings"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/layerscope/layerscope/ui/common"
)

// box draws content in a rounded (or thick) border of w×h cells with the
// title set into the top edge.
func box(title, content string, w, h int, edge, titleStyle lipgloss.Style, thick bool) string {
	if w < 4 || h < 2 {
		return ""
	}
	inner := w - 2
	b := lipgloss.RoundedBorder()
	if thick {
		b = lipgloss.ThickBorder()
	}
	fg := func(s string) string { return edge.Render(s) }
	title = ansi.Truncate(" "+title+" ", max(inner-2, 0), "…")
	top := fg(b.TopLeft+b.Top) + titleStyle.Render(title) + fg(strings.Repeat(b.Top, max(inner-1-ansi.StringWidth(title), 0))+b.TopRight)
	var out strings.Builder
	out.WriteString(top + "\n")
	lines := strings.Split(content, "\n")
	left, right := fg(b.Left), fg(b.Right)
	for i := 0; i < h-2; i++ {
		l := ""
		if i < len(lines) {
			l = lines[i]
		}
		out.WriteString(left + common.Fit(l, inner) + right + "\n")
	}
	out.WriteString(fg(b.BottomLeft + strings.Repeat(b.Bottom, inner) + b.BottomRight))
	return out.String()
}
