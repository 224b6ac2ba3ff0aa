package analysis

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/layerscope/layerscope/analysis/synth"
)

type ent = synth.Entry

var (
	file     = synth.File
	dir      = synth.Dir
	symlink  = synth.Symlink
	hardlink = synth.Hardlink
)

func analyze(t testing.TB, layers ...[]ent) *Result {
	t.Helper()
	img, err := synth.Image(layers...)
	if err != nil {
		t.Fatal(err)
	}
	res, err := Analyze(context.Background(), img)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// merged lists the final file system as "path type size [-> link]" lines.
func merged(t testing.TB, r *Result) string {
	t.Helper()
	var lines []string
	if err := r.Files(func(f FileReport) error {
		s := f.Path + " " + f.Type
		if f.Type == "file" {
			s += " " + strconv.FormatInt(f.Size, 10)
		}
		if f.LinkTarget != "" {
			s += " -> " + f.LinkTarget
		}
		lines = append(lines, s)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return strings.Join(lines, "\n")
}
