package tree

import "testing"

func TestPrintable(t *testing.T) {
	for in, want := range map[string]string{
		"plain/path.txt":             "plain/path.txt",
		"ünïcödé ファイル":               "ünïcödé ファイル",
		"evil\x1b]0;pwned\x07name":   "evil?]0;pwned?name",
		"two\nlines\ttab":            "two lines tab",
		"c1\u009bcontrol":            "c1?control",
		"del\x7f":                    "del?",
		"cr\rover":                   "cr?over",
		"raw c1 \x9b2J and \xff\xfe": "raw c1 ?2J and ?",
		"sep\u2028par\u2029":         "sep par ",
		"nel\u0085":                  "nel?",
		"\xe2\x80":                   "?",
	} {
		if got := Printable(in); got != want {
			t.Errorf("Printable(%q) = %q, want %q", in, got, want)
		}
	}
}
