package tree

import "hash/maphash"

// NameID identifies an interned path component (or link target).
type NameID uint32

// Names interns strings so that each distinct path component is stored
// once, however many directories or layers repeat it.
type Names struct {
	seed    maphash.Seed
	ids     index // of strings, by their hash
	strings []string
}

// NewNames returns an empty interner whose ID 0 is the empty string.
func NewNames() *Names {
	n := &Names{seed: maphash.MakeSeed()}
	n.Intern("")
	return n
}

// Intern returns the ID of s, adding it when it is new.
func (n *Names) Intern(s string) NameID {
	return n.intern(s, strHash(n.seed, s))
}

// intern is Intern of s whose strHash is h.
func (n *Names) intern(s string, h uint64) NameID {
	p := n.ids.find(fold(h, 0))
	for {
		id, ok := p.next(&n.ids)
		if !ok {
			break
		}
		if n.strings[id] == s {
			return NameID(id)
		}
	}
	id := NameID(len(n.strings))
	n.strings = append(n.strings, s)
	n.ids.insert(p, uint32(id))
	return id
}

// Lookup returns the ID of s without adding it.
func (n *Names) Lookup(s string) (NameID, bool) {
	p := n.ids.find(fold(strHash(n.seed, s), 0))
	for {
		id, ok := p.next(&n.ids)
		if !ok {
			return 0, false
		}
		if n.strings[id] == s {
			return NameID(id), true
		}
	}
}

// String returns the string behind id.
func (n *Names) String(id NameID) string { return n.strings[id] }

// Len is the number of distinct strings.
func (n *Names) Len() int { return len(n.strings) }
