package analysis

import (
	"io"

	"github.com/layerscope/layerscope/analysis/advice"
	"github.com/layerscope/layerscope/tree"
)

// Advice hooks: secrets in file contents are looked for in the pass that
// reads (and hashes) the data anyway, only in files whose name makes them
// plausible (advice.Candidate) and only their first bytes; everything else
// the advice needs is in the merged FS and the config.

// maxLayerSecrets bounds what one layer's scan keeps (a hostile layer of
// a million credential files).
const maxLayerSecrets = 10000

// inspection is one layer's secret scan, run by the worker that parses it.
type inspection struct {
	tee    inspectWriter
	buf    []byte
	path   string
	idx    int // the entry's index in the layer
	limit  int
	active bool
	found  []advice.FileSecret // Entry holds the index in the layer until the merge
}

// inspectWriter passes data on to the content hash and keeps the first
// limit bytes for the scan.
type inspectWriter struct {
	h  io.Writer
	in *inspection
}

func (w *inspectWriter) Write(p []byte) (int, error) {
	in := w.in
	if room := in.limit - len(in.buf); room > 0 {
		in.buf = append(in.buf, p[:min(room, len(p))]...)
	}
	return w.h.Write(p)
}

// begin returns where the data of the file entry idx (at p, of size bytes)
// is to be written: h itself unless the file is a candidate.
func (in *inspection) begin(h io.Writer, p string, size int64, idx int) io.Writer {
	n := advice.Candidate(p, size)
	if n == 0 {
		return h
	}
	in.active, in.path, in.idx, in.limit, in.buf = true, p, idx, n, in.buf[:0]
	in.tee = inspectWriter{h: h, in: in}
	return &in.tee
}

// end scans what begin kept.
func (in *inspection) end() {
	if !in.active {
		return
	}
	in.active = false
	for _, m := range advice.ScanFile(in.path, in.buf) {
		if len(in.found) < maxLayerSecrets {
			in.found = append(in.found, advice.FileSecret{Entry: tree.EntryID(in.idx), Match: m})
		}
	}
	if cap(in.buf) > 1<<20 {
		in.buf = nil // a rare large credential file: do not keep its buffer
	}
}

// adviceState is what the Result keeps for its advice.
type adviceState struct {
	secrets []advice.FileSecret
	report  *advice.Report
}

// keepSecrets takes layer d's secrets before it is merged: its entries
// become EntryIDs from the next free one, in order.
func (r *Result) keepSecrets(d *layerData) {
	first := tree.EntryID(r.FS.NumEntries())
	for _, s := range d.inspect.found {
		s.Entry += first
		r.adv.secrets = append(r.adv.secrets, s)
	}
	d.inspect = inspection{}
}

// redactHistory replaces the secret values in the layers' commands and
// history with their redacted start, so that no output of the analysis
// (report, CI formats, explorer) prints one whole. The config keeps them
// for the advice to find.
func redactHistory(layers []Layer) {
	for i := range layers {
		l := &layers[i]
		l.Command = advice.Redact(l.Command)
		for j := range l.History {
			s := &l.History[j]
			s.CreatedBy, s.Command = advice.Redact(s.CreatedBy), advice.Redact(s.Command)
		}
	}
}

// Advice returns the image's advice (empty until every layer is merged).
// It is computed once, on r's owner.
func (r *Result) Advice() advice.Report {
	if !r.done {
		return advice.Report{}
	}
	if r.adv.report == nil {
		rep := advice.Compute(r.adviceInput())
		r.adv.report = &rep
	}
	return *r.adv.report
}

func (r *Result) adviceInput() advice.Input {
	in := advice.Input{FS: r.FS, Config: r.Config, Secrets: r.adv.secrets, ContentsRead: r.merger.offsets == nil,
		Commands: make([]string, len(r.Layers)), Steps: make([][]string, len(r.Layers))}
	for i, l := range r.Layers {
		in.Commands[i] = l.Command
	}
	if r.Config != nil {
		// The config's own steps, unredacted, to find the secrets in.
		steps, _, _ := mapHistory(r.Config.History, len(r.Layers))
		for i, ss := range steps {
			for _, s := range ss {
				in.Steps[i] = append(in.Steps[i], s.CreatedBy)
			}
		}
	}
	return in
}

// reportAdvice fills the report's advice and its total.
func (r *Result) reportAdvice(rep *Report) {
	adv := r.Advice()
	rep.Advice = adv.Findings
	if rep.Advice == nil {
		rep.Advice = []advice.Finding{}
	}
	rep.Image.ReclaimableBytes = adv.ReclaimableBytes
	rep.Image.AdviceNotChecked = adv.NotChecked
	rep.Image.AdviceOmitted = adv.Omitted
	if rep.Image.AdviceNotChecked == nil {
		rep.Image.AdviceNotChecked = []string{}
	}
}
