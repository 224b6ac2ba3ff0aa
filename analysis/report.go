package analysis

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/layerscope/layerscope/analysis/advice"
	"github.com/layerscope/layerscope/tree"
)

// ReportVersion changes only when a field changes meaning or goes away.
const ReportVersion = 1

// ImageInfo is what the source knows about the image.
type ImageInfo struct {
	Name         string
	Source       string
	Digest       string // of the manifest, where the source stores one
	ConfigDigest string
	Platform     string
}

// ReportOptions choose the optional parts of the report.
type ReportOptions struct {
	Files   bool // the merged file system
	Changes bool // every layer's entries with their states
}

// Report is the stable JSON form of an analysis (docs/json-report.md).
type Report struct {
	ReportVersion int         `json:"reportVersion"`
	Image         ImageReport `json:"image"`
	// Advice: what to change to shrink the image, and the secrets it
	// ships, largest first (analysis/advice). Before Layers: WriteJSON
	// streams the layers after the rest.
	Advice []advice.Finding `json:"advice"`
	Layers []LayerReport    `json:"layers"`
}

// ImageReport is the report's "image" object.
type ImageReport struct {
	Name                string         `json:"name"`
	Source              string         `json:"source"`
	Digest              string         `json:"digest"`
	ConfigDigest        string         `json:"configDigest"`
	Platform            string         `json:"platform"`
	SizeBytes           int64          `json:"sizeBytes"`
	CompressedSizeBytes int64          `json:"compressedSizeBytes"`
	VisibleBytes        int64          `json:"visibleBytes"`
	WastedBytes         int64          `json:"wastedBytes"`
	Efficiency          float64        `json:"efficiency"`
	UserSizeBytes       int64          `json:"userSizeBytes"`
	UserWastedPercent   float64        `json:"userWastedPercent"`
	ReclaimableBytes    int64          `json:"reclaimableBytes"` // the advice's total, no byte twice
	AdviceNotChecked    []string       `json:"adviceNotChecked"` // kinds skipped with file contents
	AdviceOmitted       int            `json:"adviceOmitted"`    // findings beyond 1000 of a kind
	Wasted              []WastedReport `json:"wasted"`
	Warnings            []string       `json:"warnings"`
}

// WastedReport is one wasted file.
type WastedReport struct {
	Path       string `json:"path"`
	Bytes      int64  `json:"bytes"`
	Layer      int    `json:"layer"`
	ShadowedBy int    `json:"shadowedBy"`
	How        string `json:"how"` // "overwritten" or "deleted"
}

// LayerReport is one element of "layers".
type LayerReport struct {
	Index               int    `json:"index"`
	Digest              string `json:"digest"`
	DiffID              string `json:"diffID"`
	Compression         string `json:"compression"`
	Command             string `json:"command"`
	History             []Step `json:"history"`
	SizeBytes           int64  `json:"sizeBytes"`
	CompressedSizeBytes int64  `json:"compressedSizeBytes"`
	Added               int    `json:"added"`
	Modified            int    `json:"modified"`
	Removed             int    `json:"removed"`
	WastedBytes         int64  `json:"wastedBytes"`
	// Changes, with ReportOptions.Changes: the layer's entries in tar order.
	Changes []ChangeReport `json:"changes,omitempty"`
}

// ChangeReport is one entry of a layer and what it does.
type ChangeReport struct {
	Path  string `json:"path"`
	State string `json:"state"` // added, modified, removed, noop
	// Kind tells a modification's content change from a metadata-only one.
	Kind    string   `json:"kind,omitempty"`    // content, metadata
	Changed []string `json:"changed,omitempty"` // type, size, content, link, mode, owner, mtime
	Type    string   `json:"type"`              // as in files[], or whiteout, opaque
	Size    int64    `json:"size"`
}

// FileReport is one element of "files", the merged file system.
type FileReport struct {
	Path       string `json:"path"`
	Type       string `json:"type"`
	Size       int64  `json:"size"`
	Mode       uint32 `json:"mode"`
	UID        uint32 `json:"uid"`
	GID        uint32 `json:"gid"`
	LinkTarget string `json:"linkTarget,omitempty"`
	Layer      int    `json:"layer"` // -1 for a directory no layer has an entry for
}

