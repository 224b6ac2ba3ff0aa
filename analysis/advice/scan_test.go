package advice

import (
	"strings"
	"testing"
	"time"
)

// Test values, built at run time so that this file holds no token whole
// (scanners of the repository itself must not trip over it).
var (
	ghp    = "ghp_" + strings.Repeat("R7xK2m", 6)
	pat    = "github_pat_" + strings.Repeat("11ABCDEFG0", 8) + "ab"
	akid   = "AKIA" + "Q3EGRAVE7EXAMPLE"
	awsSec = "wJalrXUtnFEMI/K7MDENG/bPxRfiCY" + "EXAMPLEKEY"
	slack  = "xoxb-" + "123456789012-1234567890123-" + strings.Repeat("aB3", 8)
	stripe = "sk_" + "live_" + strings.Repeat("4eC39HqLyjWDarjtT1zdp7dc", 1)
	npmTok = "npm_" + strings.Repeat("a1B2c3", 6)
	pemKey = "-----BEGIN RSA PRIVATE KEY-----\n" + strings.Repeat("MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun\n", 4) +
		"-----END RSA PRIVATE KEY-----\n"
	sshKey = "-----BEGIN OPENSSH PRIVATE KEY-----\n" + strings.Repeat("b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\n", 3) +
		"-----END OPENSSH PRIVATE KEY-----\n"
)

func TestScanTextFindsWellKnownFormats(t *testing.T) {
	cases := []struct {
		text, typ, value string
	}{
		{"curl -H 'Authorization: token " + ghp + "' https://api.github.com", "GitHub token", ghp},
		{"git clone https://" + pat + "@github.com/o/r", "GitHub token", pat},
		{"export AWS_ACCESS_KEY_ID=" + akid, "AWS access key ID", akid},
		{"AWS_SECRET_ACCESS_KEY=" + awsSec, "AWS secret access key", awsSec},
		{`{"aws_secret_access_key": "` + awsSec + `"}`, "AWS secret access key", awsSec},
		{"SLACK=" + slack, "Slack token", slack},
		{"stripe " + stripe + " charge", "Stripe live key", stripe},
		{"//registry.npmjs.org/:_authToken=" + npmTok, "npm token", npmTok},
		{"|1 NPM_TOKEN=s3cr3t-Value-42 /bin/sh -c npm ci", "secret assigned to NPM_TOKEN", "s3cr3t-Value-42"},
		{"DB_PASSWORD='hunter2-but-longer' ./run", "secret assigned to DB_PASSWORD", "hunter2-but-longer"},
		{"git clone https://bob:Tr0ub4dor3@git.example.com/r.git", "password in a URL", "Tr0ub4dor3"},
	}
	for _, c := range cases {
		ms := ScanText(c.text)
		if len(ms) != 1 {
			t.Errorf("%.30q: %d matches %+v, want one %s", c.text, len(ms), ms, c.typ)
			continue
		}
		m := ms[0]
		if m.Type != c.typ || c.text[m.Start:m.End] != c.value || m.Length != len(c.value) {
			t.Errorf("%.30q: %s %q, want %s %q", c.text, m.Type, c.text[m.Start:m.End], c.typ, c.value)
		}
		if strings.Contains(m.Redacted, c.value) || !strings.HasSuffix(m.Redacted, "…") || len(m.Redacted) > len(c.value)/2+len("…") {
			t.Errorf("%s: redacted %q shows too much", c.typ, m.Redacted)
		}
		if r := Redact(c.text); strings.Contains(r, c.value) || !strings.Contains(r, m.Redacted) {
			t.Errorf("Redact(%.30q) = %q", c.text, r)
		}
	}
	if ms := ScanText("API_TOKEN=" + ghp); len(ms) != 1 || ms[0].Type != "GitHub token" || ms[0].Redacted != ghp[:6]+"…" {
		t.Errorf("a token assigned to a secret name: %+v, want the token's own format, shown as %s…", ms, ghp[:6])
	}
}

