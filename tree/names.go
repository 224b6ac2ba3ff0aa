package tree

// NameID identifies an interned path component (or link target).
type NameID uint32

// Names interns strings so that each distinct path component is stored
// once, however many directories or layers repeat it.
type Names struct {
	ids     map[string]NameID
	strings []string
}

// NewNames returns an empty interner whose ID 0 is the empty string.
func NewNames() *Names {
	return &Names{ids: map[string]NameID{"": 0}, strings: []string{""}}
}

// Intern returns the ID of s, adding it when it is new.
func (n *Names) Intern(s string) NameID {
	if id, ok := n.ids[s]; ok {
		return id
	}
	id := NameID(len(n.strings))
	n.ids[s] = id
	n.strings = append(n.strings, s)
	return id
}

// Lookup returns the ID of s without adding it.
func (n *Names) Lookup(s string) (NameID, bool) {
	id, ok := n.ids[s]
	return id, ok
}

// String returns the string behind id.
func (n *Names) String(id NameID) string { return n.strings[id] }

// Len is the number of distinct strings.
func (n *Names) Len() int { return len(n.strings) }