// Report builds the report's image and layer parts.
func (r *Result) Report(info ImageInfo, opts ReportOptions) Report {
	m := r.Metrics
	rep := Report{ReportVersion: ReportVersion, Image: ImageReport{
		Name: info.Name, Source: info.Source, Digest: info.Digest, ConfigDigest: info.ConfigDigest, Platform: info.Platform,
		SizeBytes: m.SizeBytes, CompressedSizeBytes: m.CompressedSizeBytes, VisibleBytes: m.VisibleBytes,
		WastedBytes: m.WastedBytes, Efficiency: m.Efficiency, UserSizeBytes: m.UserSizeBytes,
		UserWastedPercent: m.UserWastedPercent, Wasted: []WastedReport{}, Warnings: r.Warnings,
	}, Layers: []LayerReport{}}
	r.reportAdvice(&rep)
	if rep.Image.Warnings == nil {
		rep.Image.Warnings = []string{}
	}
	for _, w := range r.Wasted {
		how := "overwritten"
		if w.Deleted {
			how = "deleted"
		}
		rep.Image.Wasted = append(rep.Image.Wasted, WastedReport{Path: w.Path, Bytes: w.Bytes, Layer: w.Layer, ShadowedBy: w.ShadowedBy, How: how})
	}
	for _, l := range r.Layers {
		h := l.History
		if h == nil {
			h = []Step{}
		}
		rep.Layers = append(rep.Layers, LayerReport{Index: l.Index, Digest: hashString(l.Digest), DiffID: hashString(l.DiffID),
			Compression: string(l.Compression), Command: l.Command, History: h, SizeBytes: l.SizeBytes,
			CompressedSizeBytes: l.CompressedSizeBytes, Added: l.Added, Modified: l.Modified, Removed: l.Removed, WastedBytes: l.WastedBytes})
		if opts.Changes {
			rep.Layers[len(rep.Layers)-1].Changes = r.changes(l.Index)
		}
	}
	return rep
}

var changeNames = []struct {
	bit  tree.Changes
	name string
}{
	{tree.ChangedType, "type"}, {tree.ChangedSize, "size"}, {tree.ChangedContent, "content"}, {tree.ChangedLink, "link"},
	{tree.ChangedMode, "mode"}, {tree.ChangedOwner, "owner"}, {tree.ChangedTime, "mtime"},
}

func (r *Result) changes(layer int) []ChangeReport {
	out := []ChangeReport{}
	r.eachChange(layer, func(n tree.NodeID, c ChangeReport) error {
		c.Path = r.FS.Path(n)
		out = append(out, c)
		return nil
	})
	return out
}

// eachChange calls fn for each entry of layer, in tar order, with its node
// and its record without the path, until fn returns an error.
func (r *Result) eachChange(layer int, fn func(tree.NodeID, ChangeReport) error) error {
	for _, e := range r.FS.LayerEntries(layer) {
		c := ChangeReport{State: e.State.String(), Type: e.Type.String(), Size: e.Bytes()}
		if e.State == tree.Modified {
			c.Kind = "metadata"
			if e.Changes.Content() {
				c.Kind = "content"
			}
			for _, n := range changeNames {
				if e.Changes&n.bit != 0 {
					c.Changed = append(c.Changed, n.name)
				}
			}
		}
		if err := fn(e.Node, c); err != nil {
			return err
		}
	}
	return nil
}

// hashString is "" for a missing hash rather than v1.Hash's ":".
func hashString(h v1.Hash) string {
	if h.Hex == "" {
		return ""
	}
	return h.String()
}

// Files returns the merged file system as report entries, sorted by path,
// calling fn for each so that a million files need not sit in a slice.
func (r *Result) Files(fn func(FileReport) error) error {
	return r.FS.WalkSorted(nil, func(path []byte, n tree.NodeID) error {
		fr := r.fileReport(n)
		fr.Path = string(path)
		return fn(fr)
	})
}

// fileReport is the report entry of n, without its path.
func (r *Result) fileReport(n tree.NodeID) FileReport {
	f := r.FS
	id := f.Cur(n)
	if id == tree.NoEntry {
		return FileReport{Type: "dir", Mode: 0o755, Layer: -1}
	}
	e := f.Entry(id)
	return FileReport{Type: e.Type.String(), Size: e.Bytes(), Mode: e.Mode, UID: e.UID, GID: e.GID,
		LinkTarget: f.LinkTarget(e), Layer: int(e.Layer)}
}

