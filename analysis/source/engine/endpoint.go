// Package engine exports images from a Docker Engine or from Podman's
// Docker-compatible API: one `save` per image, streamed to a spool file that
// the docker-archive reader then reads in place.
package engine

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/moby/moby/client"
)

// Endpoint is an engine API to talk to.
type Endpoint struct {
	Engine string // "Docker" or "Podman", for messages
	Host   string // unix:///var/run/docker.sock, tcp://host:2376, ...
	// FromEnv: the DOCKER_* variables configure host and TLS.
	FromEnv bool
	// TLS material of a Docker context, if it has any.
	CA, Cert, Key string
}

func (e Endpoint) String() string { return e.Engine + " at " + e.Host }

// DefaultDockerHost is where the Docker Engine listens by default.
const DefaultDockerHost = "unix:///var/run/docker.sock"

// DockerEndpoint finds the Docker Engine the way the docker CLI does:
// DOCKER_HOST (with DOCKER_TLS_VERIFY and DOCKER_CERT_PATH), else the context
// named by DOCKER_CONTEXT or the CLI config's currentContext, else the
// default socket.
func DockerEndpoint() (Endpoint, error) {
	if h := os.Getenv("DOCKER_HOST"); h != "" {
		return Endpoint{Engine: "Docker", Host: h, FromEnv: true}, nil
	}
	cfgDir := os.Getenv("DOCKER_CONFIG")
	if cfgDir == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return Endpoint{Engine: "Docker", Host: DefaultDockerHost}, nil
		}
		cfgDir = filepath.Join(home, ".docker")
	}
	name := os.Getenv("DOCKER_CONTEXT")
	if name == "" {
		var cfg struct {
			CurrentContext string `json:"currentContext"`
		}
		if b, err := os.ReadFile(filepath.Join(cfgDir, "config.json")); err == nil {
			if err := json.Unmarshal(b, &cfg); err != nil {
				return Endpoint{}, fmt.Errorf("invalid Docker config %s: %w", filepath.Join(cfgDir, "config.json"), err)
			}
			name = cfg.CurrentContext
		}
	}
	if name == "" || name == "default" {
		return Endpoint{Engine: "Docker", Host: DefaultDockerHost}, nil
	}
	return contextEndpoint(cfgDir, name)
}

// contextEndpoint reads a Docker context from the CLI's context store.
func contextEndpoint(cfgDir, name string) (Endpoint, error) {
	sum := sha256.Sum256([]byte(name))
	id := hex.EncodeToString(sum[:])
	b, err := os.ReadFile(filepath.Join(cfgDir, "contexts", "meta", id, "meta.json"))
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return Endpoint{}, fmt.Errorf("docker context %q not found", name)
		}
		return Endpoint{}, err
	}
	var meta struct {
		Endpoints map[string]struct{ Host string }
	}
	if err := json.Unmarshal(b, &meta); err != nil {
		return Endpoint{}, fmt.Errorf("invalid docker context %q: %w", name, err)
	}
	d, ok := meta.Endpoints["docker"]
	if !ok || d.Host == "" {
		return Endpoint{}, fmt.Errorf("docker context %q has no Docker endpoint", name)
	}
	ep := Endpoint{Engine: "Docker", Host: d.Host}
	tlsDir := filepath.Join(cfgDir, "contexts", "tls", id, "docker")
	for _, f := range []struct {
		dst  *string
		name string
	}{{&ep.CA, "ca.pem"}, {&ep.Cert, "cert.pem"}, {&ep.Key, "key.pem"}} {
		if p := filepath.Join(tlsDir, f.name); fileExists(p) {
			*f.dst = p
		}
	}
	return ep, nil
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// PodmanEndpoints lists where Podman's API socket may be: CONTAINER_HOST,
// then the rootful and the rootless default sockets that exist.
func PodmanEndpoints() []Endpoint {
	var out []Endpoint
	if h := os.Getenv("CONTAINER_HOST"); h != "" {
		out = append(out, Endpoint{Engine: "Podman", Host: h})
	}
	candidates := []string{"/run/podman/podman.sock"}
	if dir := os.Getenv("XDG_RUNTIME_DIR"); dir != "" {
		candidates = append(candidates, filepath.Join(dir, "podman", "podman.sock"))
	}
	for _, c := range candidates {
		if fileExists(c) {
			out = append(out, Endpoint{Engine: "Podman", Host: "unix://" + c})
		}
	}
	return out
}

// newClient makes an API client for e, guarded by c.
func newClient(e Endpoint, c config) (*client.Client, error) {
	opts := []client.Opt{}
	if e.FromEnv {
		opts = append(opts, client.FromEnv)
	} else {
		opts = append(opts, client.WithHost(e.Host))
		if e.CA != "" || e.Cert != "" {
			opts = append(opts, client.WithTLSClientConfig(e.CA, e.Cert, e.Key))
		}
	}
	// After the host options: the dialer replaces theirs.
	opts = append(opts, guarded(e, c)...)
	cl, err := client.New(opts...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", e, err)
	}
	return cl, nil
}
