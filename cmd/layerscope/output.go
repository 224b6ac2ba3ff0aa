package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// notAnInput refuses to write a report at out when out is one of the
// inputs (the same file, whatever the name: symlinks and hardlinks too)
// or lies inside an input directory (an OCI layout).
func notAnInput(flag, out string, inputs ...string) error {
	var ins []os.FileInfo
	var names []string
	for _, in := range inputs {
		if st, err := os.Stat(in); err == nil && in != "" {
			ins, names = append(ins, st), append(names, in)
		}
	}
	check := func(st os.FileInfo, inside bool) error {
		for i, in := range ins {
			if !os.SameFile(st, in) {
				continue
			}
			if inside {
				return fmt.Errorf("%s %s is inside the input %s: refusing to write there", flag, out, names[i])
			}
			return fmt.Errorf("%s %s is the input %s: refusing to write over it", flag, out, names[i])
		}
		return nil
	}
	if st, err := os.Stat(out); err == nil {
		if err := check(st, false); err != nil {
			return err
		}
	}
	// Walk up the physical directory (symlinks resolved), so that
	// "link/../x" cannot hide where the file really goes.
	dir, err := filepath.EvalSymlinks(filepath.Dir(out))
	if err != nil {
		return nil // the directory is missing: creating the report will say so
	}
	if dir, err = filepath.Abs(dir); err != nil {
		return nil
	}
	for {
		if st, err := os.Stat(dir); err == nil {
			if err := check(st, true); err != nil {
				return err
			}
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return nil
		}
		dir = parent
	}
}

// reportFile is a report being written to a temporary file beside its
// target and renamed into place by Commit: a failed or interrupted run
// never leaves half a report, nor clobbers the previous one. Abort (safe
// after Commit) removes the temporary file.
type reportFile struct {
	*os.File
	tmp, path string // tmp is "" when writing in place (a device or a pipe)
}

// createReport starts a report at path. A symlink is followed, so the file
// it points to gets the report; a device or FIFO (/dev/stdout) is written
// directly, since it cannot be renamed over.
func createReport(path string) (*reportFile, error) {
	if real, err := filepath.EvalSymlinks(path); err == nil {
		path = real
	}
	st, err := os.Stat(path)
	switch {
	case err == nil && st.IsDir():
		return nil, fmt.Errorf("%s is a directory", path)
	case err == nil && !st.Mode().IsRegular():
		f, err := os.OpenFile(path, os.O_WRONLY, 0)
		return &reportFile{File: f, path: path}, err
	case err != nil && !errors.Is(err, fs.ErrNotExist):
		return nil, err
	}
	dir, base := filepath.Split(path)
	for range 10 {
		var b [6]byte
		rand.Read(b[:])
		tmp := filepath.Join(dir, "."+base+"."+hex.EncodeToString(b[:])+".tmp")
		// 0666 and the umask, as os.Create: CreateTemp would give 0600.
		f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o666)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		if err != nil {
			return nil, err
		}
		if st != nil {
			f.Chmod(st.Mode().Perm()) // an existing report keeps its mode
		}
		return &reportFile{File: f, tmp: tmp, path: path}, nil
	}
	return nil, fmt.Errorf("%s: no free temporary name beside it", path)
}

// Commit completes the report: it is in place when Commit returns nil.
func (r *reportFile) Commit() error {
	if r.tmp == "" {
		return r.File.Close()
	}
	if err := r.File.Sync(); err != nil {
		return err
	}
	if err := r.File.Close(); err != nil {
		return err
	}
	if err := os.Rename(r.tmp, r.path); err != nil {
		return err
	}
	r.tmp = ""
	return nil
}

// Abort drops an uncommitted report.
func (r *reportFile) Abort() {
	r.File.Close()
	if r.tmp != "" {
		os.Remove(r.tmp)
	}
}

// ctxWriter stops a long write once the run is cancelled (a signal).
type ctxWriter struct {
	ctx context.Context
	w   io.Writer
}

func (c ctxWriter) Write(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.w.Write(p)
}
