package synth

import (
	"archive/tar"
	"bytes"
	"errors"
	"fmt"
	"os"
	"strconv"
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

// SparseLayer holds files named name0, name1, … each a real PAX 0.1
// sparse file of realsize bytes that stores 4 bytes: what it occupies
// unpacked is realsize, what the layer carries is a few blocks.
func SparseLayer(name string, files int, realsize int64) []byte {
	var t RawTar
	for i := range files {
		t.PAX('x', "GNU.sparse.major=0", "GNU.sparse.minor=1", fmt.Sprintf("GNU.sparse.name=%s%d", name, i),
			fmt.Sprintf("GNU.sparse.realsize=%d", realsize), "GNU.sparse.numblocks=1", "GNU.sparse.map=0,4")
		t.File(fmt.Sprintf("GNUSparseFile.0/%s%d", name, i), []byte("data"))
	}
	return t.Bytes()
}

// BytesRead is what this process has read through system calls so far
// (rchar of /proc/self/io): a test measures a read's cost with it.
func BytesRead() (int64, error) {
	b, err := os.ReadFile("/proc/self/io")
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "rchar: "); ok {
			return strconv.ParseInt(v, 10, 64)
		}
	}
	return 0, errors.New("no rchar in /proc/self/io")
}
