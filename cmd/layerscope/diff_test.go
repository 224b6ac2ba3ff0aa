package main

import (
	"encoding/json"
	"encoding/xml"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/layerscope/layerscope/analysis/diff"
	"github.com/layerscope/layerscope/analysis/synth"
)

func TestDiffBadInput(t *testing.T) {
	dir := t.TempDir()
	basic := testdata("fixtures", "basic.docker.tar")
	text := filepath.Join(dir, "notes.txt")
	os.WriteFile(text, []byte("just some text, not a tar\n"), 0o644)
	broken := filepath.Join(dir, "broken.tar")
	os.WriteFile(broken, []byte(strings.Repeat("\x00garbage", 200)), 0o644)
	missing := filepath.Join(dir, "nope.tar")
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"old missing", []string{"diff", "--json", "-", missing, basic}, "old image: " + missing},
		{"new missing", []string{"diff", "--json", "-", basic, missing}, "new image: " + missing},
		{"old not a tar", []string{"diff", "--json", "-", text, basic}, "old image: "},
		{"new not a tar", []string{"diff", "--json", "-", basic, text}, "new image: "},
		{"new broken", []string{"diff", "--format", "text", basic, broken}, "new image: "},
		{"one argument", []string{"diff", basic}, "accepts 2 arg"},
		{"three arguments", []string{"diff", basic, basic, basic}, "accepts 2 arg"},
		{"unknown flag", []string{"diff", "--bogus", basic, basic}, "unknown flag"},
		{"ci format without ci", []string{"diff", "--format", "junit", basic, basic}, "--format junit is a CI report format"},
		{"unknown format", []string{"diff", "--ci", "--format", "yaml", basic, basic}, "unknown --format"},
		{"json and ci on stdout", []string{"diff", "--ci", "--json", "-", basic, basic}, "--json - and --ci"},
		{"bad rule value", []string{"diff", "--ci", "--highestSizeGrowthPercent", "-1", basic, basic}, "highestSizeGrowthPercent"},
		{"report over an input", []string{"diff", "--json", basic, testdata("atix", "atix.tar"), basic}, "refusing to write over it"},
		{"bad platform", []string{"diff", "--json", "-", "--platform", "linux", basic, basic}, "invalid platform"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { hostileError(t, runEnv(t, []string{"CI="}, c.args...), c.want) }) // CI=true would turn the gate on
	}
}

// TestDiffBrokenLayer: a layer that cannot be read names its image.
func TestDiffBrokenLayer(t *testing.T) {
	good := writeDockerSave(t, []string{"x:1"}, []string{"l0.tar"}, []synth.Entry{synth.File("a", "b")})
	other := writeDockerSave(t, []string{"x:2"}, []string{"l0.tar"}, []synth.Entry{synth.File("a", strings.Repeat("c", 2000))})
	bad := filepath.Join(t.TempDir(), "bad.tar")
	b, err := os.ReadFile(other)
	if err != nil {
		t.Fatal(err)
	}
	// The layer is the archive's first member: its first header, right
	// after the member's own, becomes garbage; manifest and config stay.
	// (Its diff ID differs from good's: a layer both images claim is
	// read once, from OLD.)
	copy(b[512:1024], strings.Repeat("A", 512))
	os.WriteFile(bad, b, 0o644)
	for _, c := range []struct{ old, new, want string }{{good, bad, "new image " + bad}, {bad, good, "old image "}} {
		r := runLS(t, "diff", "--json", "-", c.old, c.new)
		hostileError(t, r, c.want)
	}
}

