package tree

// Type is the kind of a layer entry.
type Type uint8

// Entry types. Whiteout and Opaque are the OCI deletion markers: a Whiteout
// entry sits at the path it deletes, an Opaque entry at the directory whose
// lower contents it hides.
const (
	TypeFile Type = iota
	TypeDir
	TypeSymlink
	TypeHardlink
	TypeChar
	TypeBlock
	TypeFifo
	TypeWhiteout
	TypeOpaque
)

var typeNames = [...]string{"file", "dir", "symlink", "hardlink", "char", "block", "fifo", "whiteout", "opaque"}

func (t Type) String() string {
	if int(t) < len(typeNames) {
		return typeNames[t]
	}
	return "unknown"
}

// IsMarker reports whether t is a deletion marker rather than a file system
// object.
func (t Type) IsMarker() bool { return t == TypeWhiteout || t == TypeOpaque }

// State is what an entry does relative to everything below its layer.
type State uint8

const (
	// Added: the path was not visible below.
	Added State = iota
	// Modified: the entry replaces a visible path; Entry.Changes says how.
	Modified
	// Removed: a whiteout of a visible path, or an opaque marker that hides
	// lower children.
	Removed
	// NoOp: a marker that removes nothing (a stray whiteout, or the opaque
	// marker Docker writes on a newly created directory).
	NoOp
)

var stateNames = [...]string{"added", "modified", "removed", "noop"}

func (s State) String() string {
	if int(s) < len(stateNames) {
		return stateNames[s]
	}
	return "unknown"
}

// Changes says what differs between a modified entry and the one it replaces.
type Changes uint8

// Change bits. ContentMask covers the ones that change what a reader of the
// file sees; the rest are metadata.
const (
	ChangedType Changes = 1 << iota
	ChangedSize
	ChangedContent
	ChangedLink
	ChangedMode
	ChangedOwner
	ChangedTime

	ContentMask = ChangedType | ChangedSize | ChangedContent | ChangedLink
)

// Content reports whether the data (type, size, bytes or link target) changed;
// otherwise the change is metadata-only.
func (c Changes) Content() bool { return c&ContentMask != 0 }

// EntryID indexes FS.Entries.
type EntryID uint32

// NoEntry marks a missing entry.
const NoEntry = ^EntryID(0)

// Entry is one tar header of one layer, reduced to what the analysis needs.
type Entry struct {
	Node    NodeID
	Prev    EntryID // the previous entry at the same path, in an earlier layer or earlier in this one
	Size    int64   // bytes for regular files, 0 for everything else
	Hash    uint64  // content hash of regular files, comparable within one analysis
	ModTime int64   // Unix seconds
	Mode    uint32  // permission bits with setuid, setgid and sticky
	UID     uint32
	GID     uint32
	// Link is the interned symlink target, or for hardlinks the NodeID of the
	// target path (the two never mix: Type says which).
	Link    uint32
	Layer   uint16
	Type    Type
	State   State
	Changes Changes
	// shadowed is 1 + the index of the first layer that hid this entry
	// (overwrote, deleted or covered it), 0 while it is visible.
	shadowed uint16
}

// Shadowed returns the layer that first hid the entry, if any.
func (e *Entry) Shadowed() (layer int, ok bool) {
	if e.shadowed == 0 {
		return 0, false
	}
	return int(e.shadowed) - 1, true
}

// VisibleAt reports whether the entry is part of the merged file system
// after layer k.
func (e *Entry) VisibleAt(k int) bool {
	if e.Type.IsMarker() || int(e.Layer) > k {
		return false
	}
	return e.shadowed == 0 || int(e.shadowed)-1 > k
}

// Bytes is what the entry contributes to an image's size.
func (e *Entry) Bytes() int64 {
	if e.Type == TypeFile {
		return e.Size
	}
	return 0
}