func TestScanFindsPrivateKeys(t *testing.T) {
	for _, c := range []struct{ text, typ string }{{pemKey, "private key (RSA)"}, {sshKey, "private key (OpenSSH)"},
		{"-----BEGIN PRIVATE KEY-----\n" + strings.Repeat("MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQ\n", 2) + "-----END PRIVATE KEY-----", "private key"},
		{"-----BEGIN ENCRYPTED PRIVATE KEY-----\n" + strings.Repeat("MIIFHDBOBgkqhkiG9w0BBQ0wQTApBgkqhkiG9w0BBQwwHAQI\n", 2) + "-----END ENCRYPTED PRIVATE KEY-----", "private key (encrypted)"},
	} {
		ms := ScanFile("app/id", []byte("prefix\n"+c.text+"\nsuffix"))
		if len(ms) != 1 || ms[0].Type != c.typ || ms[0].Length != len(strings.TrimSpace(c.text)) {
			t.Errorf("%.40q: %+v, want one %s of %d bytes", c.text, ms, c.typ, len(strings.TrimSpace(c.text)))
			continue
		}
		if !strings.HasPrefix(ms[0].Redacted, "-----BEGIN ") || strings.Contains(ms[0].Redacted, "\n") {
			t.Errorf("key redacted as %q: want its BEGIN line only", ms[0].Redacted)
		}
	}
}

// Precision: none of these is a secret.
func TestScanIgnoresLookalikes(t *testing.T) {
	cert := "-----BEGIN CERTIFICATE-----\n" + strings.Repeat("MIIDdzCCAl+gAwIBAgIEAgAAuTANBgkqhkiG9w0BAQUFADBaMQswCQYDVQQGEwJJ\n", 5) + "-----END CERTIFICATE-----\n"
	for _, text := range []string{
		cert,
		"Set the database password in DB_PASSWORD; password: <your password>. Never commit a token or a password.",
		"Keys start with -----BEGIN RSA PRIVATE KEY----- and end with the END line.",
		"the ghp_ prefix marks classic tokens; ghp_short is not one",
		"XAKIA" + "Q3EGRAVE7EXAMPLE is part of a longer word",
		"AWS_SECRET_ACCESS_KEY=$AWS_SECRET_ACCESS_KEY aws s3 ls",
		"PASSWORD_FILE=/run/secrets/db TOKEN_URL=https://auth.example.com/token TOKEN_TTL=3600",
		"API_TOKEN=changeme DB_PASSWORD=${DB_PASSWORD} SECRET_ENABLED=true",
		"pip install --no-cache-dir requests && useradd -m app",
		"https://user:${PASS}@example.com and ftp://anonymous:@host",
		"export AWS_SECRET_ACCESS_KEY=" + strings.Repeat("x", 40) + " GITHUB=ghp_" + strings.Repeat("X", 36),
	} {
		if ms := append(ScanText(text), ScanFile("app/notes.txt", []byte(text))...); len(ms) != 0 {
			t.Errorf("%.50q: found %+v", text, ms)
		}
	}
}

func TestCredentialFiles(t *testing.T) {
	cases := []struct {
		path, body, typ, value string
	}{
		{"root/.netrc", "machine github.com\n  login bob\n  password Pa55w0rd-x\n", "password in .netrc", "Pa55w0rd-x"},
		{"root/.docker/config.json", `{"auths": {"registry.example.com": {"auth": "Ym9iOnMzY3IzdA=="}}}`, "registry credentials in .docker/config.json", "Ym9iOnMzY3IzdA=="},
		{"home/bob/.git-credentials", "https://bob:Tr0ub4dor3x@github.com\n", "password in .git-credentials", "Tr0ub4dor3x"},
		{"app/.npmrc", "//registry.example.com/:_authToken=0a1b2c3d-4e5f\n", "npm token in .npmrc", "0a1b2c3d-4e5f"},
		{"root/.aws/credentials", "[default]\naws_access_key_id = AKIA" + "Q3EGRAVE7EXAMPLE\naws_session_token = IQoJb3JpZ2luX2VjEJr\n", "AWS credentials", "IQoJb3JpZ2luX2VjEJr"},
		{"app/.env", "PORT=3000\nSTRIPE_SECRET=whsec_5f3a9c1e7b\n", "secret assigned to STRIPE_SECRET", "whsec_5f3a9c1e7b"},
		{"app/.env.production", "export GITHUB_TOKEN=\"tok-9f8e7d6c5b\"\n", "secret assigned to GITHUB_TOKEN", "tok-9f8e7d6c5b"},
	}
	for _, c := range cases {
		if Candidate(c.path, int64(len(c.body))) == 0 {
			t.Errorf("%s is not scanned", c.path)
		}
		ms := ScanFile(c.path, []byte(c.body))
		var found bool
		for _, m := range ms {
			if m.Type == c.typ && c.body[m.Start:m.End] == c.value {
				found = true
			}
		}
		if !found {
			t.Errorf("%s: %+v, want a %s %q", c.path, ms, c.typ, c.value)
		}
	}
	for _, c := range []struct{ path, body string }{
		{"app/.env.example", "API_TOKEN=put-your-token-here-123\n"},
		{"app/.env", "PORT=3000\nNODE_ENV=production\n"},
		{"root/.docker/config.json", `{"credsStore": "desktop", "auth": "not under auths"}`},
		{"app/.npmrc", "registry=https://registry.npmjs.org/\n_authToken=${NPM_TOKEN}\n"},
		{"root/.netrc", "machine example.com login anonymous\n"},
	} {
		if ms := ScanFile(c.path, []byte(c.body)); len(ms) != 0 {
			t.Errorf("%s %.30q: found %+v", c.path, c.body, ms)
		}
	}
}

