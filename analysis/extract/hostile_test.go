package extract_test

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/layerscope/layerscope/analysis"
	"github.com/layerscope/layerscope/analysis/extract"
	"github.com/layerscope/layerscope/analysis/synth"
	"github.com/layerscope/layerscope/tree"
)

func prepare(t *testing.T, f *fixture, p string, layer int) *extract.Job {
	t.Helper()
	job, err := extract.Prepare(f.res, f.node(t, p), layer)
	if err != nil {
		t.Fatal(err)
	}
	return job
}

// dirModes lists the mode of every directory below dir, which must be
// shallow enough for plain paths.
func dirModes(t *testing.T, dir string) map[string]fs.FileMode {
	t.Helper()
	out := map[string]fs.FileMode{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.IsDir() || p == dir {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		out[filepath.ToSlash(rel)] = fi.Mode().Perm()
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestExtractSkipsUnwritableNames: a name longer than the file system
// allows skips that path (and what is below it) with a warning;
// everything else is written and every directory gets its mode.
func TestExtractSkipsUnwritableNames(t *testing.T) {
	long := strings.Repeat("L", 300)
	img, err := synth.Image([]synth.Entry{
		synth.Dir("ok/"), synth.File("ok/a", "a"),
		synth.File("ok/"+long, "long"), synth.Dir(long + "/"), synth.File(long+"/f", "below"),
		{Name: "ro/", Mode: 0o555}, synth.File("ro/z", "z"),
	})
	if err != nil {
		t.Fatal(err)
	}
	f := analyse(t, img)
	dest := t.TempDir()
	sum := f.extract(t, "/", 0, dest, extract.Options{})
	got := listing(t, dest)
	want := []string{"ok -rwxr-xr-x dir", "ok/a -rw-r--r-- " + sha([]byte("a")), "ro -r-xr-xr-x dir", "ro/z -rw-r--r-- " + sha([]byte("z"))}
	diff(t, got, want)
	// The long file, the long directory and its file.
	if sum.Skipped != 3 || sum.Files != 2 || sum.Dirs != 2 {
		t.Errorf("summary %+v, want 3 skipped, 2 files, 2 directories", sum)
	}
	w := strings.Join(sum.Warnings, "\n")
	for _, s := range []string{long + ": file name too long, skipped", long + ": file name too long, skipped with everything below it"} {
		if !strings.Contains(w, s) {
			t.Errorf("no warning %q in\n%s", s, w)
		}
	}
	if len(sum.Warnings) != 2 {
		t.Errorf("%d warnings, want one per path skipped for itself (2):\n%s", len(sum.Warnings), w)
	}
	os.Chmod(filepath.Join(dest, "ro"), 0o755) // for the cleanup
}

// TestNULNamesNeverReachExtraction: a NUL in a name or a link target (only
// a PAX record can carry one) is refused by the layer reader, as
// archive/tar refuses it, so no such entry is ever extracted. (Extraction
// checks names for NUL all the same, before any system call sees them.)
func TestNULNamesNeverReachExtraction(t *testing.T) {
	for _, e := range []synth.Entry{synth.File("ok/bad\x00name", "x"), synth.Dir("nul\x00dir/"), synth.Symlink("ok/nul-target", "x\x00y")} {
		img, err := synth.NULNameImage([]synth.Entry{synth.Dir("ok/"), e})
		if err != nil {
			t.Fatal(err)
		}
		_, err = analysis.Analyze(context.Background(), img)
		if err == nil || !strings.Contains(err.Error(), "NUL in") {
			t.Errorf("%q: %v", e.Name, err)
		}
	}
}

// failingBlob returns the first n bytes of the blob, then an error.
type failingBlob struct {
	io.ReadCloser
	n int
}

var errBroken = errors.New("the blob broke")

func (b *failingBlob) Read(p []byte) (int, error) {
	if b.n <= 0 {
		return 0, errBroken
	}
	if len(p) > b.n {
		p = p[:b.n]
	}
	n, err := b.ReadCloser.Read(p)
	b.n -= n
	return n, err
}

// TestExtractModesAfterErrors: whether the run is cancelled or a layer
// fails while files are written, the directories it made have their modes.
func TestExtractModesAfterErrors(t *testing.T) {
	big := make([]byte, 1<<20)
	rand.NewChaCha8([32]byte{2}).Read(big) // does not compress: the blob is read as the file is
	f := image(t, []synth.Entry{synth.Dir("a/"), {Name: "a/ro/", Mode: 0o500}, synth.File("a/ro/small", "s"),
		{Name: "a/open/", Mode: 0o777}, synth.File("a/open/big", string(big)), synth.File("a/zz", "after")})
	want := map[string]fs.FileMode{"a": 0o755, "a/ro": 0o500, "a/open": 0o777}
	for _, tc := range []struct {
		name string
		hook func(cancel func()) func(io.ReadCloser) io.ReadCloser
		want error
	}{
		{"cancelled", func(cancel func()) func(io.ReadCloser) io.ReadCloser {
			return func(rc io.ReadCloser) io.ReadCloser { return &cancelAfter{rc, 256 << 10, cancel} }
		}, context.Canceled},
		{"broken layer", func(func()) func(io.ReadCloser) io.ReadCloser {
			return func(rc io.ReadCloser) io.ReadCloser { return &failingBlob{rc, 256 << 10} }
		}, errBroken},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			f.hooks[0] = tc.hook(cancel)
			defer func() { f.hooks[0] = nil }()
			dest := t.TempDir()
			_, err := prepare(t, f, "/", 0).Run(ctx, dest, extract.Options{})
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			got := dirModes(t, dest)
			for p, m := range want {
				if got[p] != m {
					t.Errorf("%s: mode %v, want %v", p, got[p], m)
				}
			}
			if _, err := os.Lstat(filepath.Join(dest, "a", "open", "big")); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("the half-written file stays: %v", err)
			}
			for p := range want {
				os.Chmod(filepath.Join(dest, p), 0o755) // for the cleanup
			}
		})
	}
}

