// Package partial names the optional capabilities of a source's layers and
// images, in the manner of go-containerregistry's partial package: the
// analysis uses them where a source has them, and wrappers forward them.
package partial

import v1 "github.com/google/go-containerregistry/pkg/v1"

// StatedDigester is a layer whose format states its blob's digest (an OCI
// descriptor): the read verifies it.
type StatedDigester interface {
	KnownDigest() (v1.Hash, bool)
}

// PathLayer is a layer stored as a file inside an archive; errors name it
// by that path.
type PathLayer interface {
	Path() string
}

// ManifestHolder is an image that can say whether it stores a manifest; a
// docker save does not, and making one up would mean reading every layer.
type ManifestHolder interface {
	HasManifest() bool
}
