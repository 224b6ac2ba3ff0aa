package diff

import (
	"bufio"
	"encoding/json"
	"io"

	"github.com/layerscope/layerscope/analysis"
)

// Report is the stable JSON form of a diff (docs/json-report.md, "The diff
// report").
type Report struct {
	ReportVersion int                  `json:"reportVersion"`
	Old           analysis.ImageReport `json:"old"`
	New           analysis.ImageReport `json:"new"`
	SharedLayers  int                  `json:"sharedLayers"`
	Layers        LayersReport         `json:"layers"`
	Summary       SummaryReport        `json:"summary"`
	Changes       []ChangeReport       `json:"changes"`
}

// LayersReport says where the images diverge: the layers both have, then
// each side's own layers on top of them, with their commands.
type LayersReport struct {
	Shared []analysis.LayerReport `json:"shared"`
	Old    []analysis.LayerReport `json:"old"`
	New    []analysis.LayerReport `json:"new"`
}

// SummaryReport is the report's "summary".
type SummaryReport struct {
	Added            int   `json:"added"`
	Removed          int   `json:"removed"`
	Modified         int   `json:"modified"`
	AddedBytes       int64 `json:"addedBytes"`
	RemovedBytes     int64 `json:"removedBytes"`
	SizeDeltaBytes   int64 `json:"sizeDeltaBytes"`
	WastedDeltaBytes int64 `json:"wastedDeltaBytes"`
}

// ChangeReport is one element of "changes".
type ChangeReport struct {
	Path      string   `json:"path"`
	Change    string   `json:"change"` // added, removed, modified
	What      []string `json:"what"`   // for modified: type, size, mode, uid, gid, linkTarget, content
	Old       *Record  `json:"old,omitempty"`
	New       *Record  `json:"new,omitempty"`
	SizeDelta int64    `json:"sizeDelta"`
}

// Report builds the JSON form; the infos name the two images.
func (d *Diff) Report(oldInfo, newInfo analysis.ImageInfo) Report {
	or := d.Old.Report(oldInfo, analysis.ReportOptions{})
	nr := d.New.Report(newInfo, analysis.ReportOptions{})
	s := d.Summary
	rep := Report{ReportVersion: analysis.ReportVersion, Old: or.Image, New: nr.Image, SharedLayers: d.Shared,
		Layers:  LayersReport{Shared: nr.Layers[:d.Shared], Old: or.Layers[d.Shared:], New: nr.Layers[d.Shared:]},
		Summary: SummaryReport(s),
		Changes: make([]ChangeReport, 0, len(d.Changes)),
	}
	for _, ch := range d.Changes {
		rep.Changes = append(rep.Changes, ch.report())
	}
	return rep
}

func (ch Change) report() ChangeReport {
	return ChangeReport{Path: ch.Path, Change: ch.Kind.String(), What: ch.What.Names(), Old: ch.Old, New: ch.New, SizeDelta: ch.SizeDelta}
}

// WriteJSON writes the report indented, the changes one per line so that
// a large report stays readable and diffs well.
func WriteJSON(w io.Writer, rep Report) error {
	changes := rep.Changes
	rep.Changes = nil
	head, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(w, 1<<16)
	// The head ends with `"changes": null` and "\n}".
	const tail = "null\n}"
	bw.Write(head[:len(head)-len(tail)])
	bw.WriteString("[")
	for i, c := range changes {
		b, err := json.Marshal(c)
		if err != nil {
			return err
		}
		if i > 0 {
			bw.WriteString(",")
		}
		bw.WriteString("\n    ")
		bw.Write(b)
	}
	if len(changes) > 0 {
		bw.WriteString("\n  ")
	}
	bw.WriteString("]\n}\n")
	return bw.Flush()
}
