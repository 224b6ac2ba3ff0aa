package advice

import (
	"bytes"
	"slices"
	"strconv"
	"strings"
)

// Match is one secret found in some text. Start and End locate the value
// in what was scanned; nothing of the value itself is kept beyond its
// redacted start.
type Match struct {
	Type       string
	Name       string // the variable or key the value is assigned to, if any
	Redacted   string
	Length     int
	Start, End int
}

// A token rule finds a secret of a well-known format. Its anchor is a
// fixed string that every such token contains; the rule is only run where
// bytes.Index finds the anchor, so text without anchors costs one SIMD
// pass per anchor and no per-byte work. check returns the token's span
// given the anchor at i, or ok false.
type tokenRule struct {
	anchor string
	typ    string
	check  func(b []byte, i int) (start, end, shown int, ok bool)
}

func isAlnum(c byte) bool { return c|0x20 >= 'a' && c|0x20 <= 'z' || c >= '0' && c <= '9' }
func isUpperNum(c byte) bool {
	return c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}
func isWordTok(c byte) bool { return isAlnum(c) || c == '_' || c == '-' }
func isB64(c byte) bool     { return isAlnum(c) || c == '+' || c == '/' || c == '=' }

// maxToken bounds every run the rules read: no secret is longer, and a
// hostile file of one endless run then costs each anchor at most this
// much instead of the rest of the file.
const maxToken = 4096

// maxValue bounds a value assigned to a key (a credential file's, AWS's).
const maxValue = 1024

// maxAnchors bounds how many places one rule looks at in one text: a real
// file has a handful; a hostile one of repeated anchors stops costing
// there, so a scan is linear in the text with a small constant.
const maxAnchors = 1024

// run returns the end of the run of bytes in class starting at i, at
// most maxToken bytes on.
func run(b []byte, i int, class func(byte) bool) int { return runN(b, i, maxToken, class) }

// runN is run for at most n bytes.
func runN(b []byte, i, n int, class func(byte) bool) int {
	end := min(len(b), i+n)
	for i < end && class(b[i]) {
		i++
	}
	return i
}

// boundary: nothing alphanumeric right before i.
func boundary(b []byte, i int) bool { return i == 0 || !isAlnum(b[i-1]) }

// prefixed is a rule for "anchor + a run of class", the run's length
// between lo and hi, not followed by more alphanumerics.
func prefixed(anchor, typ string, class func(byte) bool, lo, hi int) tokenRule {
	return tokenRule{anchor, typ, func(b []byte, i int) (int, int, int, bool) {
		if !boundary(b, i) {
			return 0, 0, 0, false
		}
		end := runN(b, i+len(anchor), hi+1, class)
		n := end - i - len(anchor)
		if n < lo || n > hi || (end < len(b) && isAlnum(b[end])) {
			return 0, 0, 0, false
		}
		return i, end, len(anchor), true
	}}
}

var tokenRules = []tokenRule{
	prefixed("ghp_", "GitHub token", isAlnum, 30, 60),
	prefixed("gho_", "GitHub OAuth token", isAlnum, 30, 60),
	prefixed("ghu_", "GitHub token", isAlnum, 30, 60),
	prefixed("ghs_", "GitHub token", isAlnum, 30, 60),
	prefixed("ghr_", "GitHub refresh token", isAlnum, 30, 60),
	prefixed("github_pat_", "GitHub token", func(c byte) bool { return isAlnum(c) || c == '_' }, 50, 120),
	prefixed("AKIA", "AWS access key ID", isUpperNum, 16, 16),
	prefixed("ASIA", "AWS access key ID", isUpperNum, 16, 16),
	prefixed("sk_live_", "Stripe live key", isAlnum, 20, 120),
	prefixed("rk_live_", "Stripe live key", isAlnum, 20, 120),
	prefixed("glpat-", "GitLab token", isWordTok, 20, 60),
	prefixed("npm_", "npm token", isAlnum, 36, 36),
	prefixed("AIza", "Google API key", isWordTok, 35, 35),
	prefixed("pypi-AgEIcHlwaS5vcmc", "PyPI token", isWordTok, 50, 300),
	{"xox", "Slack token", slackToken},
	{"hooks.slack.com/services/", "Slack webhook URL", slackWebhook},
	{"aws_secret_access_key", "AWS secret access key", awsSecret},
	{"AWS_SECRET_ACCESS_KEY", "AWS secret access key", awsSecret},
	{"PRIVATE KEY", "private key", privateKey},
}

