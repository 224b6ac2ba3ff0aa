package synth

import (
	"bytes"
	"errors"
	"io"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// nulStandIn is written in place of NUL: one byte, not ASCII (so the name
// goes into a PAX record) and never produced by the writer otherwise.
const nulStandIn = 0xff

// NULNameImage is Image for entries whose names may contain NUL bytes.
// archive/tar refuses to write those, but a tar's PAX records can hold
// them, and an extraction must cope: each NUL is written as a stand-in
// byte that is then replaced in the finished tar. Bodies must not contain
// the stand-in.
func NULNameImage(layers ...[]Entry) (v1.Image, error) {
	img, err := Image()
	if err != nil {
		return nil, err
	}
	for _, entries := range layers {
		es := make([]Entry, len(entries))
		for i, e := range entries {
			if strings.IndexByte(e.Body, nulStandIn) >= 0 {
				return nil, errors.New("synth: a body holds the byte that stands in for NUL")
			}
			e.Name = strings.ReplaceAll(e.Name, "\x00", "\xff")
			e.Link = strings.ReplaceAll(e.Link, "\x00", "\xff")
			es[i] = e
		}
		var buf bytes.Buffer
		if err := WriteLayer(&buf, es...); err != nil {
			return nil, err
		}
		b := bytes.ReplaceAll(buf.Bytes(), []byte{nulStandIn}, []byte{0})
		l, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil },
			tarball.WithMediaType(types.OCILayer))
		if err != nil {
			return nil, err
		}
		if img, err = mutate.AppendLayers(img, l); err != nil {
			return nil, err
		}
	}
	return img, nil
}
