// Package advice turns an analysed image into findings that name the layer
// to fix: package caches left behind, bytes one layer adds and a later one
// removes, copies made only to change metadata, duplicate files, and
// secrets. Each finding says what fixing it reclaims; the total counts no
// byte twice.
//
// The package reads a finished tree.FS and plain values; it never reads
// layer data itself. Secrets in file contents are found while the analysis
// reads each layer (Scanner), and handed in as FileSecrets.
package advice

import (
	"cmp"
	"fmt"
	"math/bits"
	"slices"
	"strings"

	"github.com/dustin/go-humanize/english"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/layerscope/layerscope/tree"
)

// The kinds of finding, as the JSON report names them.
const (
	KindPackageCache     = "package-cache"
	KindRemovedLater     = "removed-later"
	KindMetadataOnly     = "metadata-only"
	KindDuplicateContent = "duplicate-content"
	KindSecret           = "secret"
)

// maxPaths is how many paths a finding lists (the largest).
const maxPaths = 20

// MaxFindings bounds the findings of each kind that a report lists, the
// largest; the total still counts them all. A hostile image of a million
// duplicate pairs gets a report of a bounded size.
const MaxFindings = 1000

// Finding is one piece of advice.
type Finding struct {
	Kind    string   `json:"kind"`
	Layer   int      `json:"layer"` // the layer to fix
	Bytes   int64    `json:"bytes"` // what fixing it reclaims
	Paths   []string `json:"paths"` // absolute, the largest first, at most 20
	Count   int      `json:"count"` // all paths
	Message string   `json:"message"`
	Fix     string   `json:"fix"`
	// RemovedBy: for removed-later, the layer that deletes or overwrites
	// the bytes; for a secret in a file, the layer that deletes it (the
	// secret is still shipped in Layer).
	RemovedBy *int `json:"removedBy,omitempty"`
	// Cache names the package cache of a package-cache finding (apt, pip, …).
	Cache string `json:"cache,omitempty"`
	// Changed lists what a metadata-only layer changed: mode, owner, mtime.
	Changed []string `json:"changed,omitempty"`
	Secret  *Secret  `json:"secret,omitempty"`

	claims []tree.EntryID // the entries whose bytes Bytes counts
}

// Secret describes a secret without its value.
type Secret struct {
	Type     string `json:"type"`           // "GitHub token", "private key (RSA)", …
	Where    string `json:"where"`          // file, env, label, history
	Name     string `json:"name,omitempty"` // the ENV variable or label key
	Redacted string `json:"redacted"`       // the start of the value and "…": never the whole value
	Length   int    `json:"length"`         // of the whole value, in bytes
}

// Report is the advice for one image.
type Report struct {
	Findings         []Finding
	ReclaimableBytes int64
	// Omitted counts the findings left out beyond MaxFindings of a kind.
	Omitted int
	// NotChecked lists kinds that could not be checked because the
	// analysis skipped file contents (--no-verify): duplicate-content, and
	// secret for file contents (ENV, labels and history still are).
	NotChecked []string
}

// FileSecret is a secret found in the contents of one entry.
type FileSecret struct {
	Entry tree.EntryID
	Match Match
}

// Input is what Compute needs from an analysis.
type Input struct {
	FS       *tree.FS
	Commands []string // each layer's build step, redacted, for messages
	// Steps holds each layer's history steps as stored (CreatedBy), to
	// find which layer set an ENV or label.
	Steps  [][]string
	Config *v1.ConfigFile
	// BaseLayers: how many bottom layers are the base image (whose files
	// a Dockerfile cannot make and remove in one RUN).
	BaseLayers int
	// Secrets found in file contents during the read.
	Secrets []FileSecret
	// ContentsRead is false when some layer was read headers-only: file
	// hashes are then missing.
	ContentsRead bool
	// SecretsScanned: every candidate file's contents were scanned (in
	// the read, or by offset after a headers-only one).
	SecretsScanned bool
}

// Compute finds everything, largest first.
func Compute(in Input) Report {
	var rep Report
	if in.FS == nil {
		return rep
	}
	// The copies are looked for while the other kinds are found, on
	// other goroutines (findAllCopies).
	var found copies
	done := make(chan struct{})
	go func() {
		defer close(done)
		if in.ContentsRead {
			found = findAllCopies(in.FS)
		}
	}()
	var fs []Finding
	fs = append(fs, packageCaches(in)...)
	fs = append(fs, removedLater(in)...)
	fs = append(fs, metadataOnly(in)...)
	<-done
	if in.ContentsRead {
		fs = append(fs, duplicates(in, found, fs)...)
	} else {
		rep.NotChecked = append(rep.NotChecked, KindDuplicateContent)
	}
	if !in.SecretsScanned {
		rep.NotChecked = append(rep.NotChecked, KindSecret)
	}
	fs = append(fs, fileSecrets(in)...)
	fs = append(fs, configSecrets(in)...)
	slices.SortStableFunc(fs, func(a, b Finding) int {
		if c := cmp.Compare(b.Bytes, a.Bytes); c != 0 {
			return c
		}
		if c := cmp.Compare(kindOrder(a.Kind), kindOrder(b.Kind)); c != 0 {
			return c
		}
		if c := cmp.Compare(a.Layer, b.Layer); c != 0 {
			return c
		}
		return strings.Compare(first(a.Paths), first(b.Paths))
	})
	rep.ReclaimableBytes = reclaimable(in.FS, fs)
	perKind := map[string]int{}
	rep.Findings = slices.DeleteFunc(fs, func(x Finding) bool {
		perKind[x.Kind]++
		return perKind[x.Kind] > MaxFindings
	})
	rep.Omitted = len(fs) - len(rep.Findings)
	return rep
}

