package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/layerscope/layerscope/analysis"
	"github.com/layerscope/layerscope/analysis/advice"
)

// The advice's proof: images built by Docker, each pattern beside its clean
// counterpart. The dirty image holds one of each pattern, each in layers of
// its own, so that every finding's layer, bytes and paths are known from
// the Dockerfile; the clean image does the same work the right way and
// must get no advice at all.

// adviceReport is the part of the JSON report the advice tests read.
type adviceReport struct {
	Image struct {
		ReclaimableBytes int64    `json:"reclaimableBytes"`
		AdviceNotChecked []string `json:"adviceNotChecked"`
		Efficiency       float64  `json:"efficiency"`
	} `json:"image"`
	Advice []advice.Finding       `json:"advice"`
	Layers []analysis.LayerReport `json:"layers"`
}

func decodeAdvice(t testing.TB, s string) adviceReport {
	t.Helper()
	var rep adviceReport
	if err := json.Unmarshal([]byte(s), &rep); err != nil {
		t.Fatalf("invalid JSON report: %v\n%.2000s", err, s)
	}
	return rep
}

// adviceBase layers: 0 busybox, 1 its applets and the directories the
// steps write to.
const adviceBase = `FROM scratch
COPY busybox /bin/busybox
RUN ["/bin/busybox", "sh", "-c", "/bin/busybox mkdir -p /usr/bin /sbin /usr/sbin /tmp /data /root /app /opt && /bin/busybox --install -s"]
`

// The dirty image: the comment of each step says its layer and finding.
const adviceDirty = `FROM %s
# 2: pip's cache (imitated: files laid out as pip 23 writes them)
COPY pip-cache /root/.cache/pip/
# 3: npm's cache (imitated: npm 10's content-addressed layout)
COPY npm-cache /root/.npm/_cacache/
# 4: a file, and 5: a chmod that copies it whole: metadata-only in 5
COPY blob /opt/blob
RUN chmod 0755 /opt/blob
# 6: a file copied to a second path: duplicate-content
RUN head -c 300000 /dev/urandom > /data/a && cp /data/a /data/b
# 7 writes a file that 8 removes: removed-later
RUN head -c 400000 /dev/urandom > /tmp/junk.bin
RUN rm /tmp/junk.bin
# 9 makes and removes one in a single RUN: nothing
RUN head -c 500000 /dev/urandom > /tmp/once.bin && rm /tmp/once.bin
# 10 copies a private key in, 11 deletes it: still shipped in 10
COPY id_rsa /root/.ssh/id_rsa
RUN rm /root/.ssh/id_rsa
# a secret in ENV (an empty step: it belongs to layer 11)
ENV API_TOKEN=%s
# 12: a token in a RUN command
RUN echo "%s" > /dev/null && touch /app/ran
# 13, 14: CA bundles, 15: a document that mentions passwords: nothing
COPY ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY ca-bundle.pem /app/ca-bundle.pem
COPY README.md /app/README.md
`

// The clean image (BuildKit, for COPY --chmod): the same work done right.
const adviceClean = `FROM %s
COPY --chmod=0755 blob /opt/blob
RUN head -c 300000 /dev/urandom > /data/a && ln /data/a /data/b
RUN head -c 500000 /dev/urandom > /tmp/once.bin && rm /tmp/once.bin
ENV GREETING=hello
COPY ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY ca-bundle.pem /app/ca-bundle.pem
COPY README.md /app/README.md
`

const adviceReadme = `# Configuration

Set the database password in DB_PASSWORD, or put password: <your password>
in config.yaml. The password must be rotated every 90 days; never commit a
password or a token. See "Passwords and API tokens" in the manual.
`

// adviceFixture is what the context holds, with the secrets the image must
// never print whole.
type adviceFixture struct {
	dir             string
	pip, npm        map[string]int64 // path in the image -> size
	key             []byte
	keyLine         string // a line of the key's body
	token, slack    string
	ca, bundle, doc []byte
}

