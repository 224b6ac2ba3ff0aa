package tarfs

import (
	"archive/tar"
	"fmt"
	"io/fs"
	"path"
	"strings"
)

// maxLinkHops bounds symlink resolution between members.
const maxLinkHops = 16

// resolve finds the member that name leads to, following symlinks and
// hardlinks in every component as `docker load` does once it has unpacked
// the archive: relative links from the link's directory, absolute ones
// and ".." never above the archive's root.
func (t *FS) resolve(name string) (*member, error) {
	if m, ok := t.members[clean(name)]; ok && m.typeflag != tar.TypeSymlink && m.typeflag != tar.TypeLink {
		return m, nil // stored under this very name: no link to follow
	}
	rest := split(clean(name))
	if len(rest) == 0 {
		return nil, fs.ErrNotExist
	}
	cur, hops := "", 0
	for len(rest) > 0 {
		p := path.Join(cur, rest[0])
		rest = rest[1:]
		m, ok := t.members[p]
		if !ok {
			if len(rest) == 0 && hops > 0 {
				return nil, fmt.Errorf("it links to %s, which is not in the archive", p)
			}
			if len(rest) == 0 {
				return nil, fs.ErrNotExist
			}
			cur = p // a directory with no entry of its own
			continue
		}
		var target string
		switch m.typeflag {
		case tar.TypeSymlink:
			target = m.linkname
			if !path.IsAbs(target) {
				target = path.Join(cur, target)
			}
		case tar.TypeLink:
			target = m.linkname // hardlinks name a member
		default:
			if len(rest) == 0 {
				return m, nil
			}
			if m.typeflag != tar.TypeDir {
				return nil, fmt.Errorf("%s is not a directory: %w", p, fs.ErrNotExist)
			}
			cur = p
			continue
		}
		if hops++; hops > maxLinkHops {
			return nil, fmt.Errorf("more than %d links to follow (a loop?)", maxLinkHops)
		}
		rest = append(split(clean(target)), rest...)
		cur = ""
	}
	return nil, fs.ErrNotExist // a link to the root
}

func split(p string) []string {
	if p == "" || p == "." {
		return nil
	}
	return strings.Split(p, "/")
}
