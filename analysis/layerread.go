package analysis

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"hash/maphash"
	"io"
	"path"
	"strings"

	"github.com/layerscope/layerscope/analysis/internal/ctxio"
	"github.com/layerscope/layerscope/analysis/partial"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/layerscope/layerscope/analysis/compression"
	"github.com/layerscope/layerscope/analysis/layertar"
	"github.com/layerscope/layerscope/tree"
)

// OCI whiteout markers.
const (
	whiteoutPrefix = ".wh."
	opaqueMarker   = ".wh..wh..opq"
)

// rawEntry is one tar header of a layer, parsed but not yet placed in the
// tree (layers are parsed in parallel, placed in order).
type rawEntry struct {
	path    string // clean and relative: "etc/passwd", "" for the root
	link    string // symlink text, or the clean relative hardlink target
	size    int64
	hash    uint64
	offset  int64 // of the data in the layer blob, when not hashed yet (lazy); else -1
	modTime int64
	mode    uint32
	uid     uint32
	gid     uint32
	typ     tree.Type
	// base is where path's last component starts, found once for the
	// parse and the merge (paths are shorter than maxPathBytes).
	base uint16
}

// layerData is what one pass over a layer yields.
type layerData struct {
	entries     []rawEntry
	digest      v1.Hash // of the stored blob
	storedSize  int64
	diffID      v1.Hash // of the uncompressed tar
	size        int64   // uncompressed
	compression compression.Kind
	entryBytes  int64 // the sum of its files' sizes, checked
	verified    bool  // digest and diffID were computed (not --no-verify)
	lazy        bool  // read headers only: files carry offsets, not hashes
	warnings    warnings
	inspect     inspection // the secret scan (inspect.go)
}

// hashingReader hashes and counts what passes through it.
type hashingReader struct {
	r        io.Reader
	h        hash.Hash
	n        int64
	progress func(int64)
}

func (h *hashingReader) Read(b []byte) (int, error) {
	n, err := h.r.Read(b)
	if n > 0 {
		h.h.Write(b[:n])
		h.n += int64(n)
		if h.progress != nil {
			h.progress(int64(n))
		}
	}
	return n, err
}

// nopHash stands in where a stream needs no hashing.
type nopHash struct{ hash.Hash }

func (nopHash) Write(b []byte) (int, error) { return len(b), nil }

func hashOf(h hash.Hash) v1.Hash {
	return v1.Hash{Algorithm: "sha256", Hex: hex.EncodeToString(h.Sum(nil))}
}

// layerReader is what the workers of one parse share.
type layerReader struct {
	seed     maphash.Seed        // for content hashes, comparable within the parse
	progress func(int64)         // stored bytes read, from any worker
	zstd     *compression.Budget // bounds all zstd decoders' memory together
	verify   bool                // hash blobs and tars with SHA-256 and check them
	lazy     bool                // seek over file data of uncompressed, seekable blobs
	spare    *entryPool          // entry slices to reuse, or nil
}

func (lr *layerReader) newHash() hash.Hash {
	if lr.verify {
		return sha256.New()
	}
	return nopHash{}
}

