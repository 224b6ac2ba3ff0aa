package layertar

import (
	"fmt"
	"strconv"
	"strings"
)

// PAX keys archive/tar reads.
const (
	paxPath     = "path"
	paxLinkpath = "linkpath"
	paxUname    = "uname"
	paxGname    = "gname"
	paxUID      = "uid"
	paxGID      = "gid"
	paxSize     = "size"
	paxMtime    = "mtime"
	paxAtime    = "atime"
	paxCtime    = "ctime"

	sparseMajor     = "GNU.sparse.major"
	sparseMinor     = "GNU.sparse.minor"
	sparseName      = "GNU.sparse.name"
	sparseSize      = "GNU.sparse.size"
	sparseRealSize  = "GNU.sparse.realsize"
	sparseMap       = "GNU.sparse.map"
	sparseNumBlocks = "GNU.sparse.numblocks"
	sparseOffset    = "GNU.sparse.offset"   // format 0.0, repeated
	sparseNumBytes  = "GNU.sparse.numbytes" // format 0.0, after each offset
)

func badPAX(what string) error { return fmt.Errorf("%w: bad PAX record: %s", ErrHeader, what) }

// parsePAX reads "LEN KEY=VALUE\n" records. A new extended header replaces
// the records of an earlier one, as in archive/tar.
func (t *Reader) parsePAX(b []byte) error {
	if t.pax == nil {
		t.pax = map[string]string{}
	}
	clear(t.pax)
	t.paxMap = t.paxMap[:0]
	s := string(b) // keys and values share this one string
	for len(s) > 0 {
		lenStr, rest, ok := strings.Cut(s, " ")
		if !ok {
			return badPAX("no length")
		}
		n, err := strconv.ParseInt(lenStr, 10, 0)
		if err != nil || n < 5 || n > int64(len(s)) || n <= int64(len(lenStr)+1) {
			return badPAX("bad length")
		}
		rec := rest[:n-int64(len(lenStr))-1]
		if rec[len(rec)-1] != '\n' {
			return badPAX("no newline")
		}
		key, value, ok := strings.Cut(rec[:len(rec)-1], "=")
		if !ok || key == "" {
			return badPAX("no key")
		}
		switch key {
		case paxPath, paxLinkpath, paxUname, paxGname:
			if strings.IndexByte(value, 0) >= 0 {
				return badPAX("NUL in " + key)
			}
		default:
			if strings.IndexByte(key, 0) >= 0 {
				return badPAX("NUL in a key")
			}
		}
		switch key {
		case sparseOffset, sparseNumBytes:
			// GNU sparse 0.0: offset and numbytes pairs become one map.
			even := len(t.paxMap)%2 == 0
			if even != (key == sparseOffset) || strings.IndexByte(value, ',') >= 0 {
				return badPAX("sparse offsets out of order")
			}
			t.paxMap = append(t.paxMap, value)
		default:
			t.pax[key] = value
		}
		s = s[n:]
	}
	if len(t.paxMap) > 0 {
		t.pax[sparseMap] = strings.Join(t.paxMap, ",")
	}
	return nil
}

// applyPAX applies the records that archive/tar applies to every entry.
// An empty value keeps the header's own.
func (t *Reader) applyPAX(h *Header) error {
	if len(t.pax) == 0 {
		return nil
	}
	if v := t.pax[paxPath]; v != "" {
		h.Name = v
	}
	if v := t.pax[paxLinkpath]; v != "" {
		h.Linkname = v
	}
	var err error
	num := func(key string, dst *int64) {
		if v := t.pax[key]; v != "" && err == nil {
			if *dst, err = strconv.ParseInt(v, 10, 64); err != nil {
				err = badPAX(key + " " + strconv.Quote(v))
			}
		}
	}
	uid, gid := int64(h.UID), int64(h.GID)
	num(paxUID, &uid)
	num(paxGID, &gid)
	num(paxSize, &h.Size)
	h.UID, h.GID = int(uid), int(gid)
	for _, key := range []string{paxMtime, paxAtime, paxCtime} {
		if v := t.pax[key]; v != "" && err == nil {
			secs, ok := parsePAXTime(v)
			if !ok {
				err = badPAX(key + " " + strconv.Quote(v))
			}
			if key == paxMtime {
				h.ModTime = secs
			}
		}
	}
	return err
}

// parsePAXTime reads "SECONDS[.FRACTION]" and returns whole seconds,
// rounded down as time.Unix(secs, -nanos).Unix() rounds them.
func parsePAXTime(s string) (int64, bool) {
	ss, frac, _ := strings.Cut(s, ".")
	secs, err := strconv.ParseInt(ss, 10, 64)
	if err != nil {
		return 0, false
	}
	nanos := false // any of the nine digits archive/tar keeps is non-zero
	for i := 0; i < len(frac); i++ {
		c := frac[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		if i < 9 && c != '0' {
			nanos = true
		}
	}
	if nanos && ss[0] == '-' {
		secs-- // wraps at the minimum, as time's arithmetic does
	}
	return secs, true
}
