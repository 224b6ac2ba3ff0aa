package platform

import (
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

func TestParseNormalize(t *testing.T) {
	for in, want := range map[string]string{
		"linux/arm64":      "linux/arm64/v8",
		"linux/arm64/v8":   "linux/arm64/v8",
		"linux/aarch64":    "linux/arm64/v8",
		"linux/amd64":      "linux/amd64",
		"linux/x86_64":     "linux/amd64",
		"linux/arm":        "linux/arm/v7",
		"linux/arm/v6":     "linux/arm/v6",
		"windows/amd64":    "windows/amd64",
		"linux/amd64/v1":   "linux/amd64",
		"linux/ppc64le":    "linux/ppc64le",
		"linux/riscv64":    "linux/riscv64",
		"darwin/arm64/v8":  "darwin/arm64/v8",
		"linux/s390x":      "linux/s390x",
		"freebsd/amd64":    "freebsd/amd64",
		"linux/386":        "linux/386",
		"linux/mips64le":   "linux/mips64le",
		"linux/arm64/v9":   "linux/arm64/v9",
		"linux/amd64/v3":   "linux/amd64/v3",
		"wasip1/wasm":      "wasip1/wasm",
		"linux/loong64":    "linux/loong64",
		"solaris/amd64":    "solaris/amd64",
		"plan9/386":        "plan9/386",
		"netbsd/arm/v5":    "netbsd/arm/v5",
		"openbsd/arm64/v8": "openbsd/arm64/v8",
	} {
		p, err := Parse(in)
		if err != nil || String(p) != want {
			t.Errorf("Parse(%q) = %q, %v; want %q", in, String(p), err, want)
		}
	}
	for _, bad := range []string{"linux", "/amd64", "linux/", "a/b/c/d"} {
		if _, err := Parse(bad); err == nil {
			t.Errorf("Parse(%q) succeeded", bad)
		}
	}
}

func TestSelect(t *testing.T) {
	d := func(os, arch, variant string) v1.Descriptor {
		return v1.Descriptor{Platform: &v1.Platform{OS: os, Architecture: arch, Variant: variant}}
	}
	descs := []v1.Descriptor{
		d("unknown", "unknown", ""), // a BuildKit attestation
		d("linux", "amd64", ""),
		d("linux", "arm64", "v8"),
		d("linux", "arm", "v7"),
	}
	for want, idx := range map[string]int{"linux/amd64": 1, "linux/arm64": 2, "linux/arm64/v8": 2, "linux/arm": 3} {
		p, _ := Parse(want)
		got, err := Select(descs, p)
		if err != nil || got.Platform != descs[idx].Platform {
			t.Errorf("Select(%s) = %v, %v; want entry %d", want, got.Platform, err, idx)
		}
	}
	p, _ := Parse("linux/s390x")
	_, err := Select(descs, p)
	if err == nil || !strings.Contains(err.Error(), "linux/amd64, linux/arm64/v8, linux/arm/v7") || strings.Contains(err.Error(), "unknown") {
		t.Errorf("error %v should list the platforms, without the attestation", err)
	}
}