// read streams one layer once: it hashes the stored blob and the
// uncompressed tar (unless told not to verify), and parses every header,
// hashing file contents for change detection. Nothing of the contents is
// kept.
func (lr *layerReader) read(ctx context.Context, l v1.Layer) (*layerData, error) {
	rc, err := l.Compressed()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	if rs, ok := rc.(io.ReadSeeker); ok && lr.lazy && !lr.verify {
		if d, done, err := lr.readHeaders(ctx, l, rs); done {
			return d, err
		}
	}
	stored := &hashingReader{r: blobReader{ctxio.Reader(ctx, rc)}, h: lr.newHash(), progress: lr.progress}
	br := bufio.NewReaderSize(stored, 1<<20)
	zr, kind, err := compression.Reader(br, compression.WithBudget(ctx, lr.zstd))
	if err != nil {
		return nil, tarError(err)
	}
	defer zr.Close()
	d := &layerData{compression: kind, verified: lr.verify, entries: lr.spare.take()}
	// An uncompressed blob is the tar: it is parsed straight from br (one
	// buffer), and its one hash serves as both digests. A compressed one
	// is decompressed ahead of this goroutine, which hashes the tar and
	// parses it: zstd on a goroutine of its own (with the blob's hash),
	// gzip on the decoder's own workers, several on one stream.
	var tarStream io.Reader = br
	plain := &hashingReader{h: lr.newHash()}
	var ahead *compression.Ahead
	switch kind {
	case compression.Gzip: // it decodes ahead on workers of its own
		plain.r, tarStream = zr, plain
	case compression.Zstd:
		ahead = compression.NewAhead(zr)
		plain.r, tarStream = ahead, plain
	}
	stopAhead := func() {
		if ahead != nil {
			ahead.Close() // br and stored are this goroutine's again
			ahead = nil
		}
	}
	defer stopAhead()
	err = parseTar(tarStream, d, lr.seed)
	if err == nil {
		// Read what follows the tar's end marker too, as the digests
		// cover it.
		if _, err = io.Copy(io.Discard, tarStream); err != nil {
			err = tarError(err)
		}
	}
	stopAhead()
	if err != nil {
		// A blob that is not what its digest says explains any error
		// reading it: say that rather than what went wrong after.
		if derr := lr.checkStated(ctx, l, br, stored); derr != nil {
			return nil, derr
		}
		return nil, err
	}
	if _, err := io.Copy(io.Discard, br); err != nil {
		return nil, tarError(err)
	}
	d.storedSize, d.size = stored.n, stored.n
	if kind != compression.None {
		d.size = plain.n
	}
	want, stated := statedDigest(l)
	if !lr.verify {
		d.digest = want // what the format states, unchecked; zero if nothing
		return d, nil
	}
	d.digest = hashOf(stored.h)
	d.diffID = d.digest
	if kind != compression.None {
		d.diffID = hashOf(plain.h)
	}
	if stated && want != d.digest {
		return nil, fmt.Errorf("blob does not match its digest %s (it hashes to %s)", want, d.digest)
	}
	return d, nil
}

// statedDigest is the blob's digest where its format states one.
func statedDigest(l v1.Layer) (v1.Hash, bool) {
	if kd, ok := l.(partial.StatedDigester); ok {
		if want, ok := kd.KnownDigest(); ok {
			return want, true
		}
	}
	return v1.Hash{}, false
}

// checkStated reads the rest of a blob whose digest the format states
// and reports a mismatch.
func (lr *layerReader) checkStated(ctx context.Context, l v1.Layer, rest io.Reader, stored *hashingReader) error {
	want, ok := statedDigest(l)
	if !ok || !lr.verify || ctx.Err() != nil {
		return nil
	}
	if _, err := io.Copy(io.Discard, rest); err != nil {
		return nil
	}
	if got := hashOf(stored.h); got != want {
		return fmt.Errorf("blob does not match its digest %s (it hashes to %s)", want, got)
	}
	return nil
}

func parseTar(r io.Reader, d *layerData, seed maphash.Seed) error {
	return parseEntries(layertar.NewReader(r), d, seed, false)
}

// parseEntries reads every header; with lazy, regular files are not read
// but located (their offset in the blob), for a seeking reader.
func parseEntries(tr *layertar.Reader, d *layerData, seed maphash.Seed, lazy bool) error {
	var h maphash.Hash
	h.SetSeed(seed)
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return tarError(err)
		}
		e, ok := convert(hdr, &d.warnings)
		if !ok {
			continue
		}
		if err := checkEntry(hdr.Name, e.size, e.path, e.link); err != nil {
			return err
		}
		if e.typ == tree.TypeFile {
			if d.entryBytes, err = addBytes(d.entryBytes, e.size); err != nil {
				return fmt.Errorf("its files add up to %w", err)
			}
			if lazy && e.size > 0 && !tr.Sparse() {
				e.offset = tr.DataOffset()
				d.entries = append(d.entries, e)
				continue
			}
			if e.hash, err = contentHash(tr, &h, &d.inspect, e.path, e.size, len(d.entries)); err != nil {
				if isTarFault(err) {
					return fmt.Errorf("invalid layer tar at %.200q: %w", hdr.Name, err)
				}
				return tarError(err)
			}
		}
		d.entries = append(d.entries, e)
	}
}

// contentHash reads the current regular file's data, which streams past
// only here (on the worker's goroutine, the decompressor ahead of it), and
// fingerprints it; the inspection (the secrets scan, inspect.go) sees the
// same bytes beside the hash, in the same pass.
func contentHash(tr *layertar.Reader, h *maphash.Hash, in *inspection, path string, size int64, idx int) (uint64, error) {
	h.Reset()
	if _, err := tr.WriteCompactTo(in.begin(h, path, size, idx)); err != nil {
		return 0, err
	}
	in.end()
	return h.Sum64(), nil
}

// blobError is an error reading the stored blob itself (a file, a
// connection), told apart from faults of its contents.
type blobError struct{ err error }