func writeAdviceContext(t *testing.T) adviceFixture {
	t.Helper()
	fx := adviceFixture{dir: t.TempDir(), pip: map[string]int64{}, npm: map[string]int64{}}
	write := func(rel string, b []byte) {
		p := filepath.Join(fx.dir, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	random := func(n int) []byte {
		b := make([]byte, n)
		rand.Read(b)
		return b
	}
	bb, err := os.ReadFile("/bin/busybox")
	if err != nil {
		needOrSkip(t, "busybox-static at /bin/busybox")
	}
	write("busybox", bb)
	if err := os.Chmod(filepath.Join(fx.dir, "busybox"), 0o755); err != nil {
		t.Fatal(err)
	}
	for i, n := range []int{120000, 45000, 9000} {
		rel := fmt.Sprintf("http-v2/%x/%x/%x/%064x", i, i+3, i+7, i)
		write("pip-cache/"+rel, random(n))
		fx.pip["/root/.cache/pip/"+rel] = int64(n)
	}
	for i, n := range []int{70000, 31000} {
		rel := fmt.Sprintf("content-v2/sha512/%02x/%02x/%0124x", i+16, i+32, i)
		write("npm-cache/"+rel, random(n))
		fx.npm["/root/.npm/_cacache/"+rel] = int64(n)
	}
	idx := "index-v5/1f/2e/0123456789abcdef"
	write("npm-cache/"+idx, random(500))
	fx.npm["/root/.npm/_cacache/"+idx] = 500
	write("blob", random(200000))

	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	fx.key = pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(k)})
	fx.keyLine = strings.Split(string(fx.key), "\n")[5]
	write("id_rsa", fx.key)

	fx.ca, fx.bundle = selfSigned(t, "Layerscope Test Root CA"), append(selfSigned(t, "Layerscope Test CA 2"), selfSigned(t, "Layerscope Test CA 3")...)
	write("ca-certificates.crt", fx.ca)
	write("ca-bundle.pem", fx.bundle)
	fx.doc = []byte(adviceReadme)
	write("README.md", fx.doc)

	const alnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	tok := func(n int) string {
		b := random(n)
		for i := range b {
			b[i] = alnum[int(b[i])%len(alnum)]
		}
		return string(b)
	}
	fx.token = "ghp_" + tok(36)
	fx.slack = "xoxb-" + strconv.Itoa(100000000+int(random(1)[0])) + "-" + tok(24)
	return fx
}

func selfSigned(t *testing.T, cn string) []byte {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: cn},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour), IsCA: true, BasicConstraintsValid: true}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}

// dockerSave builds dockerfile in ctx as tag (BuildKit with /usr/bin/docker
// when asked), saves it and returns the archive; the image goes at the end.
func dockerSave(t *testing.T, ctx, tag, dockerfile string, buildkit bool) string {
	t.Helper()
	name := "Dockerfile." + strings.NewReplacer(":", "-", "/", "-").Replace(tag)
	if err := os.WriteFile(filepath.Join(ctx, name), []byte(dockerfile), 0o644); err != nil {
		t.Fatal(err)
	}
	docker, env, args := "docker", "DOCKER_BUILDKIT=0", []string{"build", "-q", "--force-rm", "-f", filepath.Join(ctx, name), "-t", tag, ctx}
	if buildkit {
		docker, env, args = "/usr/bin/docker", "DOCKER_BUILDKIT=1", []string{"build", "-q", "-f", filepath.Join(ctx, name), "-t", tag, ctx}
		needTool(t, docker)
	}
	t.Cleanup(func() { exec.Command("docker", "rmi", "-f", tag).Run() })
	start := time.Now()
	debianCmd(t, []string{env}, nil, docker, args...)
	t.Logf("built %s in %v", tag, time.Since(start).Round(time.Millisecond))
	archive := filepath.Join(t.TempDir(), "image.tar")
	sh(t, "docker", "save", "-o", archive, tag)
	return archive
}

func adviceSuffix() string {
	return strconv.Itoa(os.Getpid()) + "-" + strconv.FormatInt(time.Now().UnixNano(), 36)
}

