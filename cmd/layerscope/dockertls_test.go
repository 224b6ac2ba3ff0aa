package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"
)

type testCA struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	pem  []byte
}

func newCA(t testing.TB) *testCA {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "layerscope test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	return &testCA{cert, key, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})}
}

// issue returns PEM certificate and key signed by the CA, for the server
// at 127.0.0.1 or for a client.
func (ca *testCA) issue(t testing.TB, client bool) (certPEM, keyPEM []byte) {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: "127.0.0.1"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, IPAddresses: []net.IP{net.ParseIP("127.0.0.1")},
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	if client {
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		t.Fatal(err)
	}
	kb, _ := x509.MarshalECPrivateKey(key)
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb})
}

// tlsEngine puts a mutual-TLS listener in front of the real engine's
// socket, the way a remote engine with --tlsverify is reached, and
// returns its tcp:// address.
func tlsEngine(t testing.TB, ca *testCA) string {
	t.Helper()
	certPEM, keyPEM := ca.issue(t, false)
	cert, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(ca.cert)
	l, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{cert}, ClientCAs: pool, ClientAuth: tls.RequireAndVerifyClientCert})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				u, err := net.Dial("unix", "/var/run/docker.sock")
				if err != nil {
					return
				}
				defer u.Close()
				// Whichever side ends first ends both.
				go func() { io.Copy(u, c); u.Close(); c.Close() }()
				io.Copy(c, u)
			}()
		}
	}()
	return "tcp://" + l.Addr().String()
}

// certDir writes the DOCKER_CERT_PATH files.
func certDir(t testing.TB, ca, signer *testCA) string {
	dir := t.TempDir()
	certPEM, keyPEM := signer.issue(t, true)
	os.WriteFile(filepath.Join(dir, "ca.pem"), ca.pem, 0o644)
	os.WriteFile(filepath.Join(dir, "cert.pem"), certPEM, 0o644)
	os.WriteFile(filepath.Join(dir, "key.pem"), keyPEM, 0o600)
	return dir
}

// TestDockerTLSVariables: DOCKER_HOST, DOCKER_TLS_VERIFY and
// DOCKER_CERT_PATH reach an engine that demands mutual TLS.
func TestDockerTLSVariables(t *testing.T) {
	needDocker(t)
	sh(t, "docker", "load", "-q", "-i", testdata("fixtures", "basic.docker.tar"))
	ca := newCA(t)
	host := tlsEngine(t, ca)
	good := []string{"DOCKER_HOST=" + host, "DOCKER_TLS_VERIFY=1", "DOCKER_CERT_PATH=" + certDir(t, ca, ca)}
	if rep := analyzeEnv(t, good, "docker://"+basicTag); rep.Image.Source != "docker" || len(rep.Files) == 0 {
		t.Errorf("over TLS: %+v", rep.Image)
	}
	other := newCA(t)
	bad := []string{"DOCKER_HOST=" + host, "DOCKER_TLS_VERIFY=1", "DOCKER_CERT_PATH=" + certDir(t, other, other)}
	oneLineError(t, runEnv(t, bad, "--json", "-", "docker://"+basicTag), "cannot reach Docker at "+host)
	plain := []string{"DOCKER_HOST=" + host}
	oneLineError(t, runEnv(t, plain, "--json", "-", "docker://"+basicTag), "cannot reach Docker at "+host)
}
