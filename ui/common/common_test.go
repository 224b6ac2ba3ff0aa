package common

import (
	"testing"

	"github.com/charmbracelet/x/ansi"
)

func TestBar(t *testing.T) {
	for _, c := range []struct {
		v, largest int64
		want       string
	}{
		{9_400_000, 9_400_000, "██████████"},
		{9, 9_400_000, "▏         "},         // above zero: a visible minimum
		{1_300_000, 9_400_000, "█▍        "}, // 13.8 % of 80 eighths = 11
		{0, 9_400_000, "          "},         // zero draws nothing
		{-1, 9_400_000, "          "},        // unknown draws nothing
		{5, 0, "          "},
	} {
		if got := Bar(c.v, c.largest, 10); got != c.want || ansi.StringWidth(got) != 10 {
			t.Errorf("Bar(%d, %d) = %q, want %q", c.v, c.largest, got, c.want)
		}
	}
	if Bar(9, 9_400_000, 10) == Bar(1_300_000, 9_400_000, 10) {
		t.Error("9 B and 1.3 MB draw alike")
	}
}

func TestCount(t *testing.T) {
	if Count(1, "file", "files") != "1 file" || Count(2, "file", "files") != "2 files" || Count(0, "layer", "layers") != "0 layers" {
		t.Error("plurals")
	}
}
