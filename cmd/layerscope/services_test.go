package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The real services the source tests talk to: a docker-registry (plain,
// or with TLS and basic auth) and Podman's API service, each started by
// the test in its own temporary directory and stopped when it ends. The
// Docker Engine is the machine's, started by the test script.

const (
	registryUser = "layerscope"
	registryPass = "s3cret-Pa55"
)

type testRegistry struct {
	addr string // 127.0.0.1:port
	cert string // the self-signed certificate, for TLS registries
	stop func()
}

// freePort asks the kernel for an unused loopback port.
func freePort(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// startRegistry runs Debian's docker-registry on loopback; with secure,
// it serves TLS with a fresh self-signed certificate and wants basic auth.
func startRegistry(t testing.TB, secure bool) *testRegistry {
	t.Helper()
	needTool(t, "docker-registry")
	dir := t.TempDir()
	r := &testRegistry{addr: freePort(t)}
	cfg := fmt.Sprintf("version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: %s\nhttp:\n  addr: %s\n", filepath.Join(dir, "data"), r.addr)
	if secure {
		needTool(t, "htpasswd")
		r.cert = filepath.Join(dir, "cert.pem")
		key := filepath.Join(dir, "key.pem")
		writeSelfSigned(t, r.cert, key)
		htpasswd := filepath.Join(dir, "htpasswd")
		sh(t, "htpasswd", "-Bbc", htpasswd, registryUser, registryPass)
		cfg += fmt.Sprintf("  tls:\n    certificate: %s\n    key: %s\nauth:\n  htpasswd:\n    realm: layerscope-test\n    path: %s\n", r.cert, key, htpasswd)
	}
	cfgFile := filepath.Join(dir, "config.yml")
	os.WriteFile(cfgFile, []byte(cfg), 0o644)
	cmd := exec.Command("docker-registry", "serve", cfgFile)
	logf, _ := os.Create(filepath.Join(dir, "registry.log"))
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	r.stop = func() { cmd.Process.Kill(); cmd.Wait() }
	t.Cleanup(r.stop)
	scheme := "http"
	client := &http.Client{Timeout: time.Second}
	if secure {
		scheme = "https"
		client.Transport = &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}
	}
	for i := 0; ; i++ {
		resp, err := client.Get(scheme + "://" + r.addr + "/v2/")
		if err == nil {
			resp.Body.Close()
			return r
		}
		if i == 100 {
			b, _ := os.ReadFile(filepath.Join(dir, "registry.log"))
			t.Fatalf("registry did not start: %v\n%s", err, b)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// writeSelfSigned writes a certificate for 127.0.0.1 and localhost.
func writeSelfSigned(t testing.TB, certFile, keyFile string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "localhost"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		DNSNames: []string{"localhost"}, IPAddresses: []net.IP{net.ParseIP("127.0.0.1")},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true, IsCA: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kb, _ := x509.MarshalECPrivateKey(key)
	os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644)
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600)
}

// dockerConfig writes a Docker client config with credentials for addr
// and returns its directory, for DOCKER_CONFIG.
func dockerConfig(t testing.TB, addr, user, pass string) string {
	t.Helper()
	dir := t.TempDir()
	auth := base64.StdEncoding.EncodeToString([]byte(user + ":" + pass))
	os.WriteFile(filepath.Join(dir, "config.json"), []byte(fmt.Sprintf(`{"auths":{%q:{"auth":%q}}}`, addr, auth)), 0o600)
	return dir
}

// push copies an image into a registry with skopeo.
func (r *testRegistry) push(t testing.TB, src, repo string, extra ...string) string {
	t.Helper()
	needTool(t, "skopeo")
	dst := r.addr + "/" + repo
	args := append([]string{"copy", "--quiet"}, extra...)
	if r.cert != "" {
		args = append(args, "--dest-creds", registryUser+":"+registryPass, "--dest-cert-dir", certDirFor(t, r.cert))
	} else {
		args = append(args, "--dest-tls-verify=false")
	}
	sh(t, "skopeo", append(args, src, "docker://"+dst)...)
	return dst
}

// certDirFor makes a directory holding the certificate as ca.crt, the way
// containers/image wants it.
func certDirFor(t testing.TB, cert string) string {
	dir := t.TempDir()
	b, _ := os.ReadFile(cert)
	os.WriteFile(filepath.Join(dir, "ca.crt"), b, 0o644)
	return dir
}

// needDocker skips (or in CI fails) when the Docker Engine does not answer.
func needDocker(t testing.TB) {
	t.Helper()
	needTool(t, "docker")
	if out, err := exec.Command("docker", "version").CombinedOutput(); err != nil {
		needOrSkip(t, fmt.Sprintf("a running Docker Engine (docker version: %v: %s)", err, lastLine(string(out))))
	}
}

// startPodmanService runs `podman system service` on a socket of its own
// and returns its URL for CONTAINER_HOST.
func startPodmanService(t testing.TB) string {
	t.Helper()
	needTool(t, "podman")
	sock := filepath.Join(t.TempDir(), "podman.sock")
	cmd := exec.Command("podman", "system", "service", "--time=0", "unix://"+sock)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	for i := 0; i < 200; i++ {
		if _, err := os.Stat(sock); err == nil {
			return "unix://" + sock
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatal("podman system service did not create its socket")
	return ""
}

func lastLine(s string) string {
	s = strings.TrimSpace(s)
	return s[strings.LastIndex(s, "\n")+1:]
}