func slackToken(b []byte, i int) (int, int, int, bool) {
	if !boundary(b, i) || i+5 > len(b) || !strings.ContainsRune("baprse", rune(b[i+3])) || b[i+4] != '-' {
		return 0, 0, 0, false
	}
	end := runN(b, i+5, 256, isWordTok)
	return i, end, 5, end-i-5 >= 20 && end-i-5 < 256
}

func slackWebhook(b []byte, i int) (int, int, int, bool) {
	start := i + len("hooks.slack.com/services/")
	end := runN(b, start, 256, func(c byte) bool { return isAlnum(c) || c == '/' })
	return start, end, 1, end-start >= 20 && end-start < 256
}

// awsSecret is the value assigned to the key: KEY=v, KEY: v, "KEY": "v".
func awsSecret(b []byte, i int) (int, int, int, bool) {
	s, e, ok := assigned(b, i+len("aws_secret_access_key"), 128)
	if !ok || e-s < 16 || run(b, s, isB64) != e {
		return 0, 0, 0, false
	}
	return s, e, 0, true
}

// assigned returns the value (shorter than limit) after a key that ends at i: optional closing
// quote, spaces, = or :, spaces, optional opening quote, then a value up to
// whitespace, a quote or a separator.
func assigned(b []byte, i, limit int) (start, end int, ok bool) {
	if i < len(b) && (b[i] == '"' || b[i] == '\'') {
		i++
	}
	i = run(b, i, func(c byte) bool { return c == ' ' || c == '\t' })
	if i >= len(b) || (b[i] != '=' && b[i] != ':') {
		return 0, 0, false
	}
	i = run(b, i+1, func(c byte) bool { return c == ' ' || c == '\t' })
	if i < len(b) && (b[i] == '"' || b[i] == '\'') {
		i++
	}
	end = run(b, i, func(c byte) bool {
		return c > ' ' && c != '"' && c != '\'' && c != ',' && c != ';' && c != '}' && c != 0x7f
	})
	if end == i || b[i] == '$' {
		return 0, 0, false
	}
	return i, end, true
}

// privateKey matches a PEM or OpenSSH private key block with a body, from
// "-----BEGIN … PRIVATE KEY-----" to its END line (or as far as was read).
// A line that merely names the format, without key material after it, is
// not a key.
func privateKey(b []byte, i int) (int, int, int, bool) {
	// The BEGIN line is short: look back 40 bytes, not to the line's
	// start (a hostile line of repeated anchors would be quadratic).
	from := max(0, i-40)
	if nl := bytes.LastIndexByte(b[from:i], '\n'); nl >= 0 {
		from += nl + 1
	}
	begin := bytes.LastIndex(b[from:i], []byte("-----BEGIN "))
	if begin < 0 {
		return 0, 0, 0, false
	}
	begin += from
	algo := string(b[begin+len("-----BEGIN ") : i])
	if strings.Trim(algo, "ABCDEFGHIJKLMNOPQRSTUVWXYZ ") != "" {
		return 0, 0, 0, false
	}
	rest := b[i+len("PRIVATE KEY"):]
	var head int
	switch {
	case bytes.HasPrefix(rest, []byte("-----")):
		head = i + len("PRIVATE KEY-----")
	case bytes.HasPrefix(rest, []byte(" BLOCK-----")):
		head = i + len("PRIVATE KEY BLOCK-----")
	default:
		return 0, 0, 0, false
	}
	// Key material: at least 64 base64 characters in the next lines,
	// after any "Proc-Type:"-style headers.
	body, n := head, 0
	for body < len(b) && body < head+600 && n < 64 {
		switch c := b[body]; {
		case isB64(c):
			n++
		case c == ':':
			n = 0 // a header line, not the body
		}
		body++
	}
	if n < 64 {
		return 0, 0, 0, false
	}
	end := len(b)
	if j := bytes.Index(b[head:], []byte("-----END ")); j >= 0 {
		end = head + j + len("-----END ")
		if k := bytes.Index(b[end:min(len(b), end+60)], []byte("-----")); k >= 0 {
			end += k + len("-----")
		}
	}
	return begin, end, head - begin, true
}

