package gate

import (
	"strings"
	"testing"
)

func TestSummary(t *testing.T) {
	rep := basicReport(t)
	var b strings.Builder
	if err := WriteSummary(&b, rep); err != nil {
		t.Fatal(err)
	}
	s := b.String()
	for _, want := range []string{
		"## ❌ layerscope: <code>layerscope-fixture:basic</code> FAIL",
		"3 passed, 2 failed, 4 skipped. Efficiency 95.26 %",
		"| rule | result | actual | allowed |",
		"| highestWastedBytes | FAIL | 99 kB (98557 bytes) | 50kB (50000 bytes) |",
		"| highestUserWastedPercent | SKIP |  | disabled |",
		"| <code>/blobs/big-deleted.bin</code> | <code>**/*.bin</code> | 3 ",
		"| 66 kB | <code>/blobs/big-overwritten.bin</code> | layer 3 | layer 15 (overwritten) |",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("the summary lacks %q:\n%s", want, s)
		}
	}
	if strings.Contains(s, "default rules") {
		t.Errorf("defaults named though a file was read")
	}
	rep.Gate.Defaults = true
	b.Reset()
	WriteSummary(&b, rep)
	if !strings.Contains(b.String(), "> "+DefaultsNote) {
		t.Errorf("defaults not named:\n%s", b.String())
	}
}

// Text from the image cannot end a cell, open a tag or break a line.
func TestSummaryEscapes(t *testing.T) {
	rep := basicReport(t)
	rep.Image.Name = "evil|name<script>x</script>\n## injected"
	rep.Image.Wasted[0].Path = "/a|b`c`<img src=x>"
	var b strings.Builder
	WriteSummary(&b, rep)
	s := b.String()
	for _, bad := range []string{"<script>", "<img", "\n## injected", "a|b"} {
		if strings.Contains(s, bad) {
			t.Errorf("the summary holds %q:\n%s", bad, s)
		}
	}
	if !strings.Contains(s, "evil&#124;name&lt;script&gt;") {
		t.Errorf("the name is not escaped:\n%s", s)
	}
}
