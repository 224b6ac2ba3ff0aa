// Package containerd reads an image from containerd's content store through
// its API socket, as ctr and nerdctl see it: the image record names a
// manifest (or an index), and every blob is read in place through the
// content API, with no export and no temporary file. The store is offered
// to the OCI layout reader as a file system (index.json plus
// blobs/sha256/<hex>), so that platform selection, size bounds and digest
// checks are those of every other source.
package containerd

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"slices"
	"strings"
	"syscall"
	"time"

	contentapi "github.com/containerd/containerd/api/services/content/v1"
	imagesapi "github.com/containerd/containerd/api/services/images/v1"
	namespacesapi "github.com/containerd/containerd/api/services/namespaces/v1"
	contentproxy "github.com/containerd/containerd/v2/core/content/proxy"
	"github.com/containerd/containerd/v2/pkg/namespaces"
	cerrdefs "github.com/containerd/errdefs"
	"github.com/containerd/errdefs/pkg/errgrpc"
	"github.com/distribution/reference"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/layerscope/layerscope/analysis/internal/oneline"
	"github.com/layerscope/layerscope/analysis/source/fsimage"
	"github.com/layerscope/layerscope/analysis/source/layout"
)

// The environment variables and defaults ctr and nerdctl use.
const (
	AddressEnv       = "CONTAINERD_ADDRESS"
	NamespaceEnv     = "CONTAINERD_NAMESPACE"
	DefaultAddress   = "/run/containerd/containerd.sock"
	DefaultNamespace = "default"
)

// Bounds on what the daemon can make us do.
const (
	// callTimeout bounds each metadata call (namespaces, image record,
	// blob info): they answer in milliseconds.
	callTimeout = 30 * time.Second
	// DefaultStall is how long one read of a blob may take.
	DefaultStall = 30 * time.Second
	// maxListed is how many namespaces an error names.
	maxListed = 20
	// maxMessage bounds every answer, as containerd's own client does.
	maxMessage = 16 << 20
)

// ErrNotFound means containerd answered but has no such image.
var ErrNotFound = errors.New("no such image")

// UnreachableError means no containerd answered at the address: no socket,
// nothing listening, or no permission to use it.
type UnreachableError struct {
	Address  string
	Reason   string
	NoSocket bool // nothing at all at the address
}

func (e *UnreachableError) Error() string {
	return fmt.Sprintf("containerd at %s: %s", e.Address, e.Reason)
}

// Options say where containerd is and what to pick.
type Options struct {
	Address   string // the socket; "" for CONTAINERD_ADDRESS or the default
	Namespace string // "" for CONTAINERD_NAMESPACE or "default"
	Platform  v1.Platform
	Stall     time.Duration // per blob read; 0 for DefaultStall
}

// Endpoint resolves the address and namespace as ctr does: the options,
// then the environment, then the defaults. A unix:// prefix is accepted.
func (o Options) Endpoint() (address, namespace string) {
	address, namespace = o.Address, o.Namespace
	if address == "" {
		address = os.Getenv(AddressEnv)
	}
	if address == "" {
		address = DefaultAddress
	}
	address = strings.TrimPrefix(address, "unix://")
	if namespace == "" {
		namespace = os.Getenv(NamespaceEnv)
	}
	if namespace == "" {
		namespace = DefaultNamespace
	}
	return address, namespace
}

// Info says what was read.
type Info struct {
	Name      string  // the image record's name
	Address   string  // the socket
	Namespace string  // the namespace
	Digest    v1.Hash // of the manifest read
	Platform  string  // set when picked from an index
}

// Location is how reports name where the image came from.
func (i Info) Location() string {
	return fmt.Sprintf("containerd at %s, namespace %s", i.Address, i.Namespace)
}

// Image is an image read from containerd; Close ends the connection.
type Image struct {
	*fsimage.Image
	Info  Info
	close func() error
}

// Close releases the connection to containerd.
func (i *Image) Close() error { return i.close() }

