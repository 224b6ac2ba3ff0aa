package advice_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/mutate"

	"github.com/layerscope/layerscope/analysis"
	"github.com/layerscope/layerscope/analysis/advice"
	"github.com/layerscope/layerscope/analysis/synth"
)

var f = synth.File

// analyse reads layers into a result, with the config changed by edit.
func analyse(t *testing.T, edit func(*v1.ConfigFile), layers ...[]synth.Entry) *analysis.Result {
	t.Helper()
	img, err := synth.Image(layers...)
	if err != nil {
		t.Fatal(err)
	}
	if edit != nil {
		cf, err := img.ConfigFile()
		if err != nil {
			t.Fatal(err)
		}
		cf = cf.DeepCopy()
		edit(cf)
		if img, err = mutate.ConfigFile(img, cf); err != nil {
			t.Fatal(err)
		}
	}
	res, err := analysis.Analyze(context.Background(), img)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func find(t *testing.T, rep advice.Report, kind string, layer int) advice.Finding {
	t.Helper()
	for _, x := range rep.Findings {
		if x.Kind == kind && x.Layer == layer {
			return x
		}
	}
	t.Fatalf("no %s finding for layer %d in %+v", kind, layer, rep.Findings)
	return advice.Finding{}
}

func TestPackageCaches(t *testing.T) {
	res := analyse(t, nil,
		[]synth.Entry{f("bin/sh", "x")},
		[]synth.Entry{
			f("var/lib/apt/lists/deb.debian.org_dists_bookworm_InRelease", strings.Repeat("r", 1000)),
			f("var/lib/apt/lists/deb.debian.org_main_Packages", strings.Repeat("p", 5000)),
			f("var/lib/apt/lists/lock", ""), f("var/lib/apt/lists/partial/half", strings.Repeat("h", 700)),
			f("var/cache/apt/pkgcache.bin", strings.Repeat("b", 3000)), f("var/cache/apt/archives/hello_2.10_amd64.deb", strings.Repeat("d", 400)),
			f("var/cache/apt/archives/lock", "l"), f("var/cache/apt/archives/partial/x.deb", "ppp"),
		},
		[]synth.Entry{f("home/alice/.cache/pip/wheels/ab/x.whl", strings.Repeat("w", 800)), f("root/.npm/_cacache/index-v5/aa/bb", strings.Repeat("n", 90))},
		// Layer 3 replaces one list: those bytes are now layer 3's, and
		// layer 1's copy is removed-later.
		[]synth.Entry{f("var/lib/apt/lists/deb.debian.org_main_Packages", strings.Repeat("q", 6000))},
	)
	rep := res.Advice()
	apt := find(t, rep, advice.KindPackageCache, 1)
	if apt.Cache != "apt" || apt.Bytes != 1000+3000+400 || apt.Count != 3 ||
		!slices.Equal(apt.Paths, []string{"/var/cache/apt/pkgcache.bin", "/var/lib/apt/lists/deb.debian.org_dists_bookworm_InRelease", "/var/cache/apt/archives/hello_2.10_amd64.deb"}) {
		t.Errorf("apt in layer 1: %+v", apt)
	}
	if apt3 := find(t, rep, advice.KindPackageCache, 3); apt3.Bytes != 6000 || apt3.Count != 1 {
		t.Errorf("apt in layer 3: %+v", apt3)
	}
	pip, npm := find(t, rep, advice.KindPackageCache, 2), advice.Finding{}
	for _, x := range rep.Findings {
		if x.Cache == "npm" {
			npm = x
		}
		if x.Cache == "pip" {
			pip = x
		}
	}
	if pip.Bytes != 800 || !slices.Equal(pip.Paths, []string{"/home/alice/.cache/pip/wheels/ab/x.whl"}) || !strings.Contains(pip.Fix, "--no-cache-dir") {
		t.Errorf("pip: %+v", pip)
	}
	if npm.Bytes != 90 || npm.Layer != 2 {
		t.Errorf("npm: %+v", npm)
	}
	rl := find(t, rep, advice.KindRemovedLater, 1)
	if rl.Bytes != 5000 || *rl.RemovedBy != 3 || !strings.Contains(rl.Message, "overwrites") {
		t.Errorf("removed-later: %+v", rl)
	}
	if rep.ReclaimableBytes != 4400+6000+800+90+5000 {
		t.Errorf("reclaimable %d", rep.ReclaimableBytes)
	}
}

func TestDuplicatesHardlinksAndNoDoubleCount(t *testing.T) {
	same := strings.Repeat("s", 4000)
	res := analyse(t, nil,
		[]synth.Entry{f("opt/a", same), synth.Hardlink("opt/hard", "opt/a")},
		[]synth.Entry{f("srv/b", same), f("root/.cache/pip/c", same)},
		// Copies made and removed in one layer, and a hardlink: nothing.
		[]synth.Entry{f("tmp/x", "temp"), f("tmp/x", "temp2"), synth.Hardlink("srv/hard-b", "srv/b")},
	)
	rep := res.Advice()
	d := find(t, rep, advice.KindDuplicateContent, 1)
	if d.Bytes != 2*4000 || d.Count != 3 || !slices.Equal(d.Paths, []string{"/opt/a", "/srv/b", "/root/.cache/pip/c"}) {
		t.Errorf("duplicate: %+v", d)
	}
	if n := len(rep.Findings); n != 2 {
		t.Errorf("%d findings, want the duplicate and the pip cache: %+v", n, rep.Findings)
	}
	// The pip copy is the duplicate's and the cache's: counted once.
	if rep.ReclaimableBytes != 8000 {
		t.Errorf("reclaimable %d, want 8000", rep.ReclaimableBytes)
	}
}

func TestMetadataOnlyAndRemovedLaterApart(t *testing.T) {
	res := analyse(t, nil,
		[]synth.Entry{{Name: "app/run.sh", Body: strings.Repeat("#", 900), Mode: 0o644}, {Name: "app/data", Body: strings.Repeat("d", 300), Mode: 0o644}},
		[]synth.Entry{{Name: "app/run.sh", Body: strings.Repeat("#", 900), Mode: 0o755}, {Name: "app/data", Body: strings.Repeat("d", 300), Mode: 0o644, UID: 1000}},
		[]synth.Entry{{Name: "app/data", Body: strings.Repeat("e", 300), Mode: 0o644, UID: 1000}},
	)
	rep := res.Advice()
	m := find(t, rep, advice.KindMetadataOnly, 1)
	if m.Bytes != 1200 || m.Count != 2 || !slices.Equal(m.Changed, []string{"mode", "owner"}) || !strings.Contains(m.Fix, "--chmod") {
		t.Errorf("metadata-only: %+v", m)
	}
	// Layer 0's copies were replaced by metadata changes: not removed-later.
	for _, x := range rep.Findings {
		if x.Kind == advice.KindRemovedLater && x.Layer == 0 {
			t.Errorf("layer 0 advised as removed-later: %+v", x)
		}
	}
	if rl := find(t, rep, advice.KindRemovedLater, 1); rl.Bytes != 300 || *rl.RemovedBy != 2 {
		t.Errorf("removed-later: %+v", rl)
	}
	if rep.ReclaimableBytes != 1200 {
		t.Errorf("reclaimable %d, want 1200 (app/data of layer 1 is in both findings)", rep.ReclaimableBytes)
	}
}

func TestSecretsInLayersAndConfig(t *testing.T) {
	key := "-----BEGIN OPENSSH PRIVATE KEY-----\n" + strings.Repeat("b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\n", 3) + "-----END OPENSSH PRIVATE KEY-----\n"
	tok := "ghp_" + strings.Repeat("Zq9", 12)
	cert := "-----BEGIN CERTIFICATE-----\n" + strings.Repeat("MIIDdzCCAl+gAwIBAgIEAgAAuTANBgkqhkiG9w0BAQUFADBaMQswCQYDVQQGEwJJ\n", 4) + "-----END CERTIFICATE-----\n"
	res := analyse(t, func(cf *v1.ConfigFile) {
		cf.Config.Env = []string{"PATH=/usr/bin", "API_TOKEN=" + tok, "DB_PASSWORD_FILE=/run/secrets/db"}
		cf.Config.Labels = map[string]string{"org.example.deploy-token": "d3pl0y-t0k3n-77", "maintainer": "bob@example.com"}
		cf.History = []v1.History{
			{CreatedBy: "/bin/sh -c #(nop) COPY file:1 in /root/.ssh/id_ed25519"},
			{CreatedBy: "/bin/sh -c #(nop)  ENV API_TOKEN=" + tok, EmptyLayer: true},
			{CreatedBy: "/bin/sh -c rm /root/.ssh/id_ed25519"},
			{CreatedBy: "|1 SLACK_HOOK=https://hooks.slack.com/services/T0000/B0000/XXXXXXXXXXXXXXXXXXXXXXXX /bin/sh -c ./notify"},
		}
	},
		[]synth.Entry{f("root/.ssh/id_ed25519", key), f("etc/ssl/certs/ca.pem", cert), f("app/ca-bundle.pem", cert+cert)},
		[]synth.Entry{synth.Whiteout("root/.ssh/id_ed25519")},
		[]synth.Entry{f("app/README", "the password goes in DB_PASSWORD")},
	)
	rep := res.Advice()
	var got []string
	for _, x := range rep.Findings {
		if x.Kind == advice.KindSecret {
			got = append(got, x.Secret.Where+" "+x.Secret.Type)
		}
	}
	want := []string{"file private key (OpenSSH)", "env GitHub token", "label secret in a label", "history Slack webhook URL"}
	if !slices.Equal(got, want) {
		t.Errorf("secrets %q, want %q", got, want)
	}
	k := find(t, rep, advice.KindSecret, 0)
	if k.Secret.Where != "file" || k.RemovedBy == nil || *k.RemovedBy != 1 || k.Bytes != int64(len(key)) || k.Paths[0] != "/root/.ssh/id_ed25519" {
		t.Errorf("the deleted key: %+v", k)
	}
	for _, x := range rep.Findings {
		if x.Kind == advice.KindSecret && x.Secret.Where == "env" && x.Layer != 0 {
			t.Errorf("the ENV secret is set by layer 0's steps, not %d", x.Layer)
		}
		if x.Kind == advice.KindSecret && x.Secret.Where == "history" && x.Layer != 2 {
			t.Errorf("the history secret is in layer 2, not %d", x.Layer)
		}
	}
	// Layer 0 is the base image: a Dockerfile cannot remove its files in
	// the RUN that made them.
	if rl := find(t, rep, advice.KindRemovedLater, 0); !strings.Contains(rl.Fix, "base image") {
		t.Errorf("removed-later of the base layer: fix %q", rl.Fix)
	}
	// Commands are redacted at the source: every output shows them so.
	for _, l := range res.Layers {
		for _, s := range append([]string{l.Command}, stepTexts(l.History)...) {
			if strings.Contains(s, tok) || strings.Contains(s, "XXXXXXXXXXXXXXXXXXXXXXXX") {
				t.Errorf("layer %d keeps a secret in %q", l.Index, s)
			}
		}
	}
}

func stepTexts(steps []analysis.Step) []string {
	var out []string
	for _, s := range steps {
		out = append(out, s.CreatedBy, s.Command)
	}
	return out
}

// A hostile image of many duplicate pairs: the report lists a bounded
// number, and the total counts them all.
func TestFindingsAreBounded(t *testing.T) {
	var layer []synth.Entry
	var want int64
	n := advice.MaxFindings + 50
	for i := range n {
		body := fmt.Sprintf("content %d", i)
		layer = append(layer, f(fmt.Sprintf("a/%d", i), body), f(fmt.Sprintf("b/%d", i), body))
		want += int64(len(body))
	}
	rep := analyse(t, nil, layer).Advice()
	if len(rep.Findings) != advice.MaxFindings || rep.Omitted != 50 || rep.ReclaimableBytes != want {
		t.Errorf("%d findings, %d omitted, %d reclaimable; want %d, 50, %d", len(rep.Findings), rep.Omitted, rep.ReclaimableBytes, advice.MaxFindings, want)
	}
}

// Every cache the issue names, each in a layer of its own.
func TestEveryCacheIsNamed(t *testing.T) {
	caches := []struct{ path, cache string }{
		{"var/cache/apk/APKINDEX.abc.tar.gz", "apk"},
		{"var/cache/dnf/fedora-1/repodata/primary.xml.zck", "dnf"},
		{"var/cache/yum/x86_64/7/base/packages/a.rpm", "yum"},
		{"root/.cache/pip/wheels/a/b.whl", "pip"},
		{"app/.npm/_cacache/content-v2/sha512/aa/bb/cc", "npm"},
		{"usr/local/share/.cache/yarn/v6/npm-left-pad-1.3.0/index.js", "yarn"},
		{"home/dev/.cache/go-build/ab/abcdef-d", "go-build"},
		{"go/pkg/mod/cache/download/golang.org/x/text/@v/v0.3.0.zip", "go-mod"},
		{"root/.m2/repository/org/x/x-1.jar", "maven"},
		{"home/gradle/.gradle/caches/modules-2/files-2.1/a.jar", "gradle"},
	}
	layers := [][]synth.Entry{{f("bin/sh", "x")}}
	for i, c := range caches {
		layers = append(layers, []synth.Entry{f(c.path, strings.Repeat("c", 100+i))})
	}
	rep := analyse(t, nil, layers...).Advice()
	for i, c := range caches {
		x := find(t, rep, advice.KindPackageCache, i+1)
		if x.Cache != c.cache || x.Bytes != int64(100+i) || x.Paths[0] != "/"+c.path {
			t.Errorf("%s: %+v, want cache %s", c.path, x, c.cache)
		}
	}
	if len(rep.Findings) != len(caches) {
		t.Errorf("%d findings for %d caches", len(rep.Findings), len(caches))
	}
}
