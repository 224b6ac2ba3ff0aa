package advice

import (
	"fmt"
	"slices"
	"strings"

	"github.com/dustin/go-humanize"

	"github.com/layerscope/layerscope/tree"
)

func size(n int64) string { return humanize.Bytes(uint64(max(n, 0))) }

// pair keys a removed-later group: the layer that added, the one that removed.
type pair struct{ added, by int }

// removedLater finds file bytes a layer adds that a later layer deletes or
// overwrites: one finding per pair of layers. An overwrite that changes
// only metadata is left to metadataOnly, which counts the upper copy
// instead, so that the same bytes are not advised on twice.
func removedLater(in Input) []Finding {
	f := in.FS
	groups := map[pair]*group{}
	overwrote := map[pair]int{} // how many of the group were overwritten
	for id := tree.EntryID(0); int(id) < f.NumEntries(); id++ {
		e := f.Entry(id)
		if e.Type != tree.TypeFile || e.Size <= 0 {
			continue
		}
		by, ok := e.Shadowed()
		if !ok || by == int(e.Layer) {
			continue // visible, or made and removed by one step
		}
		up := overwriter(f, e.Node, by)
		if up != nil && isMetadataOnly(up) {
			continue
		}
		k := pair{int(e.Layer), by}
		g := groups[k]
		if g == nil {
			g = &group{layer: k.added, other: by}
			groups[k] = g
		}
		g.add(id, e)
		if up != nil {
			overwrote[k]++
		}
	}
	var out []Finding
	for k, g := range groups {
		verb := "deletes"
		switch n := overwrote[k]; {
		case n == len(g.ids):
			verb = "overwrites"
		case n > 0:
			verb = "deletes or overwrites"
		}
		by := k.by
		fix := fmt.Sprintf("make and remove these files in one RUN (layers %d and %d together), or build them in a separate stage and COPY --from only what is kept",
			k.added, by)
		if k.added < in.BaseLayers {
			fix = fmt.Sprintf("these files come with the base image: removing them in layer %d saves nothing; pick a base image without them, or COPY --from only what is needed into a new stage", by)
		}
		out = append(out, Finding{
			Kind: KindRemovedLater, Layer: k.added, Bytes: g.bytes, Paths: paths(f, g.ids), Count: len(g.ids),
			Message: fmt.Sprintf("%s adds %s in %s that %s %s", step(in, k.added), size(g.bytes), plural(len(g.ids), "file"), step(in, by), verb),
			Fix:     fix, RemovedBy: &by, claims: g.ids,
		})
	}
	return out
}

// overwriter returns the entry of layer by at n that replaced what was
// there, or nil when layer by deleted n (or a parent) instead.
func overwriter(f *tree.FS, n tree.NodeID, by int) *tree.Entry {
	var up *tree.Entry
	f.History(n, func(_ tree.EntryID, e *tree.Entry) bool {
		if int(e.Layer) == by && !e.Type.IsMarker() {
			up = e // keep going: the first of the layer's entries replaced it
		}
		return int(e.Layer) >= by
	})
	return up
}

const metadataBits = tree.ChangedMode | tree.ChangedOwner | tree.ChangedTime

// isMetadataOnly: a file that replaced a file with the same bytes and
// differs at most in mode, owner or times. A copy that differs in nothing
// counts too: overlay2 copies a file up whole when a step hardlinks it or
// opens it for writing, and the layer then ships the same bytes again.
func isMetadataOnly(e *tree.Entry) bool {
	return e.Type == tree.TypeFile && e.State == tree.Modified && !e.Changes.Content()
}

// metadataOnly finds layers that hold whole copies of files only because
// they changed their mode, owner or times: one finding per layer.
func metadataOnly(in Input) []Finding {
	f := in.FS
	groups := map[int]*group{}
	changed := map[int]tree.Changes{}
	for id := tree.EntryID(0); int(id) < f.NumEntries(); id++ {
		e := f.Entry(id)
		if e.Size <= 0 || !isMetadataOnly(e) {
			continue
		}
		lower := replaced(f, e)
		if lower == nil || lower.Layer == e.Layer {
			continue // a tar listing the file twice: not a build step's doing
		}
		l := int(e.Layer)
		g := groups[l]
		if g == nil {
			g = &group{layer: l, other: int(lower.Layer)}
			groups[l] = g
		}
		g.other = min(g.other, int(lower.Layer))
		changed[l] |= e.Changes & metadataBits
		g.add(id, e)
	}
	var out []Finding
	for l, g := range groups {
		var what []string
		for _, c := range []struct {
			bit  tree.Changes
			name string
		}{{tree.ChangedMode, "mode"}, {tree.ChangedOwner, "owner"}, {tree.ChangedTime, "mtime"}} {
			if changed[l]&c.bit != 0 {
				what = append(what, c.name)
			}
		}
		msg := fmt.Sprintf("%s holds whole copies of %s (%s) only to change their %s", step(in, l), plural(len(g.ids), "file"),
			size(g.bytes), strings.Join(what, " and "))
		fix := fmt.Sprintf("set it where the files are made: COPY --chmod=… --chown=…, or chmod/chown/touch in the RUN of layer %d, not in a later one", g.other)
		if len(what) == 0 {
			msg = fmt.Sprintf("%s holds unchanged copies of %s (%s): the step touched them (a hardlink to them, or opening them for writing) without changing them", step(in, l), plural(len(g.ids), "file"), size(g.bytes))
			fix = fmt.Sprintf("do that step in the RUN of layer %d, where the files are made, or leave the files alone", g.other)
		}
		out = append(out, Finding{
			Kind: KindMetadataOnly, Layer: l, Bytes: g.bytes, Paths: paths(f, g.ids), Count: len(g.ids), Changed: what,
			Message: msg, Fix: fix, claims: g.ids,
		})
	}
	return out
}

