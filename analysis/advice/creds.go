package advice

import (
	"bytes"
	"slices"
	"strings"
)

// secretWords mark a variable whose value is a secret (API_TOKEN,
// DB_PASSWORD); secretNotSuffixes mark one that only points at or
// describes a secret (PASSWORD_FILE, TOKEN_URL).
var (
	secretWords       = []string{"PASSWORD", "PASSWD", "PASSPHRASE", "SECRET", "TOKEN", "APIKEY", "API_KEY", "ACCESS_KEY", "PRIVATE_KEY", "AUTH_KEY", "CREDENTIAL"}
	secretNotSuffixes = []string{"_FILE", "_PATH", "_DIR", "_URL", "_URI", "_HOST", "_PORT", "_USER", "_USERNAME", "_NAME", "_ID",
		"_LENGTH", "_TTL", "_EXPIRY", "_EXPIRES", "_TIMEOUT", "_ENABLED", "_TYPE", "_HEADER", "_ALGORITHM", "_FORMAT", "_KEY_ID"}
	// placeholders are values that stand for a secret rather than being
	// one: whole words, and starts of templates.
	placeholders = []string{"changeme", "change_me", "password", "secret", "example", "placeholder", "none", "null",
		"true", "false", "redacted", "pass", "pwd", "token", "xxx"}
	templateStarts = []string{"your_", "your-", "<", "{{", "%", "${", "example", "placeholder"}
)

// SecretName reports whether a variable or key name says its value is a
// secret.
func SecretName(name string) bool {
	n := strings.ToUpper(strings.NewReplacer("-", "_", ".", "_").Replace(name))
	for _, s := range secretNotSuffixes {
		if strings.HasSuffix(n, s) {
			return false
		}
	}
	for _, w := range secretWords {
		if strings.Contains(n, w) {
			return true
		}
	}
	return false
}

// plausibleValue: a value that could be a real secret rather than a
// placeholder, a reference ($VAR, a path, a URL) or a flag.
func plausibleValue(v []byte) bool {
	if len(v) < 6 || v[0] == '$' || v[0] == '/' || v[0] == '.' || bytes.Contains(v, []byte("://")) || isPlaceholder(v) {
		return false
	}
	for _, c := range v {
		if c <= ' ' || c == 0x7f {
			return false
		}
	}
	return bytes.Count(v, v[:1]) != len(v) // not "xxxxxxxx" or "********"
}

func isNameByte(c byte) bool { return isAlnum(c) || c == '_' || c == '.' || c == '-' }

// scanAssignments finds NAME=VALUE where NAME says the value is secret:
// shell variables, ENV entries, build arguments in history (|1 TOKEN=…).
func scanAssignments(b []byte, out []Match) []Match {
	for off, seen := 0, 0; off < len(b) && seen < maxAnchors; seen++ {
		j := bytes.IndexByte(b[off:], '=')
		if j < 0 {
			break
		}
		eq := off + j
		off = eq + 1
		ns := eq
		for ns > 0 && isNameByte(b[ns-1]) {
			ns--
		}
		if ns == eq || (ns > 0 && b[ns-1] != ' ' && b[ns-1] != '\t' && b[ns-1] != '\n' && b[ns-1] != ';' && b[ns-1] != '"' && b[ns-1] != '\'' && b[ns-1] != '(') {
			continue
		}
		name := string(b[ns:eq])
		if !SecretName(name) {
			continue
		}
		vs := eq + 1
		quote := byte(0)
		if vs < len(b) && (b[vs] == '"' || b[vs] == '\'') {
			quote = b[vs]
			vs++
		}
		ve, vmax := vs, min(len(b), vs+maxToken)
		for ve < vmax && b[ve] > ' ' && b[ve] != quote && b[ve] != ';' && b[ve] != 0x7f && (quote != 0 || (b[ve] != '"' && b[ve] != '\'')) {
			ve++
		}
		if !plausibleValue(b[vs:ve]) {
			continue
		}
		m := newMatch(b, "secret assigned to "+name, name, vs, ve, 0)
		out = append(out, m)
		off = ve
	}
	return out
}

// scanURLCredentials finds scheme://user:password@host.
func scanURLCredentials(b []byte, out []Match) []Match {
	for off, seen := 0, 0; off < len(b) && seen < maxAnchors; seen++ {
		j := bytes.Index(b[off:], []byte("://"))
		if j < 0 {
			break
		}
		i := off + j + 3
		off = i
		end := run(b, i, func(c byte) bool { return c > ' ' && c != '/' && c != '@' && c != '"' && c != '\'' && c != 0x7f })
		if end >= len(b) || b[end] != '@' {
			continue
		}
		colon := bytes.IndexByte(b[i:end], ':')
		if colon < 1 {
			continue
		}
		ps := i + colon + 1
		if end-ps < 3 || b[ps] == '$' || isPlaceholder(b[ps:end]) {
			continue
		}
		out = append(out, newMatch(b, "password in a URL", "", ps, end, 0))
		off = end
	}
	return out
}

