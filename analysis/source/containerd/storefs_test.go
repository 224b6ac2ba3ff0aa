package containerd

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"strings"
	"testing"
	"time"

	"github.com/containerd/containerd/v2/core/content"
	cerrdefs "github.com/containerd/errdefs"
	digest "github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
)

// fakeStore is a content store that misbehaves as a hostile or stuck
// daemon could; only what storeFS calls is implemented.
type fakeStore struct {
	content.Store
	blob  []byte
	size  int64         // stated size
	block chan struct{} // ReadAt waits on it
}

func (f *fakeStore) Info(context.Context, digest.Digest) (content.Info, error) {
	if f.blob == nil {
		return content.Info{}, cerrdefs.ErrNotFound
	}
	return content.Info{Size: f.size}, nil
}

func (f *fakeStore) ReaderAt(ctx context.Context, d ocispec.Descriptor) (content.ReaderAt, error) {
	if f.blob == nil {
		return nil, cerrdefs.ErrNotFound
	}
	return &fakeReader{f: f, ctx: ctx}, nil
}

type fakeReader struct {
	f   *fakeStore
	ctx context.Context
}

func (r *fakeReader) ReadAt(p []byte, off int64) (int, error) {
	if r.f.block != nil {
		select {
		case <-r.f.block:
		case <-r.ctx.Done():
			return 0, r.ctx.Err()
		}
	}
	if off >= int64(len(r.f.blob)) {
		return 0, io.EOF
	}
	n := copy(p, r.f.blob[off:])
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}
func (r *fakeReader) Size() int64  { return r.f.size }
func (r *fakeReader) Close() error { return nil }

const someBlob = blobDir + "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

func TestStoreFSReadsInChunks(t *testing.T) {
	blob := []byte(strings.Repeat("layer bytes ", chunk/6)) // two chunks and a bit
	s := &storeFS{ctx: context.Background(), store: &fakeStore{blob: blob, size: int64(len(blob))}, stall: time.Second, where: "test"}
	got, err := fs.ReadFile(s, someBlob)
	if err != nil || string(got) != string(blob) {
		t.Fatalf("read %d bytes, %v; want %d", len(got), err, len(blob))
	}
	f, _ := s.Open(someBlob)
	defer f.Close()
	if _, err := f.(io.Seeker).Seek(int64(len(blob))-5, io.SeekStart); err != nil {
		t.Fatal(err)
	}
	tailBytes, _ := io.ReadAll(f)
	if string(tailBytes) != string(blob[len(blob)-5:]) {
		t.Errorf("after Seek read %q", tailBytes)
	}
}

func TestStoreFSMissingBlob(t *testing.T) {
	s := &storeFS{ctx: context.Background(), store: &fakeStore{}, stall: time.Second, where: "test"}
	for _, name := range []string{someBlob, "blobs/sha256/zz", "etc/passwd"} {
		if _, err := s.Open(name); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("Open(%s): %v, want not exist", name, err)
		}
	}
}

// A daemon that stops sending is given up after the stall time, with an
// error that says so.
func TestStoreFSStall(t *testing.T) {
	block := make(chan struct{})
	defer close(block)
	s := &storeFS{ctx: context.Background(), store: &fakeStore{blob: []byte("abc"), size: 3, block: block}, stall: 100 * time.Millisecond, where: "containerd at x"}
	f, err := s.Open(someBlob)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	start := time.Now()
	_, err = io.ReadAll(f)
	var stall *StallError
	if !errors.As(err, &stall) || !strings.Contains(err.Error(), "nothing received for 100ms") {
		t.Fatalf("got %v, want a stall error", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("gave up after %v", d)
	}
}

// A blob shorter than containerd states ends early; the layer reader
// above turns that into an error naming both sizes.
func TestStoreFSShortBlob(t *testing.T) {
	s := &storeFS{ctx: context.Background(), store: &fakeStore{blob: []byte("abc"), size: 10}, stall: time.Second, where: "test"}
	f, err := s.Open(someBlob)
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(f)
	if err != nil || string(got) != "abc" {
		t.Errorf("got %q, %v", got, err)
	}
	s.store = &fakeStore{blob: []byte("abc"), size: -1}
	if _, err := s.Open(someBlob); err == nil || !strings.Contains(err.Error(), "-1 bytes") {
		t.Errorf("a negative size: %v", err)
	}
}

func TestEndpoint(t *testing.T) {
	t.Setenv(AddressEnv, "")
	t.Setenv(NamespaceEnv, "")
	if a, n := (Options{}).Endpoint(); a != DefaultAddress || n != DefaultNamespace {
		t.Errorf("defaults: %s %s", a, n)
	}
	t.Setenv(AddressEnv, "unix:///x/c.sock")
	t.Setenv(NamespaceEnv, "k8s.io")
	if a, n := (Options{}).Endpoint(); a != "/x/c.sock" || n != "k8s.io" {
		t.Errorf("environment: %s %s", a, n)
	}
	if a, n := (Options{Address: "/y", Namespace: "z"}).Endpoint(); a != "/y" || n != "z" {
		t.Errorf("options: %s %s", a, n)
	}
}

// A manifest of more layers than any engine makes stops the lookups.
func TestStoreFSBoundsLookups(t *testing.T) {
	s := &storeFS{ctx: context.Background(), store: &fakeStore{blob: []byte("a"), size: 1}, stall: time.Second, where: "test"}
	for i := 0; i < maxStats; i++ {
		if _, err := s.Stat(someBlob); err != nil {
			t.Fatalf("lookup %d: %v", i, err)
		}
	}
	if _, err := s.Stat(someBlob); err == nil || !strings.Contains(err.Error(), "more than 4096 blobs") {
		t.Errorf("lookup %d: %v", maxStats+1, err)
	}
}

// The image record is the daemon's word: its digest and size are checked
// before anything is read.
func TestDescriptorFromRecord(t *testing.T) {
	good := "sha256:" + strings.Repeat("a", 64)
	if d, err := descriptor("application/vnd.oci.image.manifest.v1+json", good, 500); err != nil || d.Size != 500 || d.Digest.String() != good {
		t.Errorf("a good record: %+v %v", d, err)
	}
	for _, c := range []struct {
		digest string
		size   int64
		want   string
	}{
		{"sha256:xyz", 10, "invalid digest"},
		{"", 10, "invalid digest"},
		{good, -1, "states -1 bytes"},
		{good, 1 << 40, "at most 8 MiB"},
	} {
		if _, err := descriptor("", c.digest, c.size); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q %d: %v, want %q", c.digest, c.size, err, c.want)
		}
	}
}
