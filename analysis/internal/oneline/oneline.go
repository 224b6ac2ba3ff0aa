// Package oneline shortens text that a server chose before it goes into an
// error: registry and engine messages must neither run on for pages nor
// break the line. (Control bytes are the output's business: main sanitises
// every line it writes.)
package oneline

import (
	"strings"
	"unicode/utf8"
)

// Max is how much of a server's message an error quotes.
const Max = 200

// Short joins s's lines with spaces and cuts it to Max bytes, at a rune
// boundary, marking the cut with "…".
func Short(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) <= Max {
		return s
	}
	cut := Max
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// Error shortens err's message and keeps err for errors.Is and errors.As.
func Error(err error) error {
	if err == nil {
		return nil
	}
	return shortError{err}
}

type shortError struct{ err error }

func (e shortError) Error() string { return Short(e.err.Error()) }
func (e shortError) Unwrap() error { return e.err }
