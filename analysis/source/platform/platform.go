// Package platform parses os/arch[/variant] strings and picks an image's
// manifest for a platform from an index, the same way for every source.
package platform

import (
	"fmt"
	"runtime"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// Parse reads "os/arch[/variant]". An empty string means the host's platform.
func Parse(s string) (v1.Platform, error) {
	if s == "" {
		return Host(), nil
	}
	parts := strings.Split(s, "/")
	if len(parts) < 2 || len(parts) > 3 || parts[0] == "" || parts[1] == "" {
		return v1.Platform{}, fmt.Errorf("invalid platform %q: want os/arch[/variant], e.g. linux/arm64", s)
	}
	p := v1.Platform{OS: parts[0], Architecture: parts[1]}
	if len(parts) == 3 {
		p.Variant = parts[2]
	}
	return Normalize(p), nil
}

// Host is the platform images are run with here: Linux on the host's
// architecture (as Docker Desktop does on macOS and Windows).
func Host() v1.Platform {
	return Normalize(v1.Platform{OS: "linux", Architecture: runtime.GOARCH})
}

// Normalize applies the usual equivalences: arm64 is arm64/v8, aarch64 is
// arm64, x86_64 is amd64, and a bare arm is arm/v7.
func Normalize(p v1.Platform) v1.Platform {
	switch p.Architecture {
	case "aarch64":
		p.Architecture = "arm64"
	case "x86_64", "x86-64":
		p.Architecture = "amd64"
	}
	switch {
	case p.Architecture == "arm64" && p.Variant == "":
		p.Variant = "v8"
	case p.Architecture == "arm" && p.Variant == "":
		p.Variant = "v7"
	case p.Architecture == "amd64" && p.Variant == "v1":
		p.Variant = ""
	}
	return p
}

// String formats p as os/arch[/variant].
func String(p v1.Platform) string {
	s := p.OS + "/" + p.Architecture
	if p.Variant != "" {
		s += "/" + p.Variant
	}
	return s
}

// IsAttestation reports whether a descriptor of an index is a build
// attestation or signature rather than an image for some platform.
func IsAttestation(d v1.Descriptor) bool {
	if d.Annotations["vnd.docker.reference.type"] == "attestation-manifest" {
		return true
	}
	return d.Platform != nil && d.Platform.OS == "unknown" && d.Platform.Architecture == "unknown"
}

// Select returns the descriptor of an index that matches want. When nothing
// matches, the error lists the platforms the index has.
func Select(descs []v1.Descriptor, want v1.Platform) (v1.Descriptor, error) {
	want = Normalize(want)
	var have []string
	for _, d := range descs {
		if IsAttestation(d) || d.Platform == nil {
			continue
		}
		got := Normalize(*d.Platform)
		have = append(have, String(got))
		if got.OS == want.OS && got.Architecture == want.Architecture && (want.Variant == "" || got.Variant == want.Variant) {
			return d, nil
		}
	}
	if len(have) == 0 {
		return v1.Descriptor{}, fmt.Errorf("the index has no image with a platform")
	}
	return v1.Descriptor{}, fmt.Errorf("no image for platform %s; the image has: %s", String(want), strings.Join(have, ", "))
}