func TestAdviceDockerImages(t *testing.T) {
	t.Parallel() // mostly waiting on docker build: overlaps with the other builds
	if testing.Short() {
		t.Skip("builds three images")
	}
	needDocker(t)
	fx := writeAdviceContext(t)
	suffix := adviceSuffix()
	base := "layerscope-test-advice-base:" + suffix
	dockerSave(t, fx.dir, base, adviceBase, false)

	dirty := dockerSave(t, fx.dir, "layerscope-test-advice-dirty:"+suffix, fmt.Sprintf(adviceDirty, base, fx.token, fx.slack), false)
	rep := decodeAdvice(t, runOK(t, "--json", "-", "--quiet", dirty))
	checkDirtyAdvice(t, fx, rep)
	checkNoSecretPrinted(t, fx, dirty)

	clean := dockerSave(t, fx.dir, "layerscope-test-advice-clean:"+suffix, fmt.Sprintf(adviceClean, base), true)
	crep := decodeAdvice(t, runOK(t, "--json", "-", "--quiet", clean))
	if len(crep.Advice) != 0 || crep.Image.ReclaimableBytes != 0 {
		t.Errorf("the clean image gets advice (%d bytes reclaimable):\n%s", crep.Image.ReclaimableBytes, findingsText(crep.Advice))
	}
	if r := runLS(t, "--ci", "--quiet", clean); strings.Contains(r.stdout, "FAIL  secrets") || !strings.Contains(r.stdout, "PASS  secrets") {
		t.Errorf("the clean image's secrets rule does not pass:\n%s", r.stdout)
	}

	// --no-verify reads headers only: duplicates are said to be unchecked,
	// not guessed; the candidates for secrets are read by offset, so the
	// key is still found.
	fast := decodeAdvice(t, runOK(t, "--json", "-", "--quiet", "--no-verify", dirty))
	if !slices.Equal(fast.Image.AdviceNotChecked, []string{advice.KindDuplicateContent}) || countKind(fast.Advice, advice.KindDuplicateContent) != 0 {
		t.Errorf("--no-verify: adviceNotChecked %v with %d duplicate findings", fast.Image.AdviceNotChecked, countKind(fast.Advice, advice.KindDuplicateContent))
	}
	if n := countKind(fast.Advice, advice.KindSecret); n != 3 {
		t.Errorf("--no-verify: %d secrets, want the key, the ENV and the history's:\n%s", n, findingsText(fast.Advice))
	}
}

func runOK(t *testing.T, args ...string) string {
	t.Helper()
	r := runLS(t, args...)
	if r.code != 0 {
		t.Fatalf("layerscope %v: exit %d\n%s", args, r.code, r.stderr)
	}
	return r.stdout
}

func countKind(fs []advice.Finding, kind string) int {
	n := 0
	for _, f := range fs {
		if f.Kind == kind {
			n++
		}
	}
	return n
}

func findingsText(fs []advice.Finding) string {
	var b strings.Builder
	for _, f := range fs {
		fmt.Fprintf(&b, "  %s layer %d %d bytes %v: %s\n", f.Kind, f.Layer, f.Bytes, f.Paths, f.Message)
	}
	return b.String()
}

// wantFinding is one expected finding.
type wantFinding struct {
	kind      string
	layer     int
	bytes     int64
	paths     []string // in order, largest first
	removedBy int      // -1: none
	secret    string   // where, for secrets
}

