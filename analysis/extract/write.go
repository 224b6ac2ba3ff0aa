package extract

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// writer creates paths below the destination. Every operation goes
// through an os.Root, which the kernel-level lookups keep inside the
// destination even if its contents change meanwhile; on top of that, every
// parent is checked with Lstat to be a real directory, so that no symlink,
// old or new, is ever traversed while writing, and the final component is
// created exclusively (O_CREATE|O_EXCL, and os.Root adds O_NOFOLLOW), so
// that nothing existing is written through.
type writer struct {
	root    *os.Root
	dest    string
	opts    Options
	sum     *Summary
	dirs    map[string]bool // made or checked by this extraction: real directories
	dropped int             // warnings beyond maxWarnings
}

func (w *writer) warnf(format string, args ...any) {
	if len(w.sum.Warnings) >= maxWarnings {
		w.dropped++
		return
	}
	w.sum.Warnings = append(w.sum.Warnings, fmt.Sprintf(format, args...))
}

// finish notes the warnings that were left out.
func (w *writer) finish() {
	if w.dropped > 0 {
		w.sum.Warnings = append(w.sum.Warnings, fmt.Sprintf("… and %d more warnings", w.dropped))
		w.dropped = 0
	}
}

// full is rel as the user sees it, for messages.
func (w *writer) full(rel string) string { return filepath.Join(w.dest, filepath.FromSlash(rel)) }

// check is the last check before anything is created at rel: a clean local
// path below dest, whose every parent is a real directory, not a symlink.
func (w *writer) check(rel string) error {
	if rel == "" || path.Clean(rel) != rel || !filepath.IsLocal(filepath.FromSlash(rel)) || strings.ContainsRune(rel, 0) {
		return fmt.Errorf("%q: refusing a path that is not a clean local path below %s", rel, w.dest)
	}
	for i := 0; i < len(rel); i++ {
		if rel[i] != '/' || w.dirs[rel[:i]] {
			continue
		}
		parent := rel[:i]
		fi, err := w.root.Lstat(parent)
		if err != nil {
			return fmt.Errorf("%s: checking its parent: %w", w.full(rel), err)
		}
		if !fi.IsDir() {
			return fmt.Errorf("%s: its parent %s is not a directory (%s), refusing to write through it", w.full(rel), w.full(parent), fi.Mode().Type())
		}
		w.dirs[parent] = true
	}
	return nil
}

// inTheWay looks at what exists at rel before a non-directory is created
// there: nothing (free), a non-directory (removed with Overwrite, never
// followed), or a directory (never replaced). free is false when rel must
// be skipped; a warning says why.
func (w *writer) inTheWay(rel string) (free bool, err error) {
	if err := w.check(rel); err != nil {
		return false, err
	}
	fi, err := w.root.Lstat(rel)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return true, nil
	case err != nil:
		return false, fmt.Errorf("%s: %w", w.full(rel), err)
	case fi.IsDir():
		w.warnf("%s: a directory is in the way, skipped", w.full(rel))
		return false, nil
	case !w.opts.Overwrite:
		w.warnf("%s exists, skipped (overwriting was not asked for)", w.full(rel))
		return false, nil
	}
	// Remove unlinks the name itself: a symlink goes, its target stays;
	// a hardlink to a file elsewhere leaves that file alone.
	if err := w.root.Remove(rel); err != nil {
		return false, fmt.Errorf("%s: replacing it: %w", w.full(rel), err)
	}
	return true, nil
}

// mkdir creates directory it, or merges into an existing one. A new
// directory is 0700 until pass 3 gives it its mode.
func (w *writer) mkdir(it *item) error {
	if it.rel == "" {
		return nil // dest itself
	}
	if err := w.check(it.rel); err != nil {
		return err
	}
	fi, err := w.root.Lstat(it.rel)
	switch {
	case err == nil && fi.IsDir():
		w.dirs[it.rel] = true
		w.sum.Dirs++
		return nil
	case err == nil && !w.opts.Overwrite:
		w.warnf("%s exists and is not a directory, skipped with everything below it", w.full(it.rel))
		it.skipped = true
		w.sum.Skipped++
		return nil
	case err == nil:
		if err := w.root.Remove(it.rel); err != nil {
			return fmt.Errorf("%s: replacing it: %w", w.full(it.rel), err)
		}
	case !errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("%s: %w", w.full(it.rel), err)
	}
	if err := w.root.Mkdir(it.rel, 0o700); err != nil {
		return fmt.Errorf("%s: %w", w.full(it.rel), err)
	}
	it.created = true
	w.dirs[it.rel] = true
	w.sum.Dirs++
	return nil
}

// chmodDir gives a directory made by this extraction its mode, after
// checking it is still that directory and not a symlink.
func (w *writer) chmodDir(it *item) error {
	fi, err := w.root.Lstat(it.rel)
	if err != nil {
		return fmt.Errorf("%s: %w", w.full(it.rel), err)
	}
	if !fi.IsDir() {
		return fmt.Errorf("%s: no longer a directory (%s), not changing its mode", w.full(it.rel), fi.Mode().Type())
	}
	if err := w.root.Chmod(it.rel, it.mode); err != nil {
		return fmt.Errorf("%s: %w", w.full(it.rel), err)
	}
	return nil
}

// symlink creates it as a symlink whose target is stored verbatim; it may
// point anywhere, as nothing here ever follows it.
func (w *writer) symlink(it *item) error {
	free, err := w.inTheWay(it.rel)
	if err != nil {
		return err
	}
	if !free {
		it.skipped = true
		w.sum.Skipped++
		return nil
	}
	if err := w.root.Symlink(it.link, it.rel); err != nil {
		return fmt.Errorf("%s: %w", w.full(it.rel), err)
	}
	w.sum.Symlinks++
	return nil
}

// writeFiles creates the items idx, which all show the same bytes (a file
// and its hardlinks), and copies r into all of them at once.
func (w *writer) writeFiles(items []item, idx []int, r io.Reader) (err error) {
	type out struct {
		f  *os.File
		it *item
	}
	var outs []out
	defer func() {
		for _, o := range outs {
			if o.f != nil {
				o.f.Close()
			}
			if err != nil {
				w.root.Remove(o.it.rel) // no half-written file is left behind
			}
		}
	}()
	var ws []io.Writer
	for _, i := range idx {
		it := &items[i]
		free, err := w.inTheWay(it.rel)
		if err != nil {
			return err
		}
		if !free {
			it.skipped = true
			w.sum.Skipped++
			continue
		}
		f, err := w.root.OpenFile(it.rel, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return fmt.Errorf("%s: %w", w.full(it.rel), err)
		}
		outs = append(outs, out{f: f, it: it})
		ws = append(ws, f)
	}
	if len(outs) == 0 {
		return nil
	}
	n, err := io.Copy(io.MultiWriter(ws...), r)
	if err != nil {
		return fmt.Errorf("%s: %w", w.full(outs[0].it.rel), err)
	}
	for k := range outs {
		o := &outs[k]
		if err := o.f.Chmod(o.it.mode); err != nil {
			return fmt.Errorf("%s: %w", w.full(o.it.rel), err)
		}
		err := o.f.Close()
		o.f = nil
		if err != nil {
			return fmt.Errorf("%s: %w", w.full(o.it.rel), err)
		}
	}
	w.sum.Files += len(outs)
	w.sum.Bytes += n * int64(len(outs))
	return nil
}
