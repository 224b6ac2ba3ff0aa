package synth

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// RegistryFault is one way a hostile registry misbehaves.
type RegistryFault string

// The faults a HostileRegistry can have. Everything it does not break it
// serves from a small, valid one-layer image.
const (
	// EndlessConfig: the manifest states a 20 GB config, whose blob never ends.
	EndlessConfig RegistryFault = "endless-config"
	// LongConfig: the manifest states the config's true size, but its
	// blob goes on past it without end.
	LongConfig RegistryFault = "long-config"
	// LongLayer: the same for the layer.
	LongLayer RegistryFault = "long-layer"
	// NegativeLayer: the manifest states a layer size of -1 ("unknown").
	NegativeLayer RegistryFault = "negative-layer"
	// HugeManifest: the manifest's Content-Length says 20 GB, and its body never ends.
	HugeManifest RegistryFault = "huge-manifest"
	// EndlessManifest: the manifest is chunked (no Content-Length) and never ends.
	EndlessManifest RegistryFault = "endless-manifest"
	// EndlessPing: the API check /v2/ answers 200 with a body that never ends.
	EndlessPing RegistryFault = "endless-ping"
	// RedirectLoop: the manifest redirects to itself.
	RedirectLoop RegistryFault = "redirect-loop"
	// RedirectLoopBlob: the layer redirects to itself.
	RedirectLoopBlob RegistryFault = "redirect-loop-blob"
	// TrickleManifest: the manifest arrives one byte per Trickle.
	TrickleManifest RegistryFault = "trickle-manifest"
	// TrickleLayer: manifest and config are fine, the layer trickles.
	TrickleLayer RegistryFault = "trickle-layer"
	// TrickleToken: /v2/ asks for a bearer token, which trickles.
	TrickleToken RegistryFault = "trickle-token"
	// SilentManifest: the manifest request gets no answer at all.
	SilentManifest RegistryFault = "silent-manifest"
	// ErrorBody: the manifest is refused (404) with a plain-text body full
	// of ESC sequences and newlines, 64 KiB long.
	ErrorBody RegistryFault = "error-body"
	// ErrorJSON: the same, as a short registry error document whose
	// message holds ESC sequences and newlines.
	ErrorJSON RegistryFault = "error-json"
)

// RegistryFaults lists every fault.
var RegistryFaults = []RegistryFault{EndlessConfig, LongConfig, LongLayer, NegativeLayer, HugeManifest,
	EndlessManifest, EndlessPing, RedirectLoop, RedirectLoopBlob, TrickleManifest, TrickleLayer, TrickleToken,
	SilentManifest, ErrorBody, ErrorJSON}

// HostileEscapes is the terminal-rewriting text the error faults send.
const HostileEscapes = "\x1b[2J\x1b[31mrepository is gone\r\nlayerscope: all clear\x1b]0;pwned\x07\n"

// HostileRegistry is an OCI distribution API (/v2/, manifests, blobs,
// a token endpoint) with one fault. It counts the requests it sees.
type HostileRegistry struct {
	Fault   RegistryFault
	Trickle time.Duration // between two bytes of a trickle (default 2 s)

	manifest, config, layer []byte
	configDigest            v1.Hash
	layerDigest             v1.Hash
	requests                atomic.Int64
}

// NewHostileRegistry builds the image it serves around the fault.
func NewHostileRegistry(fault RegistryFault) (*HostileRegistry, error) {
	img, err := Image([]Entry{File("etc/motd", strings.Repeat("hello\n", 50_000))})
	if err != nil {
		return nil, err
	}
	h := &HostileRegistry{Fault: fault}
	if h.config, err = img.RawConfigFile(); err != nil {
		return nil, err
	}
	if h.configDigest, err = img.ConfigName(); err != nil {
		return nil, err
	}
	layers, err := img.Layers()
	if err != nil {
		return nil, err
	}
	if h.layer, err = ReadAll(layers[0].Compressed); err != nil {
		return nil, err
	}
	if h.layerDigest, err = layers[0].Digest(); err != nil {
		return nil, err
	}
	m, err := img.Manifest()
	if err != nil {
		return nil, err
	}
	switch fault {
	case EndlessConfig:
		m.Config.Size = 20_000_000_000
	case NegativeLayer:
		m.Layers[0].Size = -1
	}
	if h.manifest, err = json.Marshal(m); err != nil {
		return nil, err
	}
	return h, nil
}

// Requests is how many requests the registry has seen.
func (h *HostileRegistry) Requests() int64 { return h.requests.Load() }

func (h *HostileRegistry) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.requests.Add(1)
	p := r.URL.Path
	switch {
	case p == "/v2/" || p == "/v2":
		h.ping(w, r)
	case p == "/token":
		if h.Fault == TrickleToken {
			h.trickle(w, r, []byte(`{"token":"t"}`))
			return
		}
		w.Write([]byte(`{"token":"t"}`))
	case strings.Contains(p, "/manifests/"):
		h.serveManifest(w, r)
	case strings.HasSuffix(p, "/blobs/"+h.configDigest.String()):
		if h.Fault == EndlessConfig || h.Fault == LongConfig {
			endless(w, r, h.config)
			return
		}
		w.Write(h.config)
	case strings.HasSuffix(p, "/blobs/"+h.layerDigest.String()):
		h.serveLayer(w, r)
	default:
		http.NotFound(w, r)
	}
}

func (h *HostileRegistry) ping(w http.ResponseWriter, r *http.Request) {
	switch h.Fault {
	case EndlessPing:
		endless(w, r, []byte("{}"))
	case TrickleToken:
		w.Header().Set("WWW-Authenticate", fmt.Sprintf(`Bearer realm="http://%s/token",service="hostile"`, r.Host))
		w.WriteHeader(http.StatusUnauthorized)
	default:
		w.Write([]byte("{}"))
	}
}