func checkDirtyAdvice(t *testing.T, fx adviceFixture, rep adviceReport) {
	t.Helper()
	if len(rep.Layers) != 16 {
		for _, l := range rep.Layers {
			t.Logf("layer %d: %s", l.Index, l.Command)
		}
		t.Fatalf("%d layers, want 16", len(rep.Layers))
	}
	largest := func(m map[string]int64) (ps []string, total int64) {
		for p, n := range m {
			ps, total = append(ps, p), total+n
		}
		slices.SortFunc(ps, func(a, b string) int { return int(m[b] - m[a]) })
		return ps, total
	}
	pipPaths, pipBytes := largest(fx.pip)
	npmPaths, npmBytes := largest(fx.npm)
	keyBytes := int64(len(fx.key))
	want := []wantFinding{
		{advice.KindRemovedLater, 7, 400000, []string{"/tmp/junk.bin"}, 8, ""},
		{advice.KindDuplicateContent, 6, 300000, []string{"/data/a", "/data/b"}, -1, ""},
		{advice.KindMetadataOnly, 5, 200000, []string{"/opt/blob"}, -1, ""},
		{advice.KindPackageCache, 2, pipBytes, pipPaths, -1, ""},
		{advice.KindPackageCache, 3, npmBytes, npmPaths, -1, ""},
		{advice.KindSecret, 10, keyBytes, []string{"/root/.ssh/id_rsa"}, 11, "file"},
		{advice.KindRemovedLater, 10, keyBytes, []string{"/root/.ssh/id_rsa"}, 11, ""},
		{advice.KindSecret, 11, 0, []string{}, -1, "env"},
		{advice.KindSecret, 12, 0, []string{}, -1, "history"},
	}
	got := rep.Advice
	if len(got) != len(want) {
		t.Errorf("%d findings, want %d:\n%s", len(got), len(want), findingsText(got))
	}
	for _, w := range want {
		i := slices.IndexFunc(got, func(f advice.Finding) bool {
			return f.Kind == w.kind && f.Layer == w.layer && (f.Secret == nil) == (w.secret == "")
		})
		if i < 0 {
			t.Errorf("no %s finding for layer %d", w.kind, w.layer)
			continue
		}
		f := got[i]
		if f.Bytes != w.bytes || !slices.Equal(f.Paths, w.paths) || f.Count != len(w.paths) {
			t.Errorf("%s layer %d: %d bytes, paths %v (count %d), want %d bytes, %v", w.kind, w.layer, f.Bytes, f.Paths, f.Count, w.bytes, w.paths)
		}
		if (w.removedBy < 0) != (f.RemovedBy == nil) || (f.RemovedBy != nil && *f.RemovedBy != w.removedBy) {
			t.Errorf("%s layer %d: removedBy %v, want %d", w.kind, w.layer, f.RemovedBy, w.removedBy)
		}
		if f.Message == "" || f.Fix == "" || strings.Contains(f.Message, "\n") || strings.Contains(f.Fix, "\n") {
			t.Errorf("%s layer %d: message %q, fix %q: want one line each", w.kind, w.layer, f.Message, f.Fix)
		}
		if w.secret != "" && (f.Secret.Where != w.secret || f.Secret.Length == 0) {
			t.Errorf("secret layer %d: %+v, want where %s", w.layer, f.Secret, w.secret)
		}
	}
	for i := 1; i < len(got); i++ {
		if got[i].Bytes > got[i-1].Bytes {
			t.Errorf("findings are not largest first: %d bytes after %d", got[i].Bytes, got[i-1].Bytes)
		}
	}
	// The key counts once although removed-later and secret both name it.
	if total := pipBytes + npmBytes + 200000 + 300000 + 400000 + keyBytes; rep.Image.ReclaimableBytes != total {
		t.Errorf("reclaimableBytes %d, want %d", rep.Image.ReclaimableBytes, total)
	}
	env := got[slices.IndexFunc(got, func(f advice.Finding) bool { return f.Secret != nil && f.Secret.Where == "env" })]
	if env.Secret.Name != "API_TOKEN" || env.Secret.Length != len(fx.token) || env.Secret.Redacted != fx.token[:6]+"…" {
		t.Errorf("the ENV secret is %+v, want API_TOKEN, %d characters, shown as %s…", env.Secret, len(fx.token), fx.token[:6])
	}
	if meta := got[slices.IndexFunc(got, func(f advice.Finding) bool { return f.Kind == advice.KindMetadataOnly })]; !slices.Equal(meta.Changed, []string{"mode"}) {
		t.Errorf("metadata-only changed %v, want [mode]", meta.Changed)
	}
}

// checkNoSecretPrinted runs every output and looks for the secrets whole.
func checkNoSecretPrinted(t *testing.T, fx adviceFixture, archive string) {
	t.Helper()
	outputs := map[string]string{"json": runOK(t, "--json", "-", "--quiet", "--changes", "--files", archive)}
	for _, format := range []string{"text", "json", "junit", "github"} {
		r := runLS(t, "--ci", "--quiet", "--format", format, archive)
		if r.code != 1 {
			t.Errorf("--ci --format %s: exit %d, want 1 (the secrets rule fails)\n%s", format, r.code, r.stderr)
		}
		outputs["ci "+format] = r.stdout + r.stderr
	}
	for name, out := range outputs {
		for _, secret := range []string{fx.token, fx.slack, fx.keyLine, strings.TrimSpace(string(fx.key))} {
			if strings.Contains(out, secret) {
				t.Errorf("%s prints a secret whole (%.8s…)", name, secret)
			}
		}
	}
	text := outputs["ci text"]
	if testing.Verbose() {
		t.Logf("the CI text report:\n%s", text)
	}
	for _, want := range []string{"How to shrink", "Secrets", "FAIL  secrets", fx.token[:6] + "…", "/root/.ssh/id_rsa"} {
		if !strings.Contains(text, want) {
			t.Errorf("the CI text report lacks %q:\n%s", want, text)
		}
	}
}
