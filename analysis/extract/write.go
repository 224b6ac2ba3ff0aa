package extract

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"slices"
	"strings"

	"github.com/layerscope/layerscope/analysis/content"
)

// state is what one Run knows of an item.
type state struct {
	pos     int32 // on the cursor's path, -1 if not
	skipped bool
	made    bool   // a directory this run created: it gets its mode at the end
	known   bool   // directories: id is set
	id      fileID // directories: which one this run made or checked
}

// run is one Run of a Job; the Job itself is never changed, so it can be
// run again.
type run struct {
	job     *Job
	opts    Options
	sum     *Summary
	st      []state
	cur     cursor
	buf     []byte // for copying, shared by every file
	dropped int    // warnings beyond maxWarnings
	owners  bool   // give what is created the image's owners (root only)
}

// Run writes the job to dest/<Name> (the root to dest itself), creating
// dest if needed. It reads the layers' blobs and nothing of the analysis.
// The context is checked between files and while copying. However it
// ends, directories it made get their modes (they are 0700 while being
// filled); on error, the summary says what was done so far.
func (j *Job) Run(ctx context.Context, dest string, opts Options) (sum Summary, err error) {
	if dest, err = Destination(dest); err != nil {
		return sum, err
	}
	if err := os.MkdirAll(dest, 0o755); err != nil {
		return sum, fmt.Errorf("destination: %w", err)
	}
	top, err := openTop(dest)
	if err != nil {
		return sum, fmt.Errorf("destination: %w", err)
	}
	r := &run{job: j, opts: opts, sum: &sum, st: make([]state, len(j.items)), buf: make([]byte, 64<<10), owners: canOwn()}
	for i := range r.st {
		r.st[i].pos = -1
	}
	r.cur = cursor{top: top, dest: dest, items: j.items, st: r.st}
	// Deferred in this order so that the modes are set before the handles
	// close, and the warning count is last.
	defer r.finish()
	defer r.cur.close()
	defer r.setModes()

	// Pass 1: directories, symlinks and empty files, parents first.
	for i := range j.items {
		if err := ctx.Err(); err != nil {
			return sum, err
		}
		it := &j.items[i]
		if it.parent >= 0 && r.st[it.parent].skipped {
			r.skip(i)
			continue
		}
		if err := validName(it.name); err != nil {
			if err := r.fail(i, err); err != nil {
				return sum, err
			}
			continue
		}
		var err error
		switch it.kind {
		case kindSkip:
			r.warn(it.why)
			r.skip(i)
		case kindDir:
			err = r.mkdir(i)
		case kindSymlink:
			err = r.symlink(i)
		case kindFile:
			if it.size == 0 {
				err = r.writeFiles([]int{i}, strings.NewReader(""))
			} // else pass 2
		}
		if err != nil {
			return sum, err
		}
	}
	// Pass 2: file contents, one streaming read per layer that has any.
	for _, lf := range j.layers {
		var ms []content.Member
		var which [][]int
		for k, m := range lf.members {
			live := slices.DeleteFunc(slices.Clone(lf.items[k]), func(i int) bool { return r.st[i].skipped })
			if len(live) > 0 {
				ms, which = append(ms, m), append(which, live)
			}
		}
		err := content.ScanLayer(ctx, lf.blob, lf.index, ms, func(k int, rd io.Reader) error {
			if err := ctx.Err(); err != nil {
				return err
			}
			return r.writeFiles(which[k], rd)
		})
		if err != nil {
			return sum, err
		}
	}
	return sum, nil
}

// validName refuses names that are not one path component, or that no
// file system can hold (a NUL byte), before any system call sees them.
func validName(name string) error {
	switch {
	case name == "" || name == "." || name == "..":
		return fmt.Errorf("%q is not a file name", name)
	case strings.IndexByte(name, 0) >= 0:
		return errors.New("its name contains a NUL byte")
	}
	for i := 0; i < len(name); i++ {
		if os.IsPathSeparator(name[i]) {
			return fmt.Errorf("its name %q contains a path separator", name)
		}
	}
	return nil
}

func (r *run) full(i int) string { return r.cur.full(i) }

func (r *run) warn(msg string) {
	if len(r.sum.Warnings) >= maxWarnings {
		r.dropped++
		return
	}
	r.sum.Warnings = append(r.sum.Warnings, msg)
}

// warnAt warns about item i; the path is built only if the warning is kept.
func (r *run) warnAt(i int, format string, args ...any) {
	if len(r.sum.Warnings) >= maxWarnings {
		r.dropped++
		return
	}
	r.warn(r.full(i) + fmt.Sprintf(format, args...))
}

// finish notes the warnings that were left out.
func (r *run) finish() {
	if r.dropped > 0 {
		r.sum.Warnings = append(r.sum.Warnings, fmt.Sprintf("… and %d more warnings", r.dropped))
	}
}