func (h *HostileRegistry) serveManifest(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", string(types.OCIManifestSchema1))
	switch h.Fault {
	case HugeManifest:
		w.Header().Set("Content-Length", "20000000000")
		endless(w, r, h.manifest)
	case EndlessManifest:
		endless(w, r, h.manifest)
	case RedirectLoop:
		http.Redirect(w, r, r.URL.String(), http.StatusFound)
	case TrickleManifest:
		h.trickle(w, r, h.manifest)
	case SilentManifest:
		<-r.Context().Done()
	case ErrorBody:
		w.Header().Set("Content-Type", "text/plain")
		w.WriteHeader(http.StatusNotFound)
		w.Write(bytes.Repeat([]byte(HostileEscapes), 64<<10/len(HostileEscapes)))
	case ErrorJSON:
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusNotFound)
		b, _ := json.Marshal(map[string]any{"errors": []map[string]string{{"code": "MANIFEST_UNKNOWN", "message": strings.Repeat(HostileEscapes, 8)}}})
		w.Write(b)
	default:
		if r.Method == http.MethodHead {
			w.Header().Set("Content-Length", fmt.Sprint(len(h.manifest)))
			return
		}
		w.Write(h.manifest)
	}
}

func (h *HostileRegistry) serveLayer(w http.ResponseWriter, r *http.Request) {
	switch h.Fault {
	case LongLayer:
		endless(w, r, h.layer)
	case NegativeLayer:
		endless(w, r, h.layer)
	case RedirectLoopBlob:
		http.Redirect(w, r, r.URL.String(), http.StatusTemporaryRedirect)
	case TrickleLayer:
		h.trickle(w, r, h.layer)
	default:
		w.Write(h.layer)
	}
}

// endless sends start, then zeros until the client goes away.
func endless(w http.ResponseWriter, r *http.Request, start []byte) {
	if _, err := w.Write(start); err != nil {
		return
	}
	zeros := make([]byte, 64<<10)
	for r.Context().Err() == nil {
		if _, err := w.Write(zeros); err != nil {
			return
		}
	}
}

// trickle sends b one byte per h.Trickle until done or the client goes away.
func (h *HostileRegistry) trickle(w http.ResponseWriter, r *http.Request, b []byte) {
	every := h.Trickle
	if every <= 0 {
		every = 2 * time.Second
	}
	f, _ := w.(http.Flusher)
	for i := range b {
		if _, err := w.Write(b[i : i+1]); err != nil {
			return
		}
		if f != nil {
			f.Flush()
		}
		select {
		case <-r.Context().Done():
			return
		case <-time.After(every):
		}
	}
}

// EngineFault is one way a hostile Docker Engine API misbehaves.
type EngineFault string

// The faults a HostileEngine can have.
const (
	// EndlessInspect: GET /images/NAME/json never ends.
	EndlessInspect EngineFault = "endless-inspect"
	// HugeInspect: its Content-Length says 20 GB.
	HugeInspect EngineFault = "huge-inspect"
	// SilentInspect: the inspect request gets no answer.
	SilentInspect EngineFault = "silent-inspect"
	// InspectError: inspect fails (500) with a message of ESC sequences
	// and newlines, 60 KB of them.
	InspectError EngineFault = "inspect-error"
	// TrickleSave: the export (GET /images/get) trickles.
	TrickleSave EngineFault = "trickle-save"
)

// EngineFaults lists every engine fault.
var EngineFaults = []EngineFault{EndlessInspect, HugeInspect, SilentInspect, InspectError, TrickleSave}

// HostileEngine is a Docker Engine API (/_ping, /version, image inspect
// and save) with one fault. It counts the requests it sees.
type HostileEngine struct {
	Fault    EngineFault
	Trickle  time.Duration // between two bytes of a trickle (default 2 s)
	requests atomic.Int64
}

// Requests is how many requests the engine has seen.
func (h *HostileEngine) Requests() int64 { return h.requests.Load() }

func (h *HostileEngine) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.requests.Add(1)
	w.Header().Set("API-Version", "1.41")
	p := r.URL.Path
	switch {
	case strings.HasSuffix(p, "/_ping"):
		w.Write([]byte("OK"))
	case strings.HasSuffix(p, "/version"):
		w.Write([]byte(`{"ApiVersion":"1.41","Version":"20.10.24"}`))
	case strings.HasSuffix(p, "/json") && strings.Contains(p, "/images/"):
		h.inspect(w, r)
	case strings.HasSuffix(p, "/images/get"):
		w.Header().Set("Content-Type", "application/x-tar")
		if h.Fault == TrickleSave {
			every := h.Trickle
			if every <= 0 {
				every = 2 * time.Second
			}
			hr := &HostileRegistry{Trickle: every}
			hr.trickle(w, r, make([]byte, 10240))
			return
		}
		w.Write(make([]byte, 1024)) // an empty tar
	default:
		http.NotFound(w, r)
	}
}

func (h *HostileEngine) inspect(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	start := []byte(`{"Id":"sha256:` + strings.Repeat("a", 64) + `","Size":1000,"RepoTags":["`)
	switch h.Fault {
	case EndlessInspect:
		endless(w, r, start)
	case HugeInspect:
		w.Header().Set("Content-Length", "20000000000")
		endless(w, r, start)
	case SilentInspect:
		<-r.Context().Done()
	case InspectError:
		w.WriteHeader(http.StatusInternalServerError)
		b, _ := json.Marshal(map[string]string{"message": strings.Repeat(HostileEscapes, 1000)})
		w.Write(b)
	default:
		w.Write(append(start, `hostile:1"]}`...))
	}
}
