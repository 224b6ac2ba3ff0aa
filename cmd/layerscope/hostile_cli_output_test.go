//go:build linux

package main

import (
	"archive/tar"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/layerscope/layerscope/analysis/synth"
)

// evil is what a hostile image puts in its strings: a terminal title,
// clear screen, a cursor move, and newlines that would forge more lines.
const evil = "x\x1b]0;owned\x07\x1b[2J\x1b[H\nlayerscope: fake line\r\n\u009b31m"

// writeDockerSave writes a docker save whose manifest names tags and layer
// paths as given; the layers' tars are the entries.
func writeDockerSave(t *testing.T, tags, layerPaths []string, layers ...[]synth.Entry) string {
	t.Helper()
	var members []struct {
		name string
		data []byte
	}
	add := func(name string, data []byte) {
		members = append(members, struct {
			name string
			data []byte
		}{name, data})
	}
	var diffIDs []string
	for i, entries := range layers {
		var b bytes.Buffer
		if err := synth.WriteLayer(&b, entries...); err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(b.Bytes())
		diffIDs = append(diffIDs, "sha256:"+hex.EncodeToString(sum[:]))
		add(layerPaths[i], b.Bytes())
	}
	cfg, _ := json.Marshal(map[string]any{"os": "linux", "architecture": "amd64", "rootfs": map[string]any{"type": "layers", "diff_ids": diffIDs}})
	add("config.json", cfg)
	man, _ := json.Marshal([]map[string]any{{"Config": "config.json", "RepoTags": tags, "Layers": layerPaths}})
	add("manifest.json", man)
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, m := range members {
		tw.WriteHeader(&tar.Header{Name: m.name, Typeflag: tar.TypeReg, Mode: 0o644, Size: int64(len(m.data))})
		tw.Write(m.data)
	}
	tw.Close()
	p := filepath.Join(t.TempDir(), "image.tar")
	if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestHostileStringsStayOnOneLine: strings from images and servers with
// escape sequences and newlines (tags, layer paths, ref annotations,
// platforms, a registry's error reply) reach stderr as one line without a
// control byte, in errors and in warnings.
func TestHostileStringsStayOnOneLine(t *testing.T) {
	layer := []synth.Entry{synth.File("f", "x")}
	tagged := writeDockerSave(t, []string{"app:" + evil, "b" + evil + ":1"}, []string{"0/layer.tar"}, layer)
	// The manifest names a layer the archive does not hold.
	missing := writeDockerSave(t, []string{"app:1"}, []string{"0/layer.tar"}, layer)
	rewriteManifestLayer(t, missing, "0/"+evil+".tar")

	refDir := filepath.Join(t.TempDir(), "layout")
	idx, err := synth.PlatformIndex(v1.Platform{OS: "linux", Architecture: "amd64"})
	if err != nil {
		t.Fatal(err)
	}
	if err := synth.WriteLayout(refDir, "v1"+evil, idx); err != nil {
		t.Fatal(err)
	}
	platDir := filepath.Join(t.TempDir(), "layout")
	idx, err = synth.PlatformIndex(v1.Platform{OS: "linux" + evil, Architecture: "arm" + evil}, v1.Platform{OS: "linux", Architecture: "ppc64le"})
	if err != nil {
		t.Fatal(err)
	}
	if err := synth.WriteLayout(platDir, "v1", idx); err != nil {
		t.Fatal(err)
	}
	reg := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusInternalServerError)
		io.WriteString(w, `{"errors":[{"code":"UNKNOWN","message":"`+strings.ReplaceAll(jsonEscape(evil), `"`, `\"`)+`"}]}`)
	}))
	defer reg.Close()
	host := strings.TrimPrefix(reg.URL, "http://")

	for _, c := range []struct {
		name string
		args []string
		want string
	}{
		{"RepoTags", []string{tagged + ":nope"}, "no image tagged nope"},
		{"layer path", []string{missing}, missing},
		{"ref annotation", []string{"oci:" + refDir + ":nope"}, "nope"},
		{"platform", []string{"--platform", "linux/s390x", platDir}, "no image for platform"},
		{"registry reply", []string{"--insecure", "registry://" + host + "/app:1"}, host},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := runBounded(t, bounded{}, append([]string{"--json", "-", "--quiet"}, c.args...)...)
			hostileError(t, r.result, c.want)
		})
	}

	t.Run("warning paths", func(t *testing.T) {
		img := writeDockerSave(t, []string{"app:1"}, []string{"0/layer.tar"},
			[]synth.Entry{synth.Hardlink("h"+evil, "gone"+evil), synth.File("a"+evil+"/f", "")})
		r := runBounded(t, bounded{}, "--json", "-", "--quiet", img)
		if r.code != 0 {
			t.Fatalf("exit %d: %s", r.code, r.stderr)
		}
		rep := decodeReport(t, r.stdout)
		lines := strings.Split(strings.TrimSuffix(r.stderr, "\n"), "\n")
		if len(rep.Image.Warnings) == 0 || len(lines) != len(rep.Image.Warnings) {
			t.Fatalf("%d warnings, %d stderr lines: %q", len(rep.Image.Warnings), len(lines), r.stderr)
		}
		for _, l := range lines {
			if !strings.HasPrefix(l, "layerscope: warning: ") {
				t.Errorf("stderr line %q", l)
			}
		}
		noControl(t, "stderr", r.stderr)
	})
}