func TestCandidate(t *testing.T) {
	for p, want := range map[string]bool{
		"root/.ssh/id_rsa": true, "app/config.yaml": true, "app/.env": true, "etc/app.conf": true, "opt/app/settings.json": true,
		"usr/local/bin/deploy.sh": true, "srv/key.pem": true, "root/.docker/config.json": true,
		"usr/lib/x86_64-linux-gnu/libc.so.6": false, "usr/share/doc/bash/README": false, "etc/ssl/certs/ca-certificates.crt": false,
		"app/node_modules/x/index.js": false, "layer00/d0001/file-000001.dat": false, "bin/busybox": false, "app/image.png": false,
		"root/.cache/pip/http-v2/a/b": false, "var/lib/dpkg/status": false,
		// Extensions in upper case are looked up in lower case.
		"app/SETTINGS.JSON": true, "app/Deploy.Sh": true, "app/IMAGE.PNG": false, "app/FILE.DAT": false,
	} {
		if got := Candidate(p, 100) > 0; got != want {
			t.Errorf("Candidate(%s) = %v, want %v", p, got, want)
		}
	}
	if Candidate("app/config.json", maxScan+1) != 0 || Candidate("app/.env", 0) != 0 || Candidate("root/.netrc", 10<<20) != maxCredScan {
		t.Error("the size bounds are not applied")
	}
}

func FuzzScanText(f *testing.F) {
	for _, s := range []string{ghp, pemKey, "AWS_SECRET_ACCESS_KEY=" + awsSec, "a://b:cdefgh@i", "X_TOKEN='abcdefgh", slack} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, m := range append(ScanText(s), ScanFile(".env", []byte(s))...) {
			if m.Start < 0 || m.End > len(s) || m.Start >= m.End || m.Length != m.End-m.Start {
				t.Fatalf("bad span %+v in %d bytes", m, len(s))
			}
			if v := s[m.Start:m.End]; len(v) > 1 && strings.Contains(m.Redacted, v) {
				t.Fatalf("redacted %q holds the value %q", m.Redacted, v)
			}
		}
		Redact(s)
	})
}

// Hostile file contents: each is a candidate's whole budget of one
// pattern repeated, which a scan that rereads from every anchor would take
// quadratic time over.
func TestScanIsLinearOnHostileInput(t *testing.T) {
	for _, unit := range []string{"PRIVATE KEY", "-----BEGIN PRIVATE KEY-----\n", "github_pat_", "xoxb-", "aws_secret_access_key=",
		"AWS_SECRET_ACCESS_KEY", "API_TOKEN=", "a://b:", "password ", "ghp_", "_authToken=", `"auth": "`} {
		b := []byte(strings.Repeat(unit, maxScan/len(unit)))
		start := time.Now()
		ScanFile(".npmrc", b)
		ScanFile("root/.netrc", b)
		ScanFile("app/.env", b)
		ScanText(string(b[:64<<10]))
		d := time.Since(start)
		t.Logf("%q: %v", unit, d)
		if d > 5*time.Second { // quadratic would be minutes; -race and a busy machine take seconds
			t.Errorf("%q repeated: %v", unit, d)
		}
	}
}

func TestPlaceholdersAreWholeWords(t *testing.T) {
	for v, want := range map[string]bool{"secret123": true, "supersecret": true, "Passw0rd!x": true, "changeme": false, "password": false,
		"${TOKEN}": false, "<your-token>": false, "xxxxxxxx": false, "your_token_here": false, "/run/secrets/x": false, "short": false} {
		if got := plausibleValue([]byte(v)); got != want {
			t.Errorf("plausibleValue(%q) = %v, want %v", v, got, want)
		}
	}
}
