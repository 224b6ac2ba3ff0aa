package main

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"

	"github.com/layerscope/layerscope/analysis/synth"
)

// leakyArchive writes a docker save whose one layer has a .npmrc with a
// token (and returns the token).
func leakyArchive(t *testing.T) (string, string) {
	t.Helper()
	tok := "npm_" + strings.Repeat("Q1w2E3", 6)
	var layer bytes.Buffer
	if err := synth.WriteLayer(&layer, synth.File("root/.npmrc", "//registry.npmjs.org/:_authToken="+tok+"\n"),
		synth.File("app/big.bin", strings.Repeat("z", 5000)), synth.File("app/copy.bin", strings.Repeat("z", 5000))); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "leaky.tar")
	if err := synth.WriteDockerArchiveBlobs(p, [][]byte{layer.Bytes()}, [][]byte{layer.Bytes()}); err != nil {
		t.Fatal(err)
	}
	return p, tok
}

func TestAdviceRuleFlags(t *testing.T) {
	archive, tok := leakyArchive(t)
	dir := t.TempDir() // no config file
	r := runIn(t, dir, nil, "--ci", "--quiet", archive)
	if r.code != 1 || !strings.Contains(r.stdout, "FAIL  secrets") || !strings.Contains(r.stdout, "How to shrink (5.1 kB reclaimable, 1 finding)") {
		t.Errorf("default rules: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if strings.Contains(r.stdout+r.stderr, tok) || !strings.Contains(r.stdout, "npm_Q1…(40 characters)") {
		t.Errorf("the token is printed whole or not at all:\n%s", r.stdout)
	}
	off := runIn(t, dir, nil, "--ci", "--quiet", "--secrets", "off", "--highestReclaimableBytes", "5073B", archive)
	if !strings.Contains(off.stdout, "SKIP  secrets") || !strings.Contains(off.stdout, "FAIL  highestReclaimableBytes") {
		t.Errorf("--secrets off --highestReclaimableBytes 5073B:\n%s%s", off.stdout, off.stderr)
	}
	pass := runIn(t, dir, nil, "--ci", "--quiet", "--secrets", "off", "--highestReclaimableBytes", "5074B", archive)
	if !strings.Contains(pass.stdout, "PASS  highestReclaimableBytes") {
		t.Errorf("--highestReclaimableBytes 5074B:\n%s", pass.stdout)
	}
	if bad := runIn(t, dir, nil, "--ci", "--quiet", "--secrets", "maybe", archive); bad.code != 2 || !strings.Contains(bad.stderr, "secrets") {
		t.Errorf("--secrets maybe: exit %d: %s", bad.code, bad.stderr)
	}
	js := runIn(t, dir, nil, "--json", "-", "--quiet", archive)
	rep := decodeAdvice(t, js.stdout)
	// The copy (5000) and the .npmrc's own 74 bytes.
	if rep.Image.ReclaimableBytes != 5074 || len(rep.Advice) != 2 || strings.Contains(js.stdout, tok) {
		t.Errorf("JSON: %d reclaimable, %d findings:\n%s", rep.Image.ReclaimableBytes, len(rep.Advice), findingsText(rep.Advice))
	}
}