// openFDs counts this process's open descriptors, -1 where it cannot.
func openFDs() int {
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return -1
	}
	return len(ents)
}

// TestExtractDeep writes a tree thousands of levels deep, with files at
// many depths listed deepest first (so the run climbs back up through
// directories whose handles it closed), in time linear in the depth and
// with few descriptors open.
func TestExtractDeep(t *testing.T) {
	const depth = 2000 // 4,001 bytes: deeper is past PATH_MAX, refused by the analysis
	var entries []synth.Entry
	for d := depth; d > 0; d -= 37 {
		entries = append(entries, synth.File(strings.Repeat("d/", d)+"f", strings.Repeat("x", 1+d%7)))
	}
	f := image(t, entries)
	before := openFDs()
	peak := 0
	f.hooks[0] = func(rc io.ReadCloser) io.ReadCloser {
		peak = openFDs() // pass 2 starts: pass 1 left the cursor at the bottom
		return rc
	}
	dest := t.TempDir()
	start := time.Now()
	sum := f.extract(t, "/", 0, dest, extract.Options{})
	if el := time.Since(start); el > 60*time.Second {
		t.Errorf("%d levels took %v", depth, el)
	}
	if sum.Dirs != depth || sum.Files != len(entries) || sum.Skipped != 0 {
		t.Errorf("summary %+v, want %d directories and %d files", sum, depth, len(entries))
	}
	if runtime.GOOS == "linux" && (before < 0 || peak-before > depth/64+64+8 || openFDs() != before) {
		t.Errorf("descriptors: %d before, %d while writing, %d after", before, peak, openFDs())
	}
	// Walk down through handles: the paths are too long for one call.
	r, err := os.OpenRoot(dest)
	if err != nil {
		t.Fatal(err)
	}
	files := 0
	for d := 1; d <= depth; d++ {
		next, err := r.OpenRoot("d")
		r.Close()
		if err != nil {
			t.Fatalf("level %d: %v", d, err)
		}
		r = next
		if fi, err := r.Stat("."); err != nil || fi.Mode().Perm() != 0o755 {
			t.Fatalf("level %d: %v, %v", d, fi.Mode(), err)
		}
		if (depth-d)%37 == 0 {
			b, err := r.ReadFile("f")
			if err != nil || string(b) != strings.Repeat("x", 1+d%7) {
				t.Fatalf("level %d: f holds %q, %v", d, b, err)
			}
			files++
		}
	}
	r.Close()
	if files != len(entries) {
		t.Errorf("found %d files, want %d", files, len(entries))
	}
	// What the cleanup (os.RemoveAll) cannot be trusted with at this depth.
	if err := os.RemoveAll(filepath.Join(dest, "d")); err != nil {
		t.Log(err)
	}
}

