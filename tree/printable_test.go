package tree

import "testing"

func TestPrintable(t *testing.T) {
	for in, want := range map[string]string{
		"plain/path.txt":           "plain/path.txt",
		"ünïcödé ファイル":             "ünïcödé ファイル",
		"evil\x1b]0;pwned\x07name": "evil?]0;pwned?name",
		"two\nlines\ttab":          "two lines tab",
		"c1\u009bcontrol":          "c1?control",
		"del\x7f":                  "del?",
	} {
		if got := Printable(in); got != want {
			t.Errorf("Printable(%q) = %q, want %q", in, got, want)
		}
	}
}