// Open finds ref in containerd and returns its image; the blobs are read
// from containerd when the analysis reads them, until Close.
func Open(ctx context.Context, ref string, o Options) (*Image, error) {
	addr, ns := o.Endpoint()
	if err := probe(ctx, addr); err != nil {
		return nil, err
	}
	// containerd's own API packages over one gRPC connection: its full
	// client would add some 12 MB of runtime, snapshot and transfer code
	// to the binary for the three services read here.
	conn, err := grpc.NewClient("unix://"+addr,
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(maxMessage)))
	if err != nil {
		return nil, &UnreachableError{Address: addr, Reason: oneline.Short(err.Error())}
	}
	img, err := open(ctx, conn, addr, ns, ref, o)
	if err != nil {
		conn.Close()
		return nil, err
	}
	return img, nil
}

func open(ctx context.Context, conn *grpc.ClientConn, addr, ns, ref string, o Options) (*Image, error) {
	where := fmt.Sprintf("containerd at %s", addr)
	if err := checkNamespace(ctx, namespacesapi.NewNamespacesClient(conn), where, ns); err != nil {
		return nil, err
	}
	nctx := namespaces.WithNamespace(ctx, ns)
	names := candidates(ref)
	name, target, err := lookup(nctx, imagesapi.NewImagesClient(conn), names)
	if err != nil {
		if cerrdefs.IsNotFound(err) {
			also := ""
			if len(names) > 1 {
				also = " (nor " + oneline.Short(names[1]) + ")"
			}
			return nil, fmt.Errorf("%s, namespace %s, has %w %s%s", where, ns, ErrNotFound, oneline.Short(ref), also)
		}
		return nil, fmt.Errorf("%s: image %s: %s", where, oneline.Short(ref), oneline.Short(err.Error()))
	}
	stall := o.Stall
	if stall <= 0 {
		stall = DefaultStall
	}
	// The content reads outlive Open: they use a context of their own,
	// cancelled with the caller's and when the image is closed.
	rctx, cancel := context.WithCancel(nctx)
	store := &storeFS{ctx: rctx, store: contentproxy.NewContentStore(contentapi.NewContentClient(conn)), stall: stall, where: where}
	store.index, err = indexFor(name, target)
	if err != nil {
		cancel()
		return nil, err
	}
	fimg, linfo, err := layout.Load(store, "", o.Platform)
	if err != nil {
		cancel()
		return nil, fmt.Errorf("%s, namespace %s, image %s: %w", where, ns, oneline.Short(name), err)
	}
	info := Info{Name: name, Address: addr, Namespace: ns, Digest: linfo.Digest, Platform: linfo.Platform}
	return &Image{Image: fimg, Info: info, close: func() error { cancel(); return conn.Close() }}, nil
}

// probe tells apart the ways of not reaching containerd before any gRPC
// call, whose errors would bury the reason in transport words.
func probe(ctx context.Context, addr string) error {
	st, err := os.Stat(addr)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return &UnreachableError{Address: addr, Reason: "no socket there (is containerd running? set " + AddressEnv + ")", NoSocket: true}
	case errors.Is(err, os.ErrPermission):
		return &UnreachableError{Address: addr, Reason: "permission denied (run as root or as a member of the socket's group)"}
	case err != nil:
		return &UnreachableError{Address: addr, Reason: oneline.Short(err.Error())}
	case st.Mode()&os.ModeSocket == 0:
		return &UnreachableError{Address: addr, Reason: "not a socket"}
	}
	d := net.Dialer{Timeout: 10 * time.Second}
	conn, err := d.DialContext(ctx, "unix", addr)
	switch {
	case err == nil:
		conn.Close()
		return nil
	case errors.Is(err, syscall.EACCES) || errors.Is(err, syscall.EPERM):
		return &UnreachableError{Address: addr, Reason: "permission denied (run as root or as a member of the socket's group)"}
	case errors.Is(err, syscall.ECONNREFUSED):
		return &UnreachableError{Address: addr, Reason: "nothing listens on the socket (is containerd running?)"}
	case ctx.Err() != nil:
		return ctx.Err()
	}
	return &UnreachableError{Address: addr, Reason: oneline.Short(err.Error())}
}