func jsonEscape(s string) string {
	b, _ := json.Marshal(s)
	return string(b[1 : len(b)-1])
}

// rewriteManifestLayer points the archive's manifest at a layer path it
// does not hold.
func rewriteManifestLayer(t *testing.T, archive, layerPath string) {
	t.Helper()
	b, err := os.ReadFile(archive)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	tr, tw := tar.NewReader(bytes.NewReader(b)), tar.NewWriter(&out)
	for {
		h, err := tr.Next()
		if err != nil {
			break
		}
		data, _ := io.ReadAll(tr)
		if h.Name == "manifest.json" {
			var m []map[string]any
			json.Unmarshal(data, &m)
			m[0]["Layers"] = []string{layerPath}
			data, _ = json.Marshal(m)
			h.Size = int64(len(data))
		}
		tw.WriteHeader(h)
		tw.Write(data)
	}
	tw.Close()
	if err := os.WriteFile(archive, out.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// copyFile copies src to a new file in dir.
func copyFile(t *testing.T, src, dir string) string {
	t.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, filepath.Base(src))
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// onlyFiles fails unless dir holds exactly names: no temporary file left.
func onlyFiles(t *testing.T, dir string, names ...string) {
	t.Helper()
	entries, _ := os.ReadDir(dir)
	var got []string
	for _, e := range entries {
		got = append(got, e.Name())
	}
	if strings.Join(got, ",") != strings.Join(names, ",") {
		t.Errorf("%s holds %v, want %v", dir, got, names)
	}
}

// TestReportNeverOverAnInput: --json naming the image (by its path, a
// symlink or a hardlink) or a file inside an OCI layout is refused with
// exit 2 before anything is written.
func TestReportNeverOverAnInput(t *testing.T) {
	dir := t.TempDir()
	img := copyFile(t, testdata("fixtures", "basic.docker.tar"), dir)
	os.Symlink(img, filepath.Join(dir, "sym.tar"))
	if err := os.Link(img, filepath.Join(dir, "hard.tar")); err != nil {
		t.Fatal(err)
	}
	layout := filepath.Join(t.TempDir(), "layout")
	idx, err := synth.PlatformIndex(v1.Platform{OS: "linux", Architecture: "amd64"})
	if err != nil {
		t.Fatal(err)
	}
	if err := synth.WriteLayout(layout, "v1", idx); err != nil {
		t.Fatal(err)
	}
	index := filepath.Join(layout, "index.json")
	same := unchanged(t, img, index)
	for _, c := range []struct {
		name, out, image, want string
	}{
		{"the image", img, img, "is the input"},
		{"a symlink to it", filepath.Join(dir, "sym.tar"), img, "is the input"},
		{"a hardlink to it", filepath.Join(dir, "hard.tar"), "docker-archive:" + img, "is the input"},
		{"the layout's index", index, "oci:" + layout, "is inside the input"},
		{"a new file in the layout", filepath.Join(layout, "blobs", "report.json"), layout, "is inside the input"},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := runBounded(t, bounded{}, "--json", c.out, "--quiet", c.image)
			hostileError(t, r.result, c.want)
		})
	}
	same()
	onlyFiles(t, dir, "basic.docker.tar", "hard.tar", "sym.tar")
	if _, err := os.Stat(filepath.Join(layout, "blobs", "report.json")); err == nil {
		t.Error("a report was written into the layout")
	}
}

