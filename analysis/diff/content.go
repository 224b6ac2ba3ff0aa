package diff

import (
	"context"
	"fmt"
	"hash/maphash"
	"io"
	"slices"

	"github.com/layerscope/layerscope/analysis"
	"github.com/layerscope/layerscope/analysis/content"
	"github.com/layerscope/layerscope/tree"
)

// pending holds the same-size file pairs whose contents can only be told
// apart by reading them: a headers-only read (--no-verify) hashes almost
// nothing, and analyses made with different seeds have hashes that do not
// compare.
type pending struct {
	old, new   *analysis.Result
	shared     int  // layers read together (analysis.ReadTogether)
	comparable bool // the two analyses share a content seed
	pairs      []pendingPair
}

type pendingPair struct {
	change int // index in Diff.Changes
	o, n   tree.EntryID
}

func newPending(old, new *analysis.Result, together int) *pending {
	return &pending{old: old, new: new, shared: together, comparable: old.SameSeed(new)}
}

// differ compares two same-size regular files by what is known: the very
// same entry of a shared layer, or comparable hashes. queued is true when
// neither tells.
func (p *pending) differ(o, n tree.EntryID) (differ, queued bool) {
	oe, ne := p.old.FS.Entry(o), p.new.FS.Entry(n)
	// Layers read together are merged first, from one read, into both
	// trees: the same entry there has the same EntryID on both sides.
	if o == n && oe.Layer == ne.Layer && int(oe.Layer) < p.shared {
		return false, false
	}
	if p.comparable && p.old.HashKnown(o) && p.new.HashKnown(n) {
		return oe.Hash != ne.Hash, false
	}
	return false, true
}

func (p *pending) queue(change int, o, n tree.EntryID) {
	p.pairs = append(p.pairs, pendingPair{change, o, n})
}

// resolve reads the files of the queued pairs, each layer of each side at
// most once, and marks the pairs whose bytes differ.
func (p *pending) resolve(ctx context.Context, d *Diff) error {
	if len(p.pairs) == 0 {
		return nil
	}
	seed := maphash.MakeSeed()
	oh, err := hashFiles(ctx, p.old, seed, func(yield func(tree.EntryID)) {
		for _, pp := range p.pairs {
			yield(pp.o)
		}
	})
	if err != nil {
		return fmt.Errorf("old image: %w", err)
	}
	nh, err := hashFiles(ctx, p.new, seed, func(yield func(tree.EntryID)) {
		for _, pp := range p.pairs {
			yield(pp.n)
		}
	})
	if err != nil {
		return fmt.Errorf("new image: %w", err)
	}
	for _, pp := range p.pairs {
		if oh[pp.o] != nh[pp.n] {
			d.Changes[pp.change].What |= Content
		}
	}
	p.pairs = nil
	return nil
}

// hashFiles hashes the bytes of the given regular-file entries of res,
// reading each layer that holds some once, streaming.
func hashFiles(ctx context.Context, res *analysis.Result, seed maphash.Seed, ids func(func(tree.EntryID))) (map[tree.EntryID]uint64, error) {
	byLayer := map[int][]tree.EntryID{}
	seen := map[tree.EntryID]bool{}
	ids(func(id tree.EntryID) {
		if !seen[id] {
			seen[id] = true
			l := int(res.FS.Entry(id).Layer)
			byLayer[l] = append(byLayer[l], id)
		}
	})
	layers := make([]int, 0, len(byLayer))
	for l := range byLayer {
		layers = append(layers, l)
	}
	slices.Sort(layers)
	out := make(map[tree.EntryID]uint64, len(seen))
	var h maphash.Hash
	h.SetSeed(seed)
	buf := make([]byte, 32<<10) // one for every file: io.Copy would make one each
	for _, l := range layers {
		list := byLayer[l]
		ms, err := content.Members(res.FS, list)
		if err != nil {
			return nil, fmt.Errorf("layer %d: %w", l, err)
		}
		err = content.ScanLayer(ctx, res.Blob(l), l, ms, func(i int, r io.Reader) error {
			h.Reset()
			if _, err := io.CopyBuffer(&h, r, buf); err != nil {
				return fmt.Errorf("reading %s: %w", res.FS.Path(res.FS.Entry(list[i]).Node), err)
			}
			out[list[i]] = h.Sum64()
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("layer %d: %w", l, err)
		}
	}
	return out, nil
}
