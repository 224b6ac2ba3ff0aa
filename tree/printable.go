package tree

import (
	"strings"
	"unicode/utf8"
)

// Printable makes text from an image or a server (paths, link targets,
// commands, tags, error replies) safe to draw or print on one line:
// control characters (C0, DEL, C1), which could move the cursor or change
// the terminal, and bytes that are not UTF-8, which a terminal may read as
// C1 controls, become "?"; newlines, tabs and the Unicode line and
// paragraph separators become spaces.
func Printable(s string) string {
	for i := 0; i < len(s); {
		if c := s[i]; c >= 0x20 && c < 0x7f {
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if (r == utf8.RuneError && size == 1) || printableRune(r) != r {
			return strings.Map(printableRune, toValid(s))
		}
		i += size
	}
	return s // the common case, without allocating
}

// toValid replaces each byte that is not part of a UTF-8 character.
func toValid(s string) string { return strings.ToValidUTF8(s, "\x00") }

func printableRune(r rune) rune {
	switch {
	case r == '\n' || r == '\t' || r == '\u2028' || r == '\u2029':
		return ' '
	case r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0):
		return '?'
	}
	return r
}