// distinct counts the different bytes of v, up to 3.
func distinct(v []byte) int {
	var seen [256]bool
	n := 0
	for _, c := range v {
		if !seen[c] {
			seen[c] = true
			if n++; n == 3 {
				break
			}
		}
	}
	return n
}

// keyType names a private key by its BEGIN line.
func keyType(b []byte) string {
	line := string(b[:min(len(b), 60)])
	for _, t := range []struct{ in, name string }{
		{"OPENSSH", "OpenSSH"}, {"RSA", "RSA"}, {"EC ", "EC"}, {"DSA", "DSA"}, {"PGP", "PGP"}, {"ENCRYPTED", "encrypted"},
	} {
		if strings.Contains(line, t.in) {
			return "private key (" + t.name + ")"
		}
	}
	return "private key"
}

// redact shows the first shown bytes of a value (a format's fixed prefix)
// and two more, but never more than half of it, then "…". A key's BEGIN
// line is shown alone: it names the format, not the material.
func redact(v []byte, shown int) string {
	n := min(shown+2, len(v)/2)
	if bytes.HasPrefix(v, []byte("-----BEGIN ")) && shown < len(v) {
		n = shown
	}
	return string(bytes.ToValidUTF8(v[:max(n, 0)], nil)) + "…"
}

func newMatch(b []byte, typ, name string, start, end, shown int) Match {
	return Match{Type: typ, Name: name, Redacted: redact(b[start:end], shown), Length: end - start, Start: start, End: end}
}

// scanTokens finds the well-known token formats in b.
func scanTokens(b []byte, out []Match) []Match {
	for _, r := range tokenRules {
		for off, seen := 0, 0; off < len(b) && seen < maxAnchors; seen++ {
			j := bytes.Index(b[off:], []byte(r.anchor))
			if j < 0 {
				break
			}
			i := off + j
			off = i + len(r.anchor)
			start, end, shown, ok := r.check(b, i)
			if !ok {
				continue
			}
			typ := r.typ
			if typ == "private key" {
				typ = keyType(b[start:end])
			} else if distinct(b[start+shown:end]) < 3 {
				continue // ghp_xxxx…, AWS_SECRET_ACCESS_KEY=0000…: a placeholder
			}
			out = append(out, newMatch(b, typ, "", start, end, shown))
			off = max(off, end)
		}
	}
	return out
}

// dedupe sorts matches by position and drops any that overlaps an earlier
// one (the first rule to claim a span wins: formats before heuristics).
func dedupe(ms []Match) []Match {
	slices.SortStableFunc(ms, func(a, b Match) int { return a.Start - b.Start })
	out := ms[:0]
	end := -1
	for _, m := range ms {
		if m.Start < end {
			continue
		}
		out = append(out, m)
		end = m.End
	}
	return out
}

// ScanText finds secrets in a build command, an ENV entry or a label
// value: token formats, values assigned to names that say they are
// secret (API_TOKEN=…), and passwords in URLs.
func ScanText(s string) []Match {
	b := []byte(s)
	ms := scanTokens(b, nil)
	n := len(ms)
	ms = scanAssignments(b, ms)
	ms = scanURLCredentials(b, ms)
	// Heuristic matches never displace a format match.
	return dedupe(append(ms[:n:n], dropOverlaps(ms[:n], ms[n:])...))
}

// dropOverlaps returns the matches of extra that overlap none of base.
func dropOverlaps(base, extra []Match) []Match {
	var out []Match
	for _, m := range extra {
		if !slices.ContainsFunc(base, func(o Match) bool { return m.Start < o.End && o.Start < m.End }) {
			out = append(out, m)
		}
	}
	return out
}

// Redact returns s with every secret value ScanText finds replaced by its
// redacted start and length, e.g. "ghp_R7…(40 characters)".
func Redact(s string) string {
	ms := ScanText(s)
	if len(ms) == 0 {
		return s
	}
	var b strings.Builder
	last := 0
	for _, m := range ms {
		b.WriteString(s[last:m.Start])
		b.WriteString(Describe(m.Redacted, m.Length))
		last = m.End
	}
	b.WriteString(s[last:])
	return b.String()
}

// Describe is how a value is shown: its redacted start and its length.
func Describe(redacted string, length int) string {
	return redacted + "(" + strconv.Itoa(length) + " characters)"
}