func (e *blobError) Error() string { return e.err.Error() }
func (e *blobError) Unwrap() error { return e.err }

// blobReader marks the errors of reading a blob as blobErrors.
type blobReader struct{ r io.Reader }

func (b blobReader) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	if err != nil && err != io.EOF {
		err = &blobError{err}
	}
	return n, err
}

// tarError says what went wrong reading a layer's tar: a fault of the
// compressed stream or of reading the blob is that, not an invalid tar.
func tarError(err error) error {
	var be *blobError
	if errors.As(err, &be) {
		return be.err
	}
	if isTarFault(err) {
		return fmt.Errorf("invalid layer tar: %w", err)
	}
	return err
}

// isTarFault tells faults of the tar itself from those of the blob, the
// compressed stream and the context.
func isTarFault(err error) bool {
	var ce *compression.Error
	var be *blobError
	return !errors.As(err, &be) && !errors.As(err, &ce) && !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded)
}

// cleanPath makes a tar name relative to the image root: "./a//b/" and
// "/a/../a/b" are "a/b"; ".." never climbs above the root. Names that are
// clean already, nearly all of them, are returned without allocating.
func cleanPath(name string) string {
	if isClean(name) {
		return name
	}
	return strings.TrimPrefix(path.Clean("/"+name), "/")
}

// isClean reports whether name is clean and relative already: no leading
// or trailing slash, and no component that is empty, "." or "..". It runs
// for every entry, so most names are settled by two substring searches
// (which look at many bytes at a time); only names with a component that
// starts with a dot have their components checked.
func isClean(name string) bool {
	if name == "" || name[0] == '/' || name[len(name)-1] == '/' || strings.Contains(name, "//") {
		return false
	}
	if name[0] != '.' && !strings.Contains(name, "/.") {
		return true
	}
	for c := range strings.SplitSeq(name, "/") {
		if c == "." || c == ".." {
			return false
		}
	}
	return true
}

// convert turns a tar header into a raw entry; ok is false for headers that
// are not part of the file system (PAX globals, AUFS metadata) and for
// those it ignores with a warning.
func convert(hdr *layertar.Header, warn *warnings) (e rawEntry, ok bool) {
	p := cleanPath(hdr.Name)
	slash := strings.LastIndexByte(p, '/')
	dir, base := p[:max(slash, 0)], p[slash+1:]
	e = rawEntry{path: p, base: uint16(slash + 1), size: hdr.Size, offset: -1, modTime: hdr.ModTime, mode: uint32(hdr.Mode & 0o7777), uid: uint32(hdr.UID), gid: uint32(hdr.GID)}
	if strings.HasPrefix(base, whiteoutPrefix) {
		switch {
		case base == opaqueMarker:
			e.path, e.typ = dir, tree.TypeOpaque
		case strings.HasPrefix(base, opaqueMarker[:len(whiteoutPrefix)*2]):
			return e, false // AUFS metadata such as .wh..wh.plnk
		case base == whiteoutPrefix || base == whiteoutPrefix+"." || base == whiteoutPrefix+"..":
			// It would delete its own directory or a parent: runtimes
			// refuse such names.
			warn.addf("ignored the invalid whiteout name %q", hdr.Name)
			return e, false
		default:
			e.path, e.typ = path.Join(dir, base[len(whiteoutPrefix):]), tree.TypeWhiteout
		}
		e.mode, e.uid, e.gid = 0, 0, 0
		e.base = uint16(strings.LastIndexByte(e.path, '/') + 1) // of the path the marker names
		return e, true
	}
	if p == "" && hdr.Typeflag != layertar.TypeDir {
		// Only a directory can be the image's root.
		warn.addf("ignored %q: a non-directory entry for the image root", hdr.Name)
		return e, false
	}
	switch hdr.Typeflag {
	case layertar.TypeReg, layertar.TypeRegA, layertar.TypeCont, layertar.TypeGNUSparse:
		e.typ = tree.TypeFile
	case layertar.TypeDir:
		e.typ = tree.TypeDir
	case layertar.TypeSymlink:
		e.typ, e.link = tree.TypeSymlink, hdr.Linkname
	case layertar.TypeLink:
		e.typ, e.link = tree.TypeHardlink, cleanPath(hdr.Linkname)
	case layertar.TypeChar:
		e.typ = tree.TypeChar
	case layertar.TypeBlock:
		e.typ = tree.TypeBlock
	case layertar.TypeFifo:
		e.typ = tree.TypeFifo
	default:
		warn.addf("ignored %q of unknown tar type %q", hdr.Name, hdr.Typeflag)
		return e, false
	}
	return e, true
}
