package synth

import (
	"bytes"
	"fmt"
	"strconv"
)

// RawTar builds a tar stream block by block, for the inputs that
// archive/tar's writer refuses to write: any PAX record (GNU.sparse.* on
// any entry), GNU long names and sparse headers, base-256, negative or
// unparsable numbers. Tests of tar readers build their hostile layers
// with it.
type RawTar struct{ buf bytes.Buffer }

// Format magics for RawHeader.Magic.
const (
	MagicUSTAR = "ustar\x0000"
	MagicGNU   = "ustar  \x00"
	MagicV7    = "v7" // no magic at all
)

// RawHeader is one header block. Numbers are written in octal when they
// fit and in GNU base-256 otherwise (negative ones too). Raw, applied
// last, overwrites bytes at an offset, for fields written as given; the
// checksum is computed after it unless BadChecksum.
type RawHeader struct {
	Name        string
	Typeflag    byte
	Size        int64
	Mode        int64
	UID, GID    int64
	ModTime     int64
	Linkname    string
	Magic       string // MagicUSTAR when empty
	Raw         map[int]string
	BadChecksum bool
}

// Header appends one header block.
func (t *RawTar) Header(h RawHeader) *RawTar {
	var b [512]byte
	copy(b[0:100], h.Name)
	putNumber(b[100:108], h.Mode)
	putNumber(b[108:116], h.UID)
	putNumber(b[116:124], h.GID)
	putNumber(b[124:136], h.Size)
	putNumber(b[136:148], h.ModTime)
	b[156] = h.Typeflag
	copy(b[157:257], h.Linkname)
	switch h.Magic {
	case "", MagicUSTAR:
		copy(b[257:265], MagicUSTAR)
	case MagicV7:
	default:
		copy(b[257:265], h.Magic)
	}
	for off, s := range h.Raw {
		copy(b[off:], s)
	}
	copy(b[148:156], "        ")
	sum := 0
	for _, c := range b {
		sum += int(c)
	}
	if h.BadChecksum {
		sum++
	}
	copy(b[148:156], fmt.Sprintf("%06o\x00 ", sum))
	t.buf.Write(b[:])
	return t
}

// putNumber writes x as archive/tar does: octal with a NUL when it fits,
// else base-256 in two's complement with the high bit set.
func putNumber(b []byte, x int64) {
	if x >= 0 && x < 1<<(3*(len(b)-1)) {
		s := strconv.FormatInt(x, 8)
		copy(b, fmt.Sprintf("%0*s", len(b)-1, s))
		b[len(b)-1] = 0
		return
	}
	for i := len(b) - 1; i >= 0; i-- {
		b[i] = byte(x)
		x >>= 8
	}
	b[0] |= 0x80
}

// Data appends an entry's data and its padding to a whole block.
func (t *RawTar) Data(data []byte) *RawTar {
	t.buf.Write(data)
	t.buf.Write(make([]byte, -len(data)&511))
	return t
}

// File appends a regular file with its data.
func (t *RawTar) File(name string, data []byte) *RawTar {
	return t.Header(RawHeader{Name: name, Typeflag: '0', Mode: 0o644, Size: int64(len(data))}).Data(data)
}

// PAX appends an extended header ('x', or 'g' for a global one) holding
// the records, given as "key=value".
func (t *RawTar) PAX(flag byte, records ...string) *RawTar {
	body := PAXRecords(records...)
	return t.Header(RawHeader{Name: "PaxHeader", Typeflag: flag, Size: int64(len(body))}).Data(body)
}

// GNULong appends a GNU long name ('L') or long link name ('K').
func (t *RawTar) GNULong(flag byte, name string) *RawTar {
	body := append([]byte(name), 0)
	return t.Header(RawHeader{Name: "././@LongLink", Typeflag: flag, Size: int64(len(body)), Magic: MagicGNU}).Data(body)
}

// Bytes is the stream with its two end blocks.
func (t *RawTar) Bytes() []byte {
	return append(bytes.Clone(t.buf.Bytes()), make([]byte, 1024)...)
}

// PAXRecords formats "key=value" pairs as PAX records, each prefixed by
// its own length.
func PAXRecords(records ...string) []byte {
	var out []byte
	for _, r := range records {
		// The length counts its own digits: one more digit when adding
		// them makes the number longer.
		n := len(r) + 2 // the space and the newline
		total := n + len(strconv.Itoa(n))
		if len(strconv.Itoa(total)) > len(strconv.Itoa(n)) {
			total++
		}
		out = fmt.Appendf(out, "%d %s\n", total, r)
	}
	return out
}

// SparseDisguise is a layer that ships secrets under PAX records of GNU
// sparse files on entries that are not sparse: archive/tar, and so every
// runtime, ignores the records and unpacks app/.env and root/.ssh/id_rsa
// with their real sizes; a reader that applied them would see an
// app/README and an empty root/.ssh/known_hosts.
func SparseDisguise() (layer []byte, real map[string]int64) {
	env := []byte("DATABASE_PASSWORD=hunter2\n")
	key := []byte("-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----\n")
	var t RawTar
	t.Header(RawHeader{Name: "app/", Typeflag: '5', Mode: 0o755})
	t.PAX('x', "GNU.sparse.name=app/README", "GNU.sparse.realsize=4")
	t.File("app/.env", env)
	t.Header(RawHeader{Name: "root/.ssh/", Typeflag: '5', Mode: 0o700})
	t.PAX('x', "GNU.sparse.name=root/.ssh/known_hosts", "GNU.sparse.realsize=0", "GNU.sparse.size=0")
	t.File("root/.ssh/id_rsa", key)
	return t.Bytes(), map[string]int64{"app/.env": int64(len(env)), "root/.ssh/id_rsa": int64(len(key))}
}

// WriteDockerSave writes a docker save (manifest.json, config, layers)
// of uncompressed layer tars given as bytes.
func WriteDockerSave(path string, layers ...[]byte) error {
	return WriteDockerArchiveBlobs(path, layers, layers)
}
