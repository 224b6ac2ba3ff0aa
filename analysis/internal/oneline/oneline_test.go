package oneline

import (
	"errors"
	"io"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestShort(t *testing.T) {
	if got := Short("a\r\nb\n\tc  "); got != "a b c" {
		t.Errorf("Short joined lines into %q", got)
	}
	long := strings.Repeat("é", 500) // two bytes each: a cut may fall inside one
	got := Short(long)
	if len(got) > Max+len("…") || !utf8.ValidString(got) || !strings.HasSuffix(got, "…") {
		t.Errorf("Short(500 runes) = %d bytes, valid %v", len(got), utf8.ValidString(got))
	}
	err := Error(io.ErrUnexpectedEOF)
	if !errors.Is(err, io.ErrUnexpectedEOF) || Error(nil) != nil {
		t.Error("Error loses the wrapped error")
	}
}
