package main

import (
	"strings"
	"testing"

	"github.com/layerscope/layerscope/analysis/synth"
)

// TestBrokenCorpus: every broken image of the generated corpus gives its
// one-line error naming the image (and the layer where it is about one)
// with exit code 2; the valid one is analysed.
func TestBrokenCorpus(t *testing.T) {
	cases, err := synth.WriteBrokenCorpus(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if len(cases) < 15 {
		t.Fatalf("the corpus has %d cases", len(cases))
	}
	for _, c := range cases {
		t.Run(c.Name, func(t *testing.T) {
			r := runLS(t, "--json", "-", "--quiet", c.Path)
			if c.WantErr == "" {
				if r.code != 0 {
					t.Fatalf("exit %d: %s", r.code, r.stderr)
				}
				return
			}
			oneLineError(t, r, c.WantErr)
			if !strings.Contains(r.stderr, c.Path) {
				t.Errorf("the error does not name the image %s: %s", c.Path, r.stderr)
			}
		})
	}
}