// replaced is the entry that e replaced: the newest earlier non-marker
// entry at its path.
func replaced(f *tree.FS, e *tree.Entry) *tree.Entry {
	for id := e.Prev; id != tree.NoEntry; id = f.Entry(id).Prev {
		if p := f.Entry(id); !p.Type.IsMarker() {
			return p
		}
	}
	return nil
}

// dupKey identifies a content: size and hash (hashes are comparable within
// one analysis; the size makes a collision of the 64-bit hash moot).
type dupKey struct {
	size int64
	hash uint64
}

// copies are the contents found at more than one visible path: for each,
// its key and the entries of its copies, in tar order.
type copies struct {
	keys   []dupKey
	groups []*group
}

// findCopies finds the copies among the visible files whose hash is part
// of parts (hash % parts == part). One lookup per file: the value is the
// first copy's EntryID, or ^index into groups once a second copy is seen.
// Not sized for every entry: most images hold far fewer contents than
// files, and a map of a million slots made up a fifth of the peak memory.
func findCopies(f *tree.FS, part, parts uint64) copies {
	seen := map[dupKey]int64{}
	var c copies
	for id := tree.EntryID(0); int(id) < f.NumEntries(); id++ {
		e := f.Entry(id)
		if e.Type != tree.TypeFile || e.Size <= 0 || e.Hash%parts != part {
			continue
		}
		if _, hidden := e.Shadowed(); hidden {
			continue
		}
		k := dupKey{e.Size, e.Hash}
		v, ok := seen[k]
		switch {
		case !ok:
			seen[k] = int64(id)
		case v >= 0:
			seen[k] = ^int64(len(c.groups))
			c.groups = append(c.groups, &group{ids: []tree.EntryID{tree.EntryID(v), id}})
			c.keys = append(c.keys, k)
		default:
			g := c.groups[^v]
			g.ids = append(g.ids, id)
		}
	}
	return c
}

// findAllCopies is findCopies of every hash, half of them on another
// goroutine: the advice is computed after the read, when a core is free,
// and this is most of its work. (The FS is read-only by then.)
func findAllCopies(f *tree.FS) copies {
	var other copies
	done := make(chan struct{})
	go func() {
		defer close(done)
		other = findCopies(f, 1, 2)
	}()
	c := findCopies(f, 0, 2)
	<-done
	c.keys = append(c.keys, other.keys...)
	c.groups = append(c.groups, other.groups...)
	return c
}

// duplicates turns the copies into findings: one per content. Hardlinks
// are entries of their own type and cost nothing, so they never count. A
// copy that an earlier finding claims already (a package cache) is the one
// counted as reclaimed where possible. The order of the findings does not
// matter: Compute sorts them.
func duplicates(in Input, c copies, prior []Finding) []Finding {
	f := in.FS
	groups, keys := c.groups, c.keys
	if len(groups) == 0 {
		return nil
	}
	claimed := newEntrySet(f)
	for _, x := range prior {
		for _, id := range x.claims {
			claimed.add(id)
		}
	}
	var out []Finding
	for gi, g := range groups {
		k := keys[gi]
		keep := 0
		for i, id := range g.ids {
			if !claimed.has(id) {
				keep = i
				break
			}
		}
		claims := slices.Delete(slices.Clone(g.ids), keep, keep+1)
		// The ids are in tar order, so layer by layer: the last copy is
		// of the newest layer. And every copy has the same size: the
		// largest are the first, ties in tar order.
		last := int(f.Entry(g.ids[len(g.ids)-1]).Layer)
		n := len(g.ids)
		bytes := k.size * int64(n-1) // no overflow: each copy is counted in the image's checked total
		out = append(out, Finding{
			Kind: KindDuplicateContent, Layer: last, Bytes: bytes, Paths: pathsOf(f, g.ids[:min(n, maxPaths)]), Count: n,
			Message: fmt.Sprintf("%d copies of the same %s; %s made the last", n, size(k.size), step(in, last)),
			Fix:     "keep one copy: COPY or cp it once and link the others (ln, ln -s), or remove the extra copies in the RUN that makes them",
			claims:  claims,
		})
	}
	return out
}