// checkNamespace fails, listing the namespaces there are, when ns is not
// one of them: containerd itself would just say "not found".
func checkNamespace(ctx context.Context, c namespacesapi.NamespacesClient, where, ns string) error {
	cctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	resp, err := c.List(cctx, &namespacesapi.ListNamespacesRequest{})
	if err != nil {
		err = errgrpc.ToNative(err)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return fmt.Errorf("%s: listing namespaces: %s", where, oneline.Short(err.Error()))
	}
	var have []string
	for _, n := range resp.GetNamespaces() {
		have = append(have, n.GetName())
	}
	if slices.Contains(have, ns) {
		return nil
	}
	if len(have) == 0 {
		return fmt.Errorf("%s has no namespace %q: it has none yet (no image was ever stored)", where, oneline.Short(ns))
	}
	slices.Sort(have)
	listed := have
	more := ""
	if len(listed) > maxListed {
		listed, more = listed[:maxListed], fmt.Sprintf(" and %d more", len(have)-maxListed)
	}
	for i, n := range listed {
		listed[i] = oneline.Short(n)
	}
	return fmt.Errorf("%s has no namespace %q (it has: %s%s; set --namespace or %s)", where, oneline.Short(ns), strings.Join(listed, ", "), more, NamespaceEnv)
}

// candidates are the names ref may be stored as.
func candidates(ref string) []string {
	names := []string{ref}
	if n, err := reference.ParseNormalizedNamed(ref); err == nil {
		if full := reference.TagNameOnly(n).String(); full != ref {
			names = append(names, full)
		}
	}
	return names
}

// lookup finds the image record: the name as typed, then as Docker
// normalises it (nginx is docker.io/library/nginx:latest), the name
// containerd stores for images pulled or imported by ctr and nerdctl.
func lookup(ctx context.Context, c imagesapi.ImagesClient, names []string) (string, v1.Descriptor, error) {
	var err error
	for _, name := range names {
		cctx, cancel := context.WithTimeout(ctx, callTimeout)
		resp, gerr := c.Get(cctx, &imagesapi.GetImageRequest{Name: name})
		cancel()
		if gerr == nil && resp.GetImage() == nil {
			gerr = errors.New("containerd answered with no image record")
		}
		if gerr == nil {
			img := resp.GetImage()
			t := img.GetTarget()
			d, derr := descriptor(t.GetMediaType(), t.GetDigest(), t.GetSize())
			return img.GetName(), d, derr
		}
		gerr = errgrpc.ToNative(gerr)
		if err = gerr; !cerrdefs.IsNotFound(gerr) {
			break
		}
	}
	return "", v1.Descriptor{}, err
}

func descriptor(mediaType, digest string, size int64) (v1.Descriptor, error) {
	h, err := v1.NewHash(digest)
	if err != nil {
		return v1.Descriptor{}, fmt.Errorf("the image record names an invalid digest %q", oneline.Short(digest))
	}
	if size < 0 || size > fsimage.MaxJSONSize {
		return v1.Descriptor{}, fmt.Errorf("the image record states %d bytes for its manifest: at most %d MiB are allowed", size, fsimage.MaxJSONSize>>20)
	}
	return v1.Descriptor{MediaType: types.MediaType(mediaType), Digest: h, Size: size}, nil
}

// indexFor is the index.json the layout reader starts from: one entry, the
// image record's target.
func indexFor(name string, target v1.Descriptor) ([]byte, error) {
	target.Annotations = map[string]string{"io.containerd.image.name": name}
	return json.Marshal(v1.IndexManifest{SchemaVersion: 2, MediaType: "application/vnd.oci.image.index.v1+json", Manifests: []v1.Descriptor{target}})
}