// WriteJSON writes the report as json.MarshalIndent would write Report
// (with the merged file system after the layers), but streams the layers'
// changes and the files one record at a time: the report of a path 200,000
// levels deep holds one path in memory, not every path at once. The files
// go one per line so that large reports diff well.
func (r *Result) WriteJSON(w io.Writer, info ImageInfo, opts ReportOptions) error {
	rep := r.Report(info, ReportOptions{})
	layers := rep.Layers
	rep.Layers = []LayerReport{}
	head, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(w, 1<<16)
	bw.Write(bytes.TrimSuffix(head, []byte("[]\n}")))
	if err := r.writeLayers(bw, layers, opts.Changes); err != nil {
		return err
	}
	if opts.Files {
		bw.WriteString(",\n  \"files\": [")
		if err := r.writeFiles(bw); err != nil {
			return err
		}
		bw.WriteString("\n  ]")
	}
	bw.WriteString("\n}\n")
	return bw.Flush()
}

// writeLayers writes the "layers" array, indented as in the report.
func (r *Result) writeLayers(w *bufio.Writer, layers []LayerReport, changes bool) error {
	if len(layers) == 0 {
		w.WriteString("[]")
		return nil
	}
	w.WriteString("[")
	for i, l := range layers {
		if i > 0 {
			w.WriteString(",")
		}
		b, err := json.MarshalIndent(l, "    ", "  ")
		if err != nil {
			return err
		}
		w.WriteString("\n    ")
		if !changes || r.FS.NumLayers() <= l.Index || !hasEntries(r.FS, l.Index) {
			w.Write(b)
			continue
		}
		w.Write(bytes.TrimSuffix(b, []byte("\n    }")))
		w.WriteString(",\n      \"changes\": [")
		if err := r.writeChanges(w, l.Index); err != nil {
			return err
		}
		w.WriteString("\n      ]\n    }")
	}
	w.WriteString("\n  ]")
	return nil
}

func hasEntries(f *tree.FS, layer int) bool {
	for range f.LayerEntries(layer) {
		return true
	}
	return false
}

// writeChanges writes the elements of a layer's "changes". Each path is
// built in one reused buffer, so a layer of 20,000 nested directories costs
// one path at a time.
func (r *Result) writeChanges(w *bufio.Writer, layer int) error {
	const emptyPath = "{\n          \"path\": \"\""
	var chain []tree.NodeID
	var path []byte
	sep := "\n        "
	return r.eachChange(layer, func(n tree.NodeID, c ChangeReport) error {
		b, err := json.MarshalIndent(c, "        ", "  ")
		if err != nil {
			return err
		}
		if !bytes.HasPrefix(b, []byte(emptyPath)) {
			return fmt.Errorf("report: a change record starts %.20q, not with its path", b)
		}
		chain, path = chain[:0], path[:0]
		for ; n != tree.Root; n = r.FS.Parent(n) {
			chain = append(chain, n)
		}
		for i := len(chain) - 1; i >= 0; i-- {
			path = appendJSONName(append(path, '/'), r.FS.Name(chain[i]))
		}
		if len(path) == 0 {
			path = append(path, '/')
		}
		w.WriteString(sep)
		sep = ",\n        "
		w.WriteString(emptyPath[:len(emptyPath)-1])
		w.Write(path)
		w.WriteString(`"`)
		_, err = w.Write(b[len(emptyPath):])
		return err
	})
}

// appendJSONName appends name as it stands inside a JSON string. Escaping
// is per character, so escaped names joined by "/" make the escaped path.
func appendJSONName(dst []byte, name string) []byte {
	for i := 0; i < len(name); i++ {
		if c := name[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			b, _ := json.Marshal(name) // the rare name that needs escaping
			return append(dst, b[1:len(b)-1]...)
		}
	}
	return append(dst, name...)
}

// writeFiles writes the elements of "files", one per line, each path built
// once, already escaped, in the walk's buffer.
func (r *Result) writeFiles(w *bufio.Writer) error {
	const emptyPath = `{"path":""`
	sep := "\n    "
	return r.FS.WalkSorted(appendJSONName, func(path []byte, n tree.NodeID) error {
		b, err := json.Marshal(r.fileReport(n))
		if err != nil {
			return err
		}
		if !bytes.HasPrefix(b, []byte(emptyPath)) {
			return fmt.Errorf("report: a file record starts %.20q, not with its path", b)
		}
		w.WriteString(sep)
		sep = ",\n    "
		w.WriteString(`{"path":"`)
		w.Write(path)
		w.WriteString(`"`)
		_, err = w.Write(b[len(emptyPath):])
		return err
	})
}
