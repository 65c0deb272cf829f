package server

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/pindesk/pindesk/api"
)

// ListenConfig says where and how to listen.
type ListenConfig struct {
	Addr string // host:port
	// CertFile and KeyFile enable TLS; both or neither.
	CertFile, KeyFile string
	// AllowPlaintext permits plain HTTP on an address other than loopback. PINs and bearer tokens
	// cross the network in every request, so this must be asked for explicitly (e.g. behind a
	// TLS-terminating proxy on the same host).
	AllowPlaintext bool

	ReadHeaderTimeout time.Duration // 5 s
	ReadTimeout       time.Duration // 15 s
	WriteTimeout      time.Duration // 30 s
	IdleTimeout       time.Duration // 2 min
	ShutdownTimeout   time.Duration // 30 s: requests in flight finish within it

	Logger *slog.Logger
	// Listening, when set, is told the bound address once the server accepts connections.
	Listening func(addr net.Addr, tls bool)
}

// HardMaxHeaderBytes is net/http's cap on a request's header: beyond it (plus net/http's 4 KiB of
// slack) the connection gets net/http's own plain-text 431 and is closed.
const HardMaxHeaderBytes = 1 << 20

// ErrPlaintext refuses plain HTTP on a non-loopback address.
var ErrPlaintext = errors.New("refusing to serve PINs and tokens over plain HTTP on a network address")

// Check reports a configuration that must not start.
func (c ListenConfig) Check() error {
	if (c.CertFile == "") != (c.KeyFile == "") {
		return fmt.Errorf("TLS needs both a certificate and a key file")
	}
	if c.CertFile == "" && !c.AllowPlaintext && !IsLoopback(c.Addr) {
		return fmt.Errorf("%w (%s): give a TLS certificate and key, listen on 127.0.0.1, or allow plaintext explicitly", ErrPlaintext, c.Addr)
	}
	return nil
}

// IsLoopback reports whether addr (host:port) names only the loopback interface. An empty host
// means every interface, so it is not loopback; a host name other than localhost might resolve
// anywhere, so it is not either.
func IsLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	return err == nil && api.Loopback(host)
}

// ListenAndServe serves h until ctx is cancelled, then stops accepting connections and lets the
// requests in flight finish (a verification already compared is always committed: the core does not
// cancel it) for up to ShutdownTimeout.
func ListenAndServe(ctx context.Context, cfg ListenConfig, h http.Handler) error {
	if err := cfg.Check(); err != nil {
		return err
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: orDefault(cfg.ReadHeaderTimeout, 5*time.Second),
		ReadTimeout:       orDefault(cfg.ReadTimeout, 15*time.Second),
		WriteTimeout:      orDefault(cfg.WriteTimeout, 30*time.Second),
		IdleTimeout:       orDefault(cfg.IdleTimeout, 2*time.Minute),
		// The API's own cap (Config.MaxHeaderBytes, 32 KiB) answers a 431 problem; net/http's, set
		// far above it, only guards memory, and past it net/http answers a plain-text 431 itself
		// before any handler runs.
		MaxHeaderBytes: HardMaxHeaderBytes,
		// net/http's own complaints (TLS handshakes, malformed requests) go to the structured log.
		ErrorLog: slog.NewLogLogger(cfg.Logger.Handler(), slog.LevelWarn),
	}
	useTLS := cfg.CertFile != ""
	if useTLS {
		cert, err := tls.LoadX509KeyPair(cfg.CertFile, cfg.KeyFile)
		if err != nil {
			return fmt.Errorf("load TLS certificate: %w", err)
		}
		srv.TLSConfig = &tls.Config{MinVersion: tls.VersionTLS12, Certificates: []tls.Certificate{cert}}
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	if cfg.Listening != nil {
		cfg.Listening(ln.Addr(), useTLS)
	}
	served := make(chan error, 1)
	go func() {
		if useTLS {
			served <- srv.ServeTLS(ln, "", "") // the certificate is in TLSConfig; ServeTLS adds HTTP/2
			return
		}
		served <- srv.Serve(ln)
	}()
	select {
	case err := <-served:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	cfg.Logger.Info("shutting down: finishing requests in flight")
	sctx, cancel := context.WithTimeout(context.Background(), orDefault(cfg.ShutdownTimeout, 30*time.Second))
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-served; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve: %w", err)
	}
	return nil
}

func orDefault(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}
