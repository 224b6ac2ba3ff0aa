package analysis

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"

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
	// lazyScanned: the candidates of headers-only layers were read by
	// offset after the read (scanLazy), so secrets in files are checked.
	lazyScanned bool
}

// scanLazy scans the candidate files of headers-only layers, whose data
// the read skipped: each is read by its offset, up to its scan budget.
// Candidates are few (configuration files by name), so this reads
// kilobytes, not the layers.
func (r *Result) scanLazy(ctx context.Context) error {
	m := &r.merger
	if m.offsets == nil {
		return nil
	}
	f := r.FS
	open := map[int]io.ReadSeeker{}
	defer func() {
		for _, rs := range open {
			if c, ok := rs.(io.Closer); ok {
				c.Close()
			}
		}
	}()
	var buf []byte
	for id := tree.EntryID(0); int(id) < f.NumEntries(); id++ {
		e := f.Entry(id)
		off := m.offset(id)
		if e.Type != tree.TypeFile || off < 0 || !advice.CandidateName(f.Name(e.Node), e.Size) {
			continue
		}
		p := strings.TrimPrefix(f.Path(e.Node), "/")
		n := advice.Candidate(p, e.Size)
		if n == 0 {
			continue
		}
		layer := int(e.Layer)
		rs, ok := open[layer]
		if !ok {
			rc, err := r.layers[layer].Compressed()
			if err != nil {
				return err
			}
			if rs, ok = rc.(io.ReadSeeker); !ok {
				rc.Close()
				return fmt.Errorf("layer %d can no longer be read by offset", layer)
			}
			open[layer] = rs
		}
		if _, err := rs.Seek(off, io.SeekStart); err != nil {
			return err
		}
		buf = slices.Grow(buf[:0], n)[:n]
		if _, err := io.ReadFull(seekableBlob(ctx, rs), buf); err != nil {
			return fmt.Errorf("layer %d: reading %s again: %w", layer, tree.Printable(p), err)
		}
		for i, match := range advice.ScanFile(p, buf) {
			if i < maxLayerSecrets {
				r.adv.secrets = append(r.adv.secrets, advice.FileSecret{Entry: id, Match: match})
			}
		}
	}
	r.adv.lazyScanned = true
	return nil
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
		SecretsScanned: r.merger.offsets == nil || r.adv.lazyScanned, BaseLayers: r.baseLayers,
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