// isPlaceholder: a word that stands for a secret, or a template.
func isPlaceholder(v []byte) bool {
	l := strings.ToLower(string(v))
	if slices.Contains(placeholders, l) {
		return true
	}
	for _, p := range templateStarts {
		if strings.HasPrefix(l, p) {
			return true
		}
	}
	return false
}

// credential files, by the end of their path; each says how to find the
// secret in it.
type credFile struct {
	typ   string
	match func(p, base string) bool
	scan  func(b []byte, typ string, out []Match) []Match
}

var credFiles = []credFile{
	{"AWS credentials", func(p, _ string) bool { return strings.HasSuffix(p, ".aws/credentials") }, keyValues("aws_session_token", "aws_secret_access_key")},
	{"registry credentials in .docker/config.json", func(p, _ string) bool { return strings.HasSuffix(p, ".docker/config.json") }, dockerAuths},
	{"password in .netrc", func(_, b string) bool { return b == ".netrc" || b == "_netrc" }, netrc},
	{"password in .git-credentials", func(_, b string) bool { return b == ".git-credentials" }, func(b []byte, typ string, out []Match) []Match {
		return retype(scanURLCredentials(b, nil), typ, out)
	}},
	{"npm token in .npmrc", func(_, b string) bool { return b == ".npmrc" }, keyValues("_authToken", "_auth", "_password")},
	{"password in .pypirc", func(_, b string) bool { return b == ".pypirc" }, keyValues("password")},
	{"secret in a .env file", func(_, b string) bool { return isEnvFile(b) }, func(b []byte, typ string, out []Match) []Match {
		return retype(scanAssignments(b, nil), "", out)
	}},
}

// isEnvFile: .env, .env.production; not the examples committed beside them.
func isEnvFile(base string) bool {
	if base == ".env" {
		return true
	}
	rest, ok := strings.CutPrefix(base, ".env.")
	if !ok {
		return false
	}
	switch rest {
	case "example", "sample", "template", "dist", "defaults", "tmpl", "schema":
		return false
	}
	return true
}

// retype gives matches the credential file's type (typ "" keeps theirs).
func retype(ms []Match, typ string, out []Match) []Match {
	for _, m := range ms {
		if typ != "" {
			m.Type = typ
		}
		out = append(out, m)
	}
	return out
}

// keyValues finds `key = value` (INI, .npmrc) for any of keys.
func keyValues(keys ...string) func(b []byte, typ string, out []Match) []Match {
	return func(b []byte, typ string, out []Match) []Match {
		for _, k := range keys {
			for off, seen := 0, 0; off < len(b) && seen < maxAnchors; seen++ {
				j := bytes.Index(b[off:], []byte(k))
				if j < 0 {
					break
				}
				i := off + j
				off = i + len(k)
				if i > 0 && isAlnum(b[i-1]) || (off < len(b) && isNameByte(b[off])) {
					continue
				}
				s, e, ok := assigned(b, off, maxValue)
				if !ok || e-s < 4 || bytes.HasPrefix(b[s:e], []byte("${")) {
					continue
				}
				out = append(out, newMatch(b, typ, k, s, e, 0))
				off = e
			}
		}
		return out
	}
}

// dockerAuths finds "auth" and identity tokens in a config with "auths".
func dockerAuths(b []byte, typ string, out []Match) []Match {
	if !bytes.Contains(b, []byte(`"auths"`)) {
		return out
	}
	return keyValues(`"auth"`, `"identitytoken"`, `"registrytoken"`)(b, typ, out)
}

// netrc finds the word after each "password" token.
func netrc(b []byte, typ string, out []Match) []Match {
	isSpace := func(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }
	for off, seen := 0, 0; off < len(b) && seen < maxAnchors; seen++ {
		j := bytes.Index(b[off:], []byte("password"))
		if j < 0 {
			break
		}
		i := off + j
		off = i + len("password")
		if i > 0 && !isSpace(b[i-1]) || off >= len(b) || !isSpace(b[off]) {
			continue
		}
		s := run(b, off, isSpace)
		e := run(b, s, func(c byte) bool { return !isSpace(c) })
		if e-s < 3 {
			continue
		}
		out = append(out, newMatch(b, typ, "password", s, e, 0))
		off = e
	}
	return out
}