func TestDiffSameImageTwice(t *testing.T) {
	basic := testdata("fixtures", "basic.docker.tar")
	for _, pair := range [][2]string{{basic, basic}, {basic, "oci:" + testdata("fixtures", "basic.oci") + ":basic"}} {
		r := runLS(t, "diff", "--json", "-", pair[0], pair[1])
		if r.code != 0 {
			t.Fatalf("exit %d: %s", r.code, r.stderr)
		}
		var rep diff.Report
		if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
			t.Fatal(err)
		}
		if len(rep.Changes) != 0 || rep.Summary != (diff.SummaryReport{}) || rep.SharedLayers != 17 || rep.Changes == nil {
			t.Errorf("%v: %+v, %d shared, changes %v", pair, rep.Summary, rep.SharedLayers, rep.Changes)
		}
		text := runLS(t, "diff", pair[0], pair[1]) // not a terminal: text
		if text.code != 0 || !strings.Contains(text.stdout, "No change.") || !strings.Contains(text.stdout, "Layers: all 17 shared") {
			t.Errorf("text: exit %d\n%s%s", text.code, text.stdout, text.stderr)
		}
	}
}

// TestDiffText: the summary, then the largest changes by size delta
// grouped by top-level directory, largest group first.
func TestDiffText(t *testing.T) {
	old := writeDockerSave(t, []string{"old:1"}, []string{"l0.tar"}, []synth.Entry{synth.Dir("etc/"), synth.File("etc/conf", "1234"), synth.Dir("usr/"),
		synth.File("usr/small", "s")})
	new := writeDockerSave(t, []string{"new:1"}, []string{"l0.tar"}, []synth.Entry{synth.Dir("etc/"), synth.File("etc/conf", "4321"), synth.Dir("usr/"),
		synth.File("usr/small", "s"), synth.File("usr/big", strings.Repeat("x", 5000)), synth.File("top", "t")})
	r := runLS(t, "diff", "--format", "text", old, new)
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	want := []string{
		"Summary", "  added     2 (5.0 kB)", "  removed   0 (0 B)", "  modified  1", "  size      +5.0 kB",
		"Largest changes by size, by top-level directory (3 changes in 3 directories)",
		"  /usr         +5.0 kB in 1 change\n", "    A   +5.0 kB  /usr/big\n",
		"  /top            +1 B in 1 change\n", "    A      +1 B  /top\n",
		"  /etc             0 B in 1 change\n", "    M       0 B  /etc/conf (content)\n",
	}
	at := 0
	for _, w := range want {
		i := strings.Index(r.stdout[at:], w)
		if i < 0 {
			t.Fatalf("no %q (in order) in\n%s", w, r.stdout)
		}
		at += i
	}
}