// TestReportIsAllOrNothing: a failed run leaves the previous report as it
// was and no temporary file; a successful one replaces it whole, keeping
// its mode, writes through a symlink to its target, and writes a device
// (/dev/null) in place instead of renaming over it.
func TestReportIsAllOrNothing(t *testing.T) {
	dir := t.TempDir()
	report := filepath.Join(dir, "report.json")
	if err := os.WriteFile(report, []byte("old\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	broken := filepath.Join(t.TempDir(), "broken.tar")
	b, _ := os.ReadFile(testdata("fixtures", "basic.docker.tar"))
	os.WriteFile(broken, b[:len(b)/2], 0o644)
	r := runBounded(t, bounded{}, "--json", report, "--quiet", broken)
	hostileError(t, r.result, broken)
	if got, _ := os.ReadFile(report); string(got) != "old\n" {
		t.Errorf("a failed run changed the report: %.40q", got)
	}
	onlyFiles(t, dir, "report.json")

	img := testdata("fixtures", "basic.docker.tar")
	if r := runBounded(t, bounded{}, "--json", report, "--quiet", img); r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	got, _ := os.ReadFile(report)
	decodeReport(t, string(got))
	if st, _ := os.Stat(report); st.Mode().Perm() != 0o600 {
		t.Errorf("the report's mode went from 0600 to %v", st.Mode().Perm())
	}
	onlyFiles(t, dir, "report.json")

	link := filepath.Join(dir, "latest.json")
	os.Symlink("report.json", link)
	os.WriteFile(report, nil, 0o600)
	if r := runBounded(t, bounded{}, "--json", link, "--quiet", img); r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	if st, err := os.Lstat(link); err != nil || st.Mode()&os.ModeSymlink == 0 {
		t.Errorf("the symlink was replaced: %v %v", st.Mode(), err)
	}
	if got, _ := os.ReadFile(report); len(got) == 0 {
		t.Error("nothing written through the symlink")
	}

	if r := runBounded(t, bounded{}, "--json", os.DevNull, "--quiet", img); r.code != 0 {
		t.Fatalf("--json /dev/null: exit %d: %s", r.code, r.stderr)
	}
	if st, err := os.Stat(os.DevNull); err != nil || st.Mode()&os.ModeCharDevice == 0 {
		t.Fatalf("/dev/null is no longer a device: %v %v", st.Mode(), err)
	}
}

// TestClosedStdout: a reader that stops early (| head) ends the run with
// 141 (128 + SIGPIPE) and one line, after cleaning up.
func TestClosedStdout(t *testing.T) {
	archive := bigDockerArchive(t)
	tmp := t.TempDir()
	cmd := exec.Command(binary, "--json", "-", "--files", "--quiet", archive)
	cmd.Env = withEnv(os.Environ(), []string{"TMPDIR=" + tmp})
	var errb bytes.Buffer
	cmd.Stderr = &errb
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	io.ReadFull(out, make([]byte, 100))
	out.Close()
	cmd.Wait()
	if got := cmd.ProcessState.ExitCode(); got != 128+int(syscall.SIGPIPE) {
		t.Errorf("exit code %d (%v), want 141; stderr %q", got, cmd.ProcessState, errb.String())
	}
	hostileLine(t, errb.String(), "broken pipe")
	if entries, _ := os.ReadDir(tmp); len(entries) != 0 {
		t.Errorf("left in TMPDIR: %v", entries)
	}
}

// hostileLine checks that stderr is one "layerscope: " line mentioning want.
func hostileLine(t *testing.T, stderr, want string) {
	t.Helper()
	if strings.Count(stderr, "\n") != 1 || !strings.HasPrefix(stderr, "layerscope: ") || !strings.Contains(stderr, want) {
		t.Errorf("stderr %q, want one line about %q", stderr, want)
	}
	noControl(t, "stderr", stderr)
}