// Scan limits: a secret sits in a small text file, so larger files and
// those of the system's own trees are not read for it.
const (
	maxScan     = 256 << 10 // bytes of a general candidate
	maxCredScan = 1 << 20   // of a credential file
	maxScanBare = 64 << 10  // of a file without an extension
)

// skipDirs are trees that hold packaged software, caches and public
// certificates: not where a build leaves its secrets, and most of an
// image's bytes.
var skipDirs = []string{"usr/", "lib/", "lib32/", "lib64/", "libx32/", "bin/", "sbin/", "boot/", "proc/", "sys/", "dev/",
	"var/lib/dpkg/", "var/lib/apt/", "var/lib/rpm/", "var/lib/dnf/", "var/cache/", "var/log/",
	"etc/ssl/certs/", "etc/pki/", "etc/ca-certificates/"}

var skipParts = []string{"/node_modules/", "/site-packages/", "/dist-packages/", "/.cache/", "/.npm/", "/pkg/mod/", "/.m2/", "/.gradle/", "/ca-certificates/"}

// textExt: the kinds of file a secret is written into (a switch: it is
// asked for every file).
func textExt(ext string) bool {
	switch ext {
	case "", ".env", ".json", ".yaml", ".yml", ".toml", ".ini", ".conf", ".cfg", ".config", ".properties", ".xml", ".txt",
		".sh", ".bash", ".zsh", ".py", ".js", ".mjs", ".cjs", ".ts", ".rb", ".php", ".go", ".tf", ".tfvars", ".cnf", ".pem",
		".key", ".p8", ".secret", ".secrets", ".token", ".credentials", ".cred", ".creds", ".rc", ".asc", ".gpg", ".local",
		".production", ".prod":
		return true
	}
	return false
}

// Candidate returns how many bytes of the file at p (clean, relative to
// the image root) are worth scanning for secrets: 0 for none. It is called
// for every file of every layer, so it only looks at the name, cheapest
// test first: most files are rejected by their extension.
func Candidate(p string, size int64) int {
	base := p[strings.LastIndexByte(p, '/')+1:]
	if !CandidateName(base, size) {
		return 0
	}
	if credName(p, base) {
		return int(min(size, maxCredScan))
	}
	if size > maxScan {
		return 0
	}
	for _, d := range skipDirs {
		if strings.HasPrefix(p, d) && !strings.HasPrefix(p, "usr/local/") && !strings.HasPrefix(p, "usr/src/") {
			return 0
		}
	}
	for _, s := range skipParts {
		if strings.Contains(p, s) {
			return 0
		}
	}
	return int(size)
}

// CandidateName is Candidate's first test, by the base name alone: false
// means Candidate is 0 whatever the directory.
func CandidateName(base string, size int64) bool {
	switch {
	case size <= 0:
		return false
	case credBase(base):
		return true
	case size > maxScan:
		return false
	}
	ext := ""
	if i := strings.LastIndexByte(base, '.'); i >= 0 {
		ext = base[i:]
	}
	if ext == "" || strings.HasPrefix(base, "id_") {
		// Keys, token files and scripts are small; a large file without
		// an extension is a program or data.
		return size <= maxScanBare
	}
	if textExt(ext) {
		return true
	}
	// ToLower returns ext itself when it has no upper case: then there
	// is nothing more to look up.
	lower := strings.ToLower(ext)
	return lower != ext && textExt(lower)
}

func credBase(base string) bool {
	switch base {
	case ".netrc", "_netrc", ".git-credentials", ".npmrc", ".pypirc", ".env", "credentials", "config.json":
		return true
	}
	return strings.HasPrefix(base, ".env.")
}

// credName reports whether a credential file rule covers p; a switch on
// the base name first, so that other files cost one comparison or two.
func credName(p, base string) bool {
	if !credBase(base) {
		return false
	}
	for _, c := range credFiles {
		if c.match(p, base) {
			return true
		}
	}
	return false
}

// ScanFile finds the secrets in data, the first bytes of the file at p
// (clean, relative to the image root). Binary data (a NUL in the first
// bytes) holds no text secrets.
func ScanFile(p string, data []byte) []Match {
	if bytes.IndexByte(data[:min(len(data), 512)], 0) >= 0 {
		return nil
	}
	ms := scanTokens(data, nil)
	n := len(ms)
	base := p[strings.LastIndexByte(p, '/')+1:]
	for _, c := range credFiles {
		if c.match(p, base) {
			ms = c.scan(data, c.typ, ms)
		}
	}
	ms = dedupe(append(ms[:n:n], dropOverlaps(ms[:n], ms[n:])...))
	return ms[:min(len(ms), maxFileMatches)]
}

// maxFileMatches bounds the secrets kept of one file.
const maxFileMatches = 16