// TestExtractSwappedDirectory: a directory the run made is replaced, while
// its handle is closed, by a symlink to outside or by another directory;
// what was to go into it is skipped, nothing is written outside.
func TestExtractSwappedDirectory(t *testing.T) {
	deep := "top/" + strings.Repeat("d/", 150) + "f" // closes the handles of top/d and top/d/d
	f := image(t, []synth.Entry{synth.File(deep, "deep"), synth.File("top/d/d/g", "g")})
	for _, tc := range []struct {
		name string
		swap func(dest, outside string) error
		want string
	}{
		{"symlink", func(dest, outside string) error { return os.Symlink(outside, filepath.Join(dest, "top", "d", "d")) },
			"top/d/d: a symlink, not followed, skipped"},
		{"directory", func(dest, _ string) error { return os.Mkdir(filepath.Join(dest, "top", "d", "d"), 0o755) },
			"top/d/d: replaced by another directory during the extraction, skipped"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dest, outside := t.TempDir(), t.TempDir()
			f.hooks[0] = func(rc io.ReadCloser) io.ReadCloser {
				// Pass 2 starts: move the directory away (inside dest)
				// and put something else at its name.
				if err := os.Rename(filepath.Join(dest, "top", "d", "d"), filepath.Join(dest, "moved")); err != nil {
					t.Error(err)
				}
				if err := tc.swap(dest, outside); err != nil {
					t.Error(err)
				}
				return rc
			}
			defer func() { f.hooks[0] = nil }()
			sum := f.extract(t, "/", 0, dest, extract.Options{})
			if ents, _ := os.ReadDir(outside); len(ents) != 0 {
				t.Errorf("written outside: %v", ents)
			}
			if _, err := os.Lstat(filepath.Join(dest, "top", "d", "d", "g")); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("g was written into the replacement: %v", err)
			}
			// g is skipped; the directories below the one replaced keep
			// 0700, with one warning for them.
			wantW := []string{filepath.Join(dest, "top", "d", "d", "g") + ": " + filepath.Join(dest, filepath.FromSlash(tc.want)),
				filepath.Join(dest, "top", "d", "d") + ": "}
			if len(sum.Warnings) != 2 || !strings.HasPrefix(sum.Warnings[0], wantW[0]) || !strings.HasPrefix(sum.Warnings[1], wantW[1]) ||
				!strings.HasSuffix(sum.Warnings[1], "its mode and those of the directories below it were not set") {
				t.Errorf("%d warnings, want 2: %.300q", len(sum.Warnings), sum.Warnings)
			}
			if sum.Files != 1 || sum.Skipped != 1 {
				t.Errorf("%d files, %d skipped; want the deep one written and g skipped", sum.Files, sum.Skipped)
			}
			os.RemoveAll(filepath.Join(dest, "moved"))
		})
	}
}

// TestJobHoldsNoTree runs a prepared job while the tree it came from
// changes and is replaced: under -race, any read of the tree by Run is
// reported; and it writes what the tree said before.
func TestJobHoldsNoTree(t *testing.T) {
	f := image(t, []synth.Entry{synth.Dir("d/"), synth.File("d/a", "a0"), synth.File("d/big", strings.Repeat("b", 1<<20))},
		[]synth.Entry{synth.File("d/a", "a1"), synth.Hardlink("d/h", "d/big"), synth.Symlink("d/s", "a")})
	want := f.treeListing(t, tree.Root, 1, "")
	job := prepare(t, f, "/", 1)
	dest := t.TempDir()
	done := make(chan error)
	go func() {
		_, err := job.Run(context.Background(), dest, extract.Options{})
		done <- err
	}()
	old := f.res.FS
	for i := range 1000 {
		old.Node("/new/" + strings.Repeat("x", i%50))
	}
	f.res.FS = tree.NewFS()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	diff(t, listing(t, dest), want)
	// A job can be run again, into another destination.
	dest2 := t.TempDir()
	if _, err := job.Run(context.Background(), dest2, extract.Options{}); err != nil {
		t.Fatal(err)
	}
	if got := listing(t, dest2); !slices.Equal(got, want) {
		t.Errorf("second run: %q", got)
	}
}

// TestExtractSkipsWhatIsNotPermitted: a directory of the destination that
// refuses new entries (read-only, or immutable for root) skips what was to
// go into it, with a warning each, and the rest is written.
func TestExtractSkipsWhatIsNotPermitted(t *testing.T) {
	dest := t.TempDir()
	locked := filepath.Join(dest, "locked")
	if err := os.Mkdir(locked, 0o755); err != nil {
		t.Fatal(err)
	}
	lock, unlock := func() error { return os.Chmod(locked, 0o555) }, func() { os.Chmod(locked, 0o755) }
	if os.Geteuid() == 0 { // root ignores modes: an immutable directory refuses even root
		if _, err := exec.LookPath("chattr"); err != nil {
			t.Skip("as root this needs chattr:", err)
		}
		lock = func() error { return exec.Command("chattr", "+i", locked).Run() }
		unlock = func() { exec.Command("chattr", "-i", locked).Run() }
	}
	if err := lock(); err != nil {
		t.Skip("cannot lock a directory here:", err)
	}
	defer unlock()
	f := image(t, []synth.Entry{synth.Dir("locked/"), synth.File("locked/f", "f"), synth.Dir("locked/sub/"), synth.File("locked/sub/g", "g"),
		synth.Symlink("locked/s", "f"), synth.File("ok", "ok")})
	sum := f.extract(t, "/", 0, dest, extract.Options{})
	if sum.Files != 1 || sum.Dirs != 1 || sum.Skipped != 4 || len(sum.Warnings) != 3 {
		t.Errorf("summary %+v, want ok written, locked merged, f, s, sub and g skipped with 3 warnings", sum)
	}
	for _, w := range sum.Warnings {
		if !strings.HasPrefix(w, locked+string(filepath.Separator)) || !(strings.Contains(w, "permission denied") || strings.Contains(w, "operation not permitted")) {
			t.Errorf("warning %q", w)
		}
	}
	if b, err := os.ReadFile(filepath.Join(dest, "ok")); err != nil || string(b) != "ok" {
		t.Errorf("ok: %q, %v", b, err)
	}
}
