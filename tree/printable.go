package tree

import "strings"

// Printable makes text from an image (paths, link targets, commands) safe
// to draw: control characters, which could move the cursor or change the
// terminal, become "?", and newlines and tabs spaces.
func Printable(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == 0x7f || c == 0xc2 {
			return strings.Map(printableRune, s)
		}
	}
	return s // the common case, without allocating
}

func printableRune(r rune) rune {
	switch {
	case r == '\n' || r == '\t':
		return ' '
	case r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0):
		return '?'
	}
	return r
}
