package analysis

import (
	"bufio"
	"encoding/json"
	"io"

	v1 "github.com/google/go-containerregistry/pkg/v1"

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
	ReportVersion int           `json:"reportVersion"`
	Image         ImageReport   `json:"image"`
	Layers        []LayerReport `json:"layers"`
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
	for _, e := range r.FS.LayerEntries(layer) {
		c := ChangeReport{Path: r.FS.Path(e.Node), State: e.State.String(), Type: e.Type.String(), Size: e.Bytes()}
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
		out = append(out, c)
	}
	return out
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
	f := r.FS
	for _, n := range f.MergedPaths() {
		fr := FileReport{Path: f.Path(n), Type: "dir", Mode: 0o755, Layer: -1}
		if id := f.Cur(n); id != tree.NoEntry {
			e := f.Entry(id)
			fr = FileReport{Path: fr.Path, Type: e.Type.String(), Size: e.Bytes(), Mode: e.Mode, UID: e.UID, GID: e.GID,
				LinkTarget: f.LinkTarget(e), Layer: int(e.Layer)}
		}
		if err := fn(fr); err != nil {
			return err
		}
	}
	return nil
}

// WriteJSON writes the report; the merged file system, if asked for, goes
// one file per line so that large reports stream and diff well.
func (r *Result) WriteJSON(w io.Writer, info ImageInfo, opts ReportOptions) error {
	head, err := json.MarshalIndent(r.Report(info, opts), "", "  ")
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(w, 1<<16)
	if !opts.Files {
		bw.Write(head)
		bw.WriteString("\n")
		return bw.Flush()
	}
	bw.Write(head[:len(head)-2]) // drop "\n}"
	bw.WriteString(",\n  \"files\": [")
	sep := "\n    "
	err = r.Files(func(fr FileReport) error {
		bw.WriteString(sep)
		sep = ",\n    "
		b, err := json.Marshal(fr)
		if err != nil {
			return err
		}
		_, err = bw.Write(b)
		return err
	})
	if err != nil {
		return err
	}
	bw.WriteString("\n  ]\n}\n")
	return bw.Flush()
}
