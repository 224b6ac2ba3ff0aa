package pager

import (
	"fmt"
	"strings"

	"github.com/layerscope/layerscope/tree"
)

// maxHops bounds the symlinks followed for one path, as Linux does (40).
const maxHops = 40

// Link is where a symlink leads in the image's file system.
type Link struct {
	Target string      // the link's target, as stored (printable)
	Path   string      // the path it resolves to inside the image, "" if it does not
	Node   tree.NodeID // that path's node
	Entry  tree.EntryID
	// Problem says why the link leads nowhere in the image; "" when Node
	// is what it leads to.
	Problem string
}

// IsDir reports whether the link leads to a directory.
func (l Link) IsDir(fs *tree.FS) bool {
	if l.Problem != "" {
		return false
	}
	if l.Entry == tree.NoEntry {
		return true // a directory implied by what is below it
	}
	return fs.Entry(l.Entry).Type == tree.TypeDir
}

// Message is the one line that says where the link points, for the
// footer when it cannot be opened.
func (l Link) Message(name string) string {
	if l.Problem != "" {
		return fmt.Sprintf("%s → %s: %s", tree.Printable(name), l.Target, l.Problem)
	}
	return fmt.Sprintf("%s → %s", tree.Printable(name), tree.Printable(l.Path))
}

// FollowLink resolves the symlink at n in the file system after layer, the
// way the kernel would inside a container whose root is the image: an
// absolute target starts at the image's root, ".." stops at the root,
// symlinks on the way are followed (at most 40). Read fs where it is not
// changing (in Update).
func FollowLink(fs *tree.FS, n tree.NodeID, layer int) Link {
	id := fs.VisibleAt(n, layer)
	if id == tree.NoEntry || fs.Entry(id).Type != tree.TypeSymlink {
		return Link{Problem: "not a symlink", Entry: tree.NoEntry}
	}
	target := fs.LinkTarget(fs.Entry(id))
	l := Link{Target: tree.Printable(target), Entry: tree.NoEntry}
	dir := fs.Parent(n)
	rest := target
	hops := 1
	for {
		if strings.HasPrefix(rest, "/") {
			dir = tree.Root
		}
		parts := strings.Split(rest, "/")
		rest = ""
		cur := dir
		for i, p := range parts {
			switch p {
			case "", ".":
				continue
			case "..":
				if cur != tree.Root {
					cur = fs.Parent(cur)
				}
				continue
			}
			c, ok := fs.LookupChild(cur, p)
			if !ok || !fs.LiveAt(c, layer) {
				l.Problem = fmt.Sprintf("%s is not in the image after layer %d", tree.Printable(joinPath(fs, cur, p)), layer)
				return l
			}
			e := fs.VisibleAt(c, layer)
			if e != tree.NoEntry && fs.Entry(e).Type == tree.TypeSymlink {
				if hops++; hops > maxHops {
					l.Problem = "too many levels of symlinks"
					return l
				}
				// Continue from the link's own directory with its target
				// followed by what is left of this path.
				rest = fs.LinkTarget(fs.Entry(e))
				if left := parts[i+1:]; len(left) > 0 {
					rest += "/" + strings.Join(left, "/")
				}
				dir = cur
				break
			}
			if e != tree.NoEntry && fs.Entry(e).Type != tree.TypeDir && i < len(parts)-1 && hasMore(parts[i+1:]) {
				l.Problem = fmt.Sprintf("%s is a %s, not a directory", tree.Printable(fs.Path(c)), fs.Entry(e).Type)
				return l
			}
			cur = c
		}
		if rest != "" {
			continue
		}
		if cur == tree.Root {
			l.Path, l.Node = "/", tree.Root
			return l
		}
		l.Path, l.Node, l.Entry = fs.Path(cur), cur, fs.VisibleAt(cur, layer)
		return l
	}
}

// hasMore reports whether parts name anything beyond "." and "".
func hasMore(parts []string) bool {
	for _, p := range parts {
		if p != "" && p != "." {
			return true
		}
	}
	return false
}

func joinPath(fs *tree.FS, dir tree.NodeID, name string) string {
	if dir == tree.Root {
		return "/" + name
	}
	return fs.Path(dir) + "/" + name
}
