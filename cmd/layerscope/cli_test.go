package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// oneLineError checks the contract for bad input: exit 2 and exactly one
// line on stderr, no panic, nothing on stdout.
func oneLineError(t *testing.T, r result, wantSubstr string) {
	t.Helper()
	if r.code != 2 {
		t.Errorf("exit code %d, want 2 (stderr %q)", r.code, r.stderr)
	}
	lines := strings.Split(strings.TrimRight(r.stderr, "\n"), "\n")
	if len(lines) != 1 || !strings.HasPrefix(lines[0], "layerscope: ") {
		t.Errorf("stderr is not one 'layerscope: ...' line:\n%s", r.stderr)
	}
	if !strings.Contains(r.stderr, wantSubstr) {
		t.Errorf("stderr %q does not mention %q", r.stderr, wantSubstr)
	}
	if r.stdout != "" {
		t.Errorf("stdout not empty on error: %q", r.stdout)
	}
}

func TestBadInput(t *testing.T) {
	dir := t.TempDir()
	text := filepath.Join(dir, "notes.txt")
	os.WriteFile(text, []byte("just some text, not a tar\n"), 0o644)
	empty := filepath.Join(dir, "empty.tar")
	os.WriteFile(empty, nil, 0o644)
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"missing file", []string{"--json", "-", filepath.Join(dir, "nope.tar")}, "no such file"},
		{"not a tar", []string{"--json", "-", text}, "not a tar archive"},
		{"empty file", []string{"--json", "-", empty}, "not a tar archive"},
		{"no argument", []string{"--json", "-"}, "accepts 1 arg"},
		{"unknown flag", []string{"--bogus", "x"}, "unknown flag"},
		{"bad platform", []string{"--json", "-", "--platform", "linux", testdata("atix", "atix.tar")}, "invalid platform"},
		{"unknown source", []string{"--json", "-", "--source", "ftp", testdata("atix", "atix.tar")}, "unknown source"},
		{"ambiguous archive", []string{"--json", "-", testdata("fixtures", "multi.docker.tar")}, "layerscope-fixture:second"},
		{"unknown tag", []string{"--json", "-", testdata("fixtures", "multi.docker.tar") + ":nope:1"}, "no image tagged nope:1"},
		{"unknown OCI ref", []string{"--json", "-", "oci:" + testdata("fixtures", "basic.oci") + ":nope"}, `no image "nope"`},
		{"directory as archive", []string{"--json", "-", "docker-archive:" + testdata("fixtures", "basic.oci")}, "is a directory"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { oneLineError(t, runLS(t, c.args...), c.want) })
	}
}

func TestNoFileWrittenOnError(t *testing.T) {
	out := filepath.Join(t.TempDir(), "report.json")
	r := runLS(t, "--json", out, filepath.Join(t.TempDir(), "missing.tar"))
	if r.code != 2 {
		t.Fatalf("exit %d", r.code)
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("report file created although the analysis failed")
	}
}

func TestVersionHelpCompletion(t *testing.T) {
	if r := runLS(t, "--version"); r.code != 0 || !strings.Contains(r.stdout, "layerscope version") {
		t.Errorf("--version: %+v", r)
	}
	if r := runLS(t, "--help"); r.code != 0 || !strings.Contains(r.stdout, "Examples:") || !strings.Contains(r.stdout, "--json") {
		t.Errorf("--help lacks examples or flags: %s", r.stdout)
	}
	for shell, marker := range map[string]string{"bash": "complete -o default", "zsh": "#compdef layerscope", "fish": "complete -c layerscope"} {
		if r := runLS(t, "completion", shell); r.code != 0 || !strings.Contains(r.stdout, marker) {
			t.Errorf("completion %s: exit %d, output lacks %q", shell, r.code, marker)
		}
	}
}

// TestAtix: the article's hand-made image loads from the committed file, and
// its fake diff_id is a warning, on stderr and in the report, not a failure.
func TestAtix(t *testing.T) {
	r := runLS(t, "--json", "-", "--files", testdata("atix", "atix.tar"))
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	var rep report
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Image.Name != "atix:tiny" || rep.Image.Source != "docker-archive" || rep.Image.Platform != "linux/amd64" {
		t.Errorf("image = %+v", rep.Image)
	}
	if len(rep.Layers) != 1 || rep.Layers[0].Compression != "gzip" || rep.Layers[0].DiffID != "sha256:5962285ecca4a05d873887b24651922e65d9d32f4902ed0c54ada32c26559e72" {
		t.Errorf("layers = %+v", rep.Layers)
	}
	if len(rep.Files) != 1 || rep.Files[0].Path != "/hello-atix.txt" || rep.Files[0].Size != 10 {
		t.Errorf("files = %+v", rep.Files)
	}
	if rep.Image.SizeBytes != 10 || rep.Image.WastedBytes != 0 || rep.Image.Efficiency != 1 {
		t.Errorf("metrics = %+v", rep.Image)
	}
	if len(rep.Image.Warnings) != 1 || !strings.Contains(rep.Image.Warnings[0], "does not match the config's diff_id") {
		t.Errorf("warnings = %q", rep.Image.Warnings)
	}
	if !strings.Contains(r.stderr, "warning: layer 0: content digest") {
		t.Errorf("stderr lacks the warning: %q", r.stderr)
	}
	// The loadable variant has the right diff_id and no warning.
	r = runLS(t, "--json", "-", testdata("atix", "atix-loadable.tar"))
	if r.code != 0 || strings.Contains(r.stdout, "does not match") {
		t.Errorf("atix-loadable: exit %d, %s", r.code, r.stderr)
	}
}

func TestJSONToFile(t *testing.T) {
	out := filepath.Join(t.TempDir(), "r.json")
	r := runLS(t, "--json", out, testdata("fixtures", "basic.oci"))
	if r.code != 0 || r.stdout != "" {
		t.Fatalf("exit %d stdout %q stderr %q", r.code, r.stdout, r.stderr)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var rep report
	if err := json.Unmarshal(b, &rep); err != nil || len(rep.Layers) == 0 || rep.Files != nil {
		t.Errorf("report file: err %v, %d layers, files %v (want none without --files)", err, len(rep.Layers), rep.Files != nil)
	}
}
