package synth

import (
	"archive/tar"
	"bytes"
	"strings"
)

// Layers for the hostile classes the analysis core refuses or summarises
// (issue 10: sizes that wrap, paths past PATH_MAX, floods of warnings).

// WriteDockerArchiveBlobs writes a docker save of the given layer blobs;
// plain[i] is blob i uncompressed (for its diff ID).
func WriteDockerArchiveBlobs(path string, blobs, plain [][]byte) error {
	return writeTar(path, dockerArchive(blobs, plain))
}

// ClaimedSizeLayer is an uncompressed layer whose one file claims size
// bytes (through a PAX size record when it does not fit the header) and
// holds none of them: the stream ends right after the header.
func ClaimedSizeLayer(name string, size int64) []byte {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	// WriteHeader writes at once; the missing data is the point, so
	// the writer is never closed.
	tw.WriteHeader(&tar.Header{Name: name, Typeflag: tar.TypeReg, Mode: 0o644, Size: size, Format: tar.FormatPAX})
	buf.Write(make([]byte, 1024))
	return buf.Bytes()
}

// EmptyNamesLayer holds n regular files with empty names, each of which
// an unpacker would take for the root.
func EmptyNamesLayer(n int) []byte {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for range n {
		tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Mode: 0o644})
	}
	tw.Close()
	return buf.Bytes()
}

// DeepLayer holds one file levels directories deep ("d/d/…/f"): a
// few hundred bytes gzip-compressed.
func DeepLayer(levels int) []byte {
	return layerBytes(File(strings.Repeat("d/", levels)+"f", "x"))
}

// Gzip compresses b.
func Gzip(b []byte) []byte { return gz(b) }
