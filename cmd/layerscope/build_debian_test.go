package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestDiveDefaultsFailDebianSlimming: a Debian image that deletes its
// documentation in a later layer, the usual way of "slimming" that saves
// nothing, passed every `layerscope --ci` without a configuration, where
// `dive --ci` fails it. With dive's defaults it fails (the deleted files
// are all of the waste above the base), the report says the defaults
// are in force, and an explicit empty rules: passes it. Built with
// layerscope build, with the legacy builder.
func TestDiveDefaultsFailDebianSlimming(t *testing.T) {
	t.Parallel() // mostly waiting on docker build: overlaps with the other builds
	if testing.Short() {
		t.Skip("about 20 s: imports the cached debootstrap base")
	}
	needDocker(t)
	needTool(t, "debootstrap")
	if os.Geteuid() != 0 {
		needOrSkip(t, "root (debootstrap)")
	}
	base := importDebianBase(t, uniqueTag("layerscope-defaults-debian-base"))
	ctx := t.TempDir()
	os.WriteFile(filepath.Join(ctx, "Dockerfile"), []byte("FROM "+base+"\nRUN rm -rf /usr/share/doc /usr/share/man /usr/share/info\n"), 0o644)
	tag := uniqueTag("layerscope-defaults-debian")
	t.Cleanup(func() { sh(t, "docker", "rmi", "-f", tag) })

	dir := t.TempDir() // no rules file here
	r := runIn(t, dir, []string{"DOCKER_BUILDKIT=0", "CI="}, "build", "--ci", "--base-layers", "1", "-t", tag, ctx)
	if r.code != 1 {
		t.Fatalf("exit %d, want 1 (dive's defaults fail it)\n%s\n%s", r.code, r.stdout, tail(r.stderr))
	}
	for _, want := range []string{"rules       dive's default rules are in force", "FAIL  highestUserWastedPercent", "Image " + tag + " (docker)"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("the report lacks %q:\n%s", want, r.stdout)
		}
	}
	os.WriteFile(filepath.Join(dir, ".layerscope-ci.yaml"), []byte("rules:\n"), 0o644)
	if r := runIn(t, dir, []string{"CI="}, "--ci", "docker://"+tag); r.code != 0 || !strings.Contains(r.stdout, "PASS [pass:0 fail:0 skip:9]") {
		t.Errorf("with rules: empty: exit %d\n%s", r.code, r.stdout)
	}
}