func kindOrder(k string) int {
	return slices.Index([]string{KindSecret, KindPackageCache, KindRemovedLater, KindMetadataOnly, KindDuplicateContent}, k)
}

func first(p []string) string {
	if len(p) == 0 {
		return ""
	}
	return p[0]
}

// reclaimable sums the bytes of every entry some finding claims, each once.
// The claims are marked first and summed in EntryID order after, so that
// the entries are read in the order they lie in memory, not in the order
// of the findings (a million claimed copies, interleaved).
func reclaimable(f *tree.FS, fs []Finding) int64 {
	seen := newEntrySet(f)
	for _, x := range fs {
		for _, id := range x.claims {
			seen.add(id)
		}
	}
	var total int64
	seen.each(func(id tree.EntryID) { total = addSat(total, f.Entry(id).Bytes()) })
	return total
}

// entrySet is a set of entries as one bit each: claims can be most of an
// image's entries (a tree of copies), and a map of them costs far more.
type entrySet []uint64

func newEntrySet(f *tree.FS) entrySet { return make(entrySet, f.NumEntries()/64+1) }

// add adds id and reports whether it was new.
func (s entrySet) add(id tree.EntryID) bool {
	w, bit := id/64, uint64(1)<<(id%64)
	if int(w) >= len(s) || s[w]&bit != 0 {
		return false
	}
	s[w] |= bit
	return true
}

// each calls fn for every member, in increasing order.
func (s entrySet) each(fn func(tree.EntryID)) {
	for w, bitsSet := range s {
		for bitsSet != 0 {
			fn(tree.EntryID(w*64 + bits.TrailingZeros64(bitsSet)))
			bitsSet &= bitsSet - 1
		}
	}
}

func (s entrySet) has(id tree.EntryID) bool {
	w := id / 64
	return int(w) < len(s) && s[w]&(1<<(id%64)) != 0
}

// addSat adds sizes that the analysis has checked already; it saturates
// rather than wrap, as a safeguard.
func addSat(a, b int64) int64 {
	if s := a + b; s >= a {
		return s
	}
	return 1<<63 - 1
}

// group collects the entries of one finding while the FS is walked.
type group struct {
	layer, other int
	bytes        int64
	ids          []tree.EntryID
}

func (g *group) add(id tree.EntryID, e *tree.Entry) {
	g.bytes = addSat(g.bytes, e.Bytes())
	g.ids = append(g.ids, id)
}

// paths returns the absolute paths of the largest entries, at most
// maxPaths, ties in the order of ids (tar order). It keeps the largest so
// far in a short sorted list: a group can hold most of an image's files,
// and sorting them all cost more than finding them.
func paths(f *tree.FS, ids []tree.EntryID) []string {
	type kept struct {
		id    tree.EntryID
		bytes int64
	}
	top := make([]kept, 0, min(len(ids), maxPaths))
	for _, id := range ids {
		b := f.Entry(id).Bytes()
		if len(top) == maxPaths && b <= top[maxPaths-1].bytes {
			continue // no larger than the smallest kept, and later
		}
		// After every kept entry at least as large: ties stay in order.
		i := len(top)
		for i > 0 && top[i-1].bytes < b {
			i--
		}
		if len(top) < maxPaths {
			top = append(top, kept{})
		}
		copy(top[i+1:], top[i:])
		top[i] = kept{id, b}
	}
	largest := make([]tree.EntryID, len(top))
	for i, k := range top {
		largest[i] = k.id
	}
	return pathsOf(f, largest)
}

// pathsOf returns the absolute paths of the entries ids.
func pathsOf(f *tree.FS, ids []tree.EntryID) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = f.Path(f.Entry(id).Node)
	}
	return out
}

// step names layer i with its command, shortened and printable.
func step(in Input, i int) string {
	if i >= 0 && i < len(in.Commands) && in.Commands[i] != "" {
		return fmt.Sprintf("layer %d (%s)", i, shorten(tree.Printable(in.Commands[i]), 48))
	}
	return fmt.Sprintf("layer %d", i)
}

func shorten(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}

// plural is "1 file" or "3 files".
func plural(n int, what string) string {
	return fmt.Sprintf("%d %s", n, english.PluralWord(n, what, ""))
}