func (r *run) skip(i int) {
	r.st[i].skipped = true
	r.sum.Skipped++
}

// fail handles an error creating item i: one that stops every write ends
// the run; any other skips the item (and what lies below it) with a
// warning.
func (r *run) fail(i int, err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err // the message names the path already
	}
	if fatal(err) {
		return fmt.Errorf("%s: %w", r.full(i), err)
	}
	below := ""
	if r.job.items[i].kind == kindDir {
		below = " with everything below it"
	}
	r.warnAt(i, ": %v, skipped%s", err, below)
	r.skip(i)
	return nil
}

// mkdir creates directory item i, or merges into an existing one, and
// opens it for what goes below. A new directory is 0700 until setModes.
func (r *run) mkdir(i int) error {
	it := &r.job.items[i]
	d, err := r.cur.dir(it.parent)
	if err != nil {
		return r.fail(i, err)
	}
	t, err := d.lstat(it.name)
	switch {
	case err == nil && t.IsDir():
		// Merged into; opening it below checks it is still a directory.
	case err == nil && !r.opts.Overwrite:
		r.warnAt(i, " exists and is not a directory, skipped with everything below it")
		r.skip(i)
		return nil
	case err == nil || errors.Is(err, fs.ErrNotExist):
		if err == nil {
			if err := d.remove(it.name); err != nil {
				return r.fail(i, fmt.Errorf("replacing it: %w", err))
			}
		}
		if err := d.mkdir(it.name); err != nil {
			return r.fail(i, err)
		}
		r.st[i].made = true
	default:
		return r.fail(i, err)
	}
	if _, err := r.cur.dir(i); err != nil {
		return r.fail(i, err)
	}
	r.sum.Dirs++
	return nil
}

// inTheWay looks at what exists at item i, in d, before a non-directory is
// created there: nothing (free), a non-directory (removed with Overwrite,
// never followed), or a directory (never replaced). free is false when i
// was skipped; err is an error that ends the run.
func (r *run) inTheWay(d *dirHandle, i int) (free bool, err error) {
	name := r.job.items[i].name
	t, err := d.lstat(name)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return true, nil
	case err != nil:
		return false, r.fail(i, err)
	case t.IsDir():
		r.warnAt(i, ": a directory is in the way, skipped")
		r.skip(i)
		return false, nil
	case !r.opts.Overwrite:
		r.warnAt(i, " exists, skipped (overwriting was not asked for)")
		r.skip(i)
		return false, nil
	}
	// The name itself goes: a symlink's target stays, and a hardlink to a
	// file elsewhere leaves that file alone.
	if err := d.remove(name); err != nil {
		return false, r.fail(i, fmt.Errorf("replacing it: %w", err))
	}
	return true, nil
}

// symlink creates item i as a symlink whose target is stored verbatim; it
// may point anywhere, as nothing here ever follows it.
func (r *run) symlink(i int) error {
	it := &r.job.items[i]
	d, err := r.cur.dir(it.parent)
	if err != nil {
		return r.fail(i, err)
	}
	if strings.IndexByte(it.link, 0) >= 0 {
		return r.fail(i, errors.New("its target contains a NUL byte"))
	}
	free, err := r.inTheWay(d, i)
	if !free || err != nil {
		return err
	}
	if err := d.symlink(it.link, it.name); err != nil {
		return r.fail(i, err)
	}
	r.sum.Symlinks++
	if it.meta && r.owners {
		if err := d.lchown(it.name, it.uid, it.gid); err != nil {
			r.warnAt(i, ": its owner was not set (%v)", err)
		}
	}
	if it.meta {
		if err := d.lchtimes(it.name, it.modTime); err != nil {
			r.warnAt(i, ": its time was not set (%v)", err)
		}
	}
	return nil
}

// writeFiles creates the items idx, which all show the same bytes (a file
// and its hardlinks): the first gets the bytes from src, the others are
// hardlinks to it (copies of it where a link cannot be made). An error
// reading or writing the bytes ends the run, and no half-written file is
// left behind.
func (r *run) writeFiles(idx []int, src io.Reader) (err error) {
	var (
		f     *os.File   // the first item's file while it is written
		at    = -1       // the first item
		first *dirHandle // a handle on its directory, for its links
		links []int      // the items to link to it
	)
	defer func() {
		if f != nil {
			f.Close()
			if err != nil {
				if d, derr := r.cur.dir(r.job.items[at].parent); derr == nil {
					d.remove(r.job.items[at].name)
				}
			}
		}
		if first != nil {
			first.close()
		}
	}()
	for _, i := range idx {
		it := &r.job.items[i]
		d, err := r.cur.dir(it.parent)
		if err != nil {
			if err := r.fail(i, err); err != nil {
				return err
			}
			continue
		}
		free, err := r.inTheWay(d, i)
		if err != nil {
			return err
		}
		if !free {
			continue
		}
		if at >= 0 {
			links = append(links, i)
			continue
		}
		if f, err = d.create(it.name); err != nil {
			f = nil
			if err := r.fail(i, err); err != nil {
				return err
			}
			continue
		}
		at = i
		first, _ = d.dup() // without it, the links become copies
	}
	if at < 0 {
		return nil
	}
	// A bare Writer: *os.File's ReadFrom would not use buf.
	n, err := io.CopyBuffer(struct{ io.Writer }{f}, src, r.buf)
	if err != nil {
		return fmt.Errorf("%s: %w", r.full(at), err)
	}
	err = r.finishFile(f, at)
	f = nil
	if err != nil {
		return err
	}
	r.sum.Files++
	r.sum.Bytes += n
	for _, i := range links {
		if err := r.linkTo(first, at, i, n); err != nil {
			return err
		}
	}
	return nil
}

