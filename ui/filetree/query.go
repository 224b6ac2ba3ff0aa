package filetree

import (
	"fmt"
	"path"
	"regexp"
	"strings"

	"github.com/dustin/go-humanize"
)

// query is a parsed filter: words separated by spaces, all of which must
// hold. A word with * ? or [ is a glob, matched against the name (against
// the whole path if it has a /); >SIZE, >=SIZE, <SIZE and <=SIZE compare
// a file's size (1MB, 10k, 512); any other word is a substring of the
// path. In regex mode the words that are not sizes form one regular
// expression matched against the path.
type query struct {
	subs  []string
	globs []glob
	re    *regexp.Regexp
	sizes []sizeTerm
}

// glob is a compiled glob word. The usual shapes (*.so, lib*, *.so*)
// take a string test; the rest path.Match, which costs several times
// more on a walk of every path.
type glob struct {
	pattern string
	path    bool // has a /: matched against the whole path
	match   func(string) bool
}

func compileGlob(w string) (glob, error) {
	if _, err := path.Match(w, ""); err != nil {
		return glob{}, fmt.Errorf("invalid glob %q: %w", w, err)
	}
	g := glob{pattern: w, path: strings.Contains(w, "/")}
	inner := strings.Trim(w, "*")
	// A name has no /, so * there is any run of characters; in a path
	// glob it stops at a /, which path.Match knows.
	plain := !g.path && !strings.ContainsAny(inner, "*?[\\")
	lead, trail := strings.HasPrefix(w, "*"), strings.HasSuffix(w, "*") && len(w) > 1
	switch {
	case plain && lead && trail:
		g.match = func(s string) bool { return strings.Contains(s, inner) }
	case plain && lead:
		g.match = func(s string) bool { return strings.HasSuffix(s, inner) }
	case plain && trail:
		g.match = func(s string) bool { return strings.HasPrefix(s, inner) }
	default:
		g.match = func(s string) bool { ok, _ := path.Match(w, s); return ok }
	}
	return g, nil
}

type sizeTerm struct {
	less, orEqual bool
	n             int64
}

func (t sizeTerm) ok(size int64) bool {
	switch {
	case t.less && t.orEqual:
		return size <= t.n
	case t.less:
		return size < t.n
	case t.orEqual:
		return size >= t.n
	}
	return size > t.n
}

// parseQuery reads text as a filter.
func parseQuery(text string, regex bool) (query, error) {
	var q query
	var rest []string
	for _, w := range strings.Fields(text) {
		if w[0] == '<' || w[0] == '>' {
			t := sizeTerm{less: w[0] == '<'}
			num := w[1:]
			if strings.HasPrefix(num, "=") {
				t.orEqual, num = true, num[1:]
			}
			n, err := humanize.ParseBytes(num)
			if err != nil || n > 1<<62 {
				return q, fmt.Errorf("%q is not a size (try >1MB, <10k, >=512)", w)
			}
			t.n = int64(n)
			q.sizes = append(q.sizes, t)
			continue
		}
		rest = append(rest, w)
	}
	if regex {
		if len(rest) > 0 {
			re, err := regexp.Compile(strings.Join(rest, " "))
			if err != nil {
				return q, fmt.Errorf("invalid regular expression: %w", err)
			}
			q.re = re
		}
		return q, nil
	}
	for _, w := range rest {
		if strings.ContainsAny(w, "*?[") {
			g, err := compileGlob(w)
			if err != nil {
				return q, err
			}
			q.globs = append(q.globs, g)
		} else {
			q.subs = append(q.subs, w)
		}
	}
	return q, nil
}

// empty: the query holds nothing to match.
func (q query) empty() bool {
	return len(q.subs) == 0 && len(q.globs) == 0 && q.re == nil && len(q.sizes) == 0
}

// sizeOK reports whether a file of size passes every size term.
func (q query) sizeOK(size int64) bool {
	for _, t := range q.sizes {
		if !t.ok(size) {
			return false
		}
	}
	return true
}
