package server_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/pindesk/pindesk/server"
)

func TestPlainHTTPIsRefusedOffLoopbackUnlessAskedFor(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		cfg  server.ListenConfig
		ok   bool
	}{
		{"loopback IPv4 may be plain", server.ListenConfig{Addr: "127.0.0.1:7420"}, true},
		{"loopback IPv6 may be plain", server.ListenConfig{Addr: "[::1]:7420"}, true},
		{"localhost may be plain", server.ListenConfig{Addr: "localhost:7420"}, true},
		{"every interface may not", server.ListenConfig{Addr: ":7420"}, false},
		{"0.0.0.0 may not", server.ListenConfig{Addr: "0.0.0.0:7420"}, false},
		{"a LAN address may not", server.ListenConfig{Addr: "192.168.1.10:7420"}, false},
		{"a host name may not (it may resolve anywhere)", server.ListenConfig{Addr: "desk.example:7420"}, false},
		{"a network address may with the explicit flag", server.ListenConfig{Addr: "0.0.0.0:7420", AllowPlaintext: true}, true},
		{"a network address may with TLS", server.ListenConfig{Addr: "0.0.0.0:7420", CertFile: "c.pem", KeyFile: "k.pem"}, true},
		{"a certificate without its key may not", server.ListenConfig{Addr: "127.0.0.1:7420", CertFile: "c.pem"}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := c.cfg.Check()
			if c.ok != (err == nil) {
				t.Fatalf("Check() = %v", err)
			}
			if !c.ok && c.cfg.CertFile == "" && !errors.Is(err, server.ErrPlaintext) {
				t.Fatalf("err %v, want ErrPlaintext", err)
			}
		})
	}
	t.Run("ListenAndServe refuses before listening", func(t *testing.T) {
		err := server.ListenAndServe(context.Background(), server.ListenConfig{Addr: "0.0.0.0:0"}, http.NotFoundHandler())
		if !errors.Is(err, server.ErrPlaintext) {
			t.Fatalf("err %v", err)
		}
	})
}

// selfSigned writes a certificate and key for 127.0.0.1 and returns their paths and a pool that
// trusts the certificate.
func selfSigned(t *testing.T) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "pindesk test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), 0o600)
	cert, _ := x509.ParseCertificate(der)
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	return certFile, keyFile, pool
}

// start runs ListenAndServe in the background and returns the bound address and its result.
func start(t *testing.T, ctx context.Context, cfg server.ListenConfig, h http.Handler) (string, <-chan error) {
	t.Helper()
	addr := make(chan string, 1)
	cfg.Listening = func(a net.Addr, _ bool) { addr <- a.String() }
	done := make(chan error, 1)
	go func() { done <- server.ListenAndServe(ctx, cfg, h) }()
	select {
	case a := <-addr:
		return a, done
	case err := <-done:
		t.Fatalf("ListenAndServe: %v", err)
	case <-time.After(5 * time.Second):
		t.Fatal("the server did not start")
	}
	return "", nil
}

func TestTheServerSpeaksTLSWhenGivenACertificate(t *testing.T) {
	t.Parallel()
	e := newEnv(t, noLimits)
	cert, key, pool := selfSigned(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	addr, done := start(t, ctx, server.ListenConfig{Addr: "127.0.0.1:0", CertFile: cert, KeyFile: key}, e.srv)
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	resp, err := hc.Get("https://" + addr + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.TLS == nil || resp.TLS.Version < tls.VersionTLS12 {
		t.Fatalf("status %d, TLS %v", resp.StatusCode, resp.TLS)
	}
	if resp, err := http.Get("http://" + addr + "/healthz"); err == nil {
		resp.Body.Close()
		if resp.StatusCode == 200 {
			t.Fatal("plain HTTP answered on the TLS port")
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("shutdown: %v", err)
	}
}

// TestShutdownFinishesTheRequestsInFlight cancels the server while a request is being answered:
// the request completes, new connections are refused, and ListenAndServe returns cleanly.
func TestShutdownFinishesTheRequestsInFlight(t *testing.T) {
	t.Parallel()
	entered, release := make(chan struct{}), make(chan struct{})
	slow := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(entered)
		<-release
		io.WriteString(w, "done")
	})
	ctx, cancel := context.WithCancel(context.Background())
	addr, done := start(t, ctx, server.ListenConfig{Addr: "127.0.0.1:0", ShutdownTimeout: 10 * time.Second}, slow)
	got := make(chan string, 1)
	go func() {
		resp, err := http.Get("http://" + addr + "/")
		if err != nil {
			got <- "error: " + err.Error()
			return
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		got <- string(b)
	}()
	<-entered
	cancel()
	// New connections are refused once Shutdown has closed the listener.
	deadline := time.Now().Add(5 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", addr, 100*time.Millisecond)
		if err != nil {
			break
		}
		c.Close()
		if time.Now().After(deadline) {
			t.Fatal("the server still accepts connections while shutting down")
		}
		time.Sleep(10 * time.Millisecond)
	}
	select {
	case err := <-done:
		t.Fatalf("ListenAndServe returned (%v) before the request in flight finished", err)
	default:
	}
	close(release)
	if body := <-got; body != "done" {
		t.Fatalf("the request in flight got %q", body)
	}
	if err := <-done; err != nil {
		t.Fatalf("ListenAndServe: %v", err)
	}
}