func TestDiffGate(t *testing.T) {
	atix, basic := absTestdata(t, "atix", "atix.tar"), absTestdata(t, "fixtures", "basic.docker.tar")
	dir := t.TempDir()
	cases := []struct {
		name     string
		args     []string
		code     int
		contains string
	}{
		{"no rules", []string{"diff", "--ci", atix, basic}, 0, "PASS [pass:0 fail:0 skip:4]"},
		{"growth over", []string{"diff", "--ci", "--highestSizeGrowthBytes", "1MB", atix, basic}, 1, "FAIL [pass:0 fail:1 skip:3]"},
		{"growth under", []string{"diff", "--ci", "--highestSizeGrowthBytes", "3MB", atix, basic}, 0, "PASS [pass:1 fail:0 skip:3]"},
		{"shrinking passes", []string{"diff", "--ci", "--highestSizeGrowthBytes", "0", basic, atix}, 0, "PASS [pass:1"},
		{"percent", []string{"diff", "--ci", "--highestSizeGrowthPercent", "0.5", atix, basic}, 1, "highestSizeGrowthPercent"},
		{"wasted", []string{"diff", "--ci", "--highestWastedGrowthBytes", "1kB", atix, basic}, 1, "+99 kB (98557 bytes)"},
		{"forbidden added", []string{"diff", "--ci", "--forbiddenPaths", "**/keep.txt", atix, basic}, 1, "/data/keep.txt"},
		{"forbidden hidden but shipped", []string{"diff", "--ci", "--forbiddenPaths", "**/delete-me.txt", atix, basic}, 1, "still shipped"},
		{"forbidden not added", []string{"diff", "--ci", "--forbiddenPaths", "**/keep.txt", basic, atix}, 0, "PASS"},
		{"json", []string{"diff", "--ci", "--format", "json", "--highestSizeGrowthBytes", "1MB", atix, basic}, 1, `"result": "FAIL"`},
		{"junit", []string{"diff", "--ci", "--format", "junit", "--highestSizeGrowthBytes", "1MB", atix, basic}, 1, `failures="1"`},
		{"github", []string{"diff", "--ci", "--format", "github", "--highestSizeGrowthBytes", "1MB", atix, basic}, 1, "::error title=layerscope highestSizeGrowthBytes::"},
		{"CI=true", []string{"diff", "--highestSizeGrowthBytes", "1MB", atix, basic}, 1, "FAIL"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := runIn(t, dir, []string{"CI=true", "NO_COLOR=1"}, c.args...)
			if r.code != c.code || !strings.Contains(r.stdout, c.contains) {
				t.Errorf("exit %d (want %d), stdout lacks %q:\n%s\n%s", r.code, c.code, c.contains, r.stdout, r.stderr)
			}
			switch {
			case strings.Contains(c.name, "json"):
				var v struct {
					Summary diff.SummaryReport      `json:"summary"`
					Gate    struct{ Result string } `json:"gate"`
				}
				if err := json.Unmarshal([]byte(r.stdout), &v); err != nil || v.Gate.Result != "FAIL" || v.Summary.Added == 0 {
					t.Errorf("json: %v %+v", err, v)
				}
			case c.name == "junit":
				if err := xml.Unmarshal([]byte(r.stdout), new(any)); err != nil {
					t.Errorf("junit: %v", err)
				}
			}
		})
	}
}

