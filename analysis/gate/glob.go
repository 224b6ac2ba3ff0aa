package gate

import (
	"path"
	"strings"
)

// glob is a forbidden-path pattern. "**" stands for any number of
// directories; *, ? and [...] work within one name, as in path.Match. A
// pattern without a slash matches a name anywhere ("id_rsa" is
// "**/id_rsa"); one with a slash matches from the root, with or without
// a leading "/".
type glob struct {
	text string
	segs []string
}

func checkGlob(p string) error {
	for _, s := range splitGlob(p) {
		if s == "" {
			return errEmptySegment
		}
		if _, err := path.Match(s, ""); err != nil {
			return err
		}
	}
	return nil
}

func splitGlob(p string) []string {
	p = strings.TrimPrefix(p, "/")
	if !strings.Contains(p, "/") {
		return []string{"**", p}
	}
	return strings.Split(p, "/")
}

func newGlob(p string) glob { return glob{text: p, segs: splitGlob(p)} }

// match reports whether the absolute path p matches.
func (g glob) match(p string) bool {
	return matchSegs(g.segs, strings.Split(strings.TrimPrefix(p, "/"), "/"))
}

func matchSegs(pat, name []string) bool {
	for len(pat) > 0 {
		if pat[0] == "**" {
			// Zero or more directories: try every split.
			for i := 0; i <= len(name); i++ {
				if matchSegs(pat[1:], name[i:]) {
					return true
				}
			}
			return false
		}
		if len(name) == 0 {
			return false
		}
		if ok, _ := path.Match(pat[0], name[0]); !ok {
			return false
		}
		pat, name = pat[1:], name[1:]
	}
	return len(name) == 0
}