// finishFile gives the new file f of item i its owner, mode and time, and
// closes it.
func (r *run) finishFile(f *os.File, i int) error {
	it := &r.job.items[i]
	defer f.Close()
	if it.meta && r.owners {
		if err := f.Chown(int(it.uid), int(it.gid)); err != nil {
			r.warnAt(i, ": its owner was not set (%v)", err)
		}
	}
	if err := f.Chmod(it.mode); err != nil {
		return fmt.Errorf("%s: %w", r.full(i), err)
	}
	timesLater := false
	if it.meta {
		if err := fileTimes(f, it.modTime); errors.Is(err, errors.ErrUnsupported) {
			timesLater = true
		} else if err != nil {
			r.warnAt(i, ": its time was not set (%v)", err)
		}
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("%s: %w", r.full(i), err)
	}
	if timesLater {
		d, err := r.cur.dir(it.parent)
		if err == nil {
			err = d.lchtimes(it.name, it.modTime)
		}
		if err != nil {
			r.warnAt(i, ": its time was not set (%v)", err)
		}
	}
	return nil
}

// linkTo makes item i a hardlink to item at, the file just written (of n
// bytes) in the directory first; where no link can be made it copies that
// file instead.
func (r *run) linkTo(first *dirHandle, at, i int, n int64) error {
	it := &r.job.items[i]
	d, err := r.cur.dir(it.parent)
	if err != nil {
		return r.fail(i, err)
	}
	if first != nil {
		err := d.link(first, r.job.items[at].name, it.name)
		if err == nil {
			r.sum.Files++
			r.sum.Hardlinks++
			return nil
		}
		if fatal(err) {
			return fmt.Errorf("%s: %w", r.full(i), err)
		}
	}
	// A copy: read back what was just written.
	if first == nil {
		return r.fail(i, errors.New("its hardlink could not be made"))
	}
	in, err := first.openFile(r.job.items[at].name)
	if err != nil {
		return r.fail(i, err)
	}
	defer in.Close()
	f, err := d.create(it.name)
	if err != nil {
		return r.fail(i, err)
	}
	if _, err := io.CopyBuffer(struct{ io.Writer }{f}, io.LimitReader(in, n), r.buf); err != nil {
		f.Close()
		d.remove(it.name)
		return fmt.Errorf("%s: %w", r.full(i), err)
	}
	if err := r.finishFile(f, i); err != nil {
		return err
	}
	r.sum.Files++
	r.sum.Bytes += n
	return nil
}

// setModes gives the directories this run made their owners, modes and
// times, children first, so that a read-only directory was writable while
// it was filled and its time is not changed by what is written into it.
// It runs however Run ends, cancelled or not; what fails is a warning,
// once for a directory that cannot be reached again, not for each below.
func (r *run) setModes() {
	unreachable := map[int]bool{}
	for i := len(r.job.items) - 1; i >= 0; i-- {
		if s := r.st[i]; !s.made || s.skipped {
			continue
		}
		it := &r.job.items[i]
		d, err := r.cur.dir(i)
		if err == nil && it.meta && r.owners {
			if err := d.chownSelf(it.uid, it.gid); err != nil {
				r.warnAt(i, ": its owner was not set (%v)", err)
			}
		}
		if err == nil {
			err = d.chmod(it.mode)
		}
		// The time last: the directory's entries are all written.
		if err == nil && it.meta {
			if err := d.chtimesSelf(it.modTime); err != nil {
				r.warnAt(i, ": its time was not set (%v)", err)
			}
		}
		var de *dirError
		switch {
		case err == nil:
		case errors.As(err, &de):
			if !unreachable[de.item] {
				unreachable[de.item] = true
				r.warn(fmt.Sprintf("%v: its mode and those of the directories below it were not set", err))
			}
		default:
			r.warnAt(i, ": its mode was not set (%v)", err)
		}
	}
}