// TestDiffGateConfig: the diff section of .layerscope-ci.yaml holds the
// diff rules; the image gate reads the same file and ignores it.
func TestDiffGateConfig(t *testing.T) {
	atix, basic := absTestdata(t, "atix", "atix.tar"), absTestdata(t, "fixtures", "basic.docker.tar")
	dir := t.TempDir()
	cfg := "rules:\n  highestLayerCount: 100\ndiff:\n  highestSizeGrowthBytes: 1MB\n  forbiddenPaths: ['**/keep.txt']\n"
	os.WriteFile(filepath.Join(dir, ".layerscope-ci.yaml"), []byte(cfg), 0o644)
	env := []string{"NO_COLOR=1", "CI="}
	if r := runIn(t, dir, env, "diff", "--ci", atix, basic); r.code != 1 || !strings.Contains(r.stdout, "FAIL [pass:0 fail:2 skip:2]") {
		t.Errorf("diff gate: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if r := runIn(t, dir, env, "diff", "--ci", "--highestSizeGrowthBytes", "disabled", atix, basic); r.code != 1 || !strings.Contains(r.stdout, "FAIL [pass:0 fail:1 skip:3]") {
		t.Errorf("flag over the file: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if r := runIn(t, dir, env, "--ci", basic); r.code != 0 || !strings.Contains(r.stdout, "PASS") {
		t.Errorf("image gate with a diff section: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	os.WriteFile(filepath.Join(dir, ".layerscope-ci.yaml"), []byte("diff:\n  lowestEfficiency: 0.9\n"), 0o644)
	hostileError(t, runIn(t, dir, env, "diff", "--ci", atix, basic), `unknown diff rule "lowestEfficiency"`)
}

// TestDiffPlatformAppliesToBoth: --platform picks the image of both
// indexes.
func TestDiffPlatformAppliesToBoth(t *testing.T) {
	amd, arm := v1.Platform{OS: "linux", Architecture: "amd64"}, v1.Platform{OS: "linux", Architecture: "arm64", Variant: "v8"}
	old, new := filepath.Join(t.TempDir(), "old"), filepath.Join(t.TempDir(), "new")
	for _, l := range []struct {
		dir       string
		platforms []v1.Platform
	}{{old, []v1.Platform{amd, arm}}, {new, []v1.Platform{arm, amd}}} {
		idx, err := synth.PlatformIndex(l.platforms...)
		if err != nil {
			t.Fatal(err)
		}
		if err := synth.WriteLayout(l.dir, "multi", idx); err != nil {
			t.Fatal(err)
		}
	}
	for _, p := range []string{"linux/amd64", "linux/arm64"} {
		r := runLS(t, "diff", "--json", "-", "--platform", p, "oci:"+old+":multi", "oci:"+new+":multi")
		var rep diff.Report
		if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil || r.code != 0 {
			t.Fatalf("%s: exit %d, %v\n%s", p, r.code, err, r.stderr)
		}
		if !strings.HasPrefix(rep.Old.Platform, p) || !strings.HasPrefix(rep.New.Platform, p) || len(rep.Changes) != 0 {
			t.Errorf("--platform %s: old %s, new %s, %d changes", p, rep.Old.Platform, rep.New.Platform, len(rep.Changes))
		}
	}
	hostileError(t, runLS(t, "diff", "--json", "-", "--platform", "linux/s390x", "oci:"+old+":multi", "oci:"+new+":multi"), "old image: ")
}

// TestDiffSignals: a signal while a diff reads (the new image from an
// engine that is still exporting, or two archives) stops it with 128+n and
// one line, removes the spooled export and leaves the old report.
func TestDiffSignals(t *testing.T) {
	archive := bigDockerArchive(t)
	hanging := fakeEngine(t, archive, true)
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		t.Run(signalName(sig), func(t *testing.T) {
			report, check := reportDir(t)
			signalled(t, signalRun{args: []string{"diff", "--json", report, "--quiet", archive, "docker://layerscope-signals:1"},
				env: []string{"DOCKER_HOST=" + hanging}, ready: spooled(1 << 20)}, sig)
			check()
			report, check = reportDir(t)
			other := testdata("fixtures", "basic.docker.tar")
			signalled(t, signalRun{args: []string{"diff", "--json", report, "--quiet", other, archive}, ready: after(100 * time.Millisecond)}, sig)
			check()
		})
	}
}

// TestDiffHostileNames: names with escape sequences and newlines reach the
// text output printable and on one line, and the JSON report intact.
func TestDiffHostileNames(t *testing.T) {
	old := writeDockerSave(t, []string{"old:1"}, []string{"l0.tar"}, []synth.Entry{synth.File("plain", "p")})
	new := writeDockerSave(t, []string{"new" + evil + ":1"}, []string{"l0.tar"}, []synth.Entry{synth.File("plain", "p"), synth.File("evil"+evil, "e"),
		synth.Symlink("link", evil)})
	r := runLS(t, "diff", "--format", "text", old, new)
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	noControl(t, "the text output", r.stdout)
	if strings.Contains(r.stdout, "\nlayerscope: fake line") {
		t.Errorf("a name forged a line:\n%s", r.stdout)
	}
	rep := diffJSONOf(t, runLS(t, "diff", "--json", "-", old, new))
	if len(rep.Changes) != 2 || rep.Changes[0].Path != "/evil"+evil || rep.Changes[1].New.LinkTarget != evil {
		t.Errorf("changes %+v", rep.Changes)
	}
	g := runLS(t, "diff", "--ci", "--format", "github", "--forbiddenPaths", "**/evil*", old, new)
	noControl(t, "the annotations", g.stdout)
	if g.code != 1 || strings.Count(g.stdout, "\n") != 2 {
		t.Errorf("github annotations: exit %d\n%s", g.code, g.stdout)
	}
}

func diffJSONOf(t *testing.T, r result) diff.Report {
	t.Helper()
	var rep diff.Report
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil || r.code != 0 {
		t.Fatalf("exit %d, %v: %s", r.code, err, r.stderr)
	}
	return rep
}
