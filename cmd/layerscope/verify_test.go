package main

import (
	"reflect"
	"strings"
	"testing"
)

// TestNoVerify: --no-verify gives the same tree and metrics without the
// digest checks: atix's fake diff_id goes unnoticed, the layer digest of a
// docker save (which states none) is left empty, and an OCI layout's
// stated digests are reported as stated.
func TestNoVerify(t *testing.T) {
	for _, img := range []string{testdata("atix", "atix.tar"), testdata("fixtures", "basic.docker.tar"), testdata("fixtures", "basic.oci")} {
		verified := analyzeJSON(t, img, "--files", "--changes")
		fast := analyzeJSON(t, img, "--files", "--changes", "--no-verify")
		if !reflect.DeepEqual(verified.Files, fast.Files) || verified.Image.SizeBytes != fast.Image.SizeBytes ||
			verified.Image.WastedBytes != fast.Image.WastedBytes {
			t.Errorf("%s: --no-verify changes the analysis", img)
		}
		for i, l := range fast.Layers {
			v := verified.Layers[i]
			if l.Digest != "" && l.Digest != v.Digest {
				t.Errorf("%s layer %d: digest %s unverified, %s verified", img, i, l.Digest, v.Digest)
			}
			if l.DiffID != v.DiffID || l.CompressedSizeBytes != v.CompressedSizeBytes || !reflect.DeepEqual(l.Changes, v.Changes) ||
				l.SizeBytes != v.SizeBytes || l.Added != v.Added || l.Modified != v.Modified || l.Removed != v.Removed {
				t.Errorf("%s layer %d: %+v vs %+v", img, i, l, v)
			}
		}
		for _, w := range fast.Image.Warnings {
			if strings.Contains(w, "does not match") {
				t.Errorf("%s: a digest check ran: %s", img, w)
			}
		}
	}
}
