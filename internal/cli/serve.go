package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/pindesk/pindesk/config"
	"github.com/pindesk/pindesk/core"
	"github.com/pindesk/pindesk/model"
	"github.com/pindesk/pindesk/server"
)

func (a *app) serveCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve the PIN desk over HTTP(S) for remote apps and the customers' portal",
		Long: `serve runs the pindesk REST API over this machine's database.

Every request carries a bearer token (pindesk admin token create); the token's role decides what
it may do and its name is what the audit trail records. Without --tls-cert and --tls-key it listens
only on a loopback address, unless --insecure-allow-plaintext says a TLS proxy on this host
fronts it. Verifications are rate limited per token and per account (see the serve.* settings).

Besides the API under /v1 it serves /healthz, /readyz (the database answers and can be written),
/metrics (Prometheus; on its own address instead with --metrics-listen) and /openapi.json. Over TLS
every answer carries Strict-Transport-Security. SIGINT or SIGTERM stops it after the requests in
flight finish.`,
		Args: noArgs,
		RunE: a.runServe,
	}
	f := cmd.Flags()
	a.addSettingFlags(f, "serve")
	f.Duration("shutdown-timeout", 30*time.Second, "how long requests in flight may take to finish on SIGINT/SIGTERM")
	f.String("log-level", "info", "debug, info, warn or error (debug logs every request, never a body)")
	f.String("log-format", "text", "text or json")
	return cmd
}

func (a *app) runServe(cmd *cobra.Command, _ []string) error {
	ctx := cmd.Context()
	s, err := a.settings()
	if err != nil {
		return err
	}
	if s.Remote() {
		return usagef("serve serves this machine's database, but the server setting (%s) points the app at another server; unset it for serve (--server= or PINDESK_SERVER=)", s.Server)
	}
	logger, err := newServeLogger(cmd, a)
	if err != nil {
		return err
	}
	shutdown, _ := cmd.Flags().GetDuration("shutdown-timeout")

	// A code emailed to a caller is made only where it will be sent: serve with an SMTP server.
	codes := core.CodeSettings{TTL: s.Codes.TTL, PerHolder: s.Codes.PerContact, PerToken: s.Codes.PerToken, Deliverable: s.Notify.SMTPHost != ""}
	svc, st, err := openCore(ctx, s, existing, core.WithLogger(logger), core.WithEmailCodes(codes))
	if err != nil {
		return err
	}
	defer st.Close()
	api := server.New(svc, st, server.Config{
		Logger:             logger,
		TokenVerifyLimit:   server.Limit{PerSecond: s.Serve.TokenVerifyPerSecond, Burst: s.Serve.TokenVerifyBurst},
		AccountVerifyLimit: server.Limit{PerSecond: s.Serve.AccountVerifyPerSecond, Burst: s.Serve.AccountVerifyBurst},
		TokenUnlockLimit:   server.PerHour(s.Serve.TokenUnlocksPerHour),
		MetricsElsewhere:   s.Serve.MetricsListen != "",
	})
	stopNotices, err := startNotices(ctx, s, svc, st, logger, api.Registerer())
	if err != nil {
		return err
	}
	defer stopNotices()
	ctx, stop := context.WithCancel(ctx)
	defer stop()
	var outMu sync.Mutex // both listeners announce themselves on a.out, and stdout checkpoints go there
	if s.Serve.AuditCheckpointEvery > 0 {
		file := s.Serve.AuditCheckpointFile
		sink := func(cp model.AuditCheckpoint) error { return appendCheckpoint(file, cp) }
		if file == "-" {
			sink = func(cp model.AuditCheckpoint) error {
				outMu.Lock()
				defer outMu.Unlock()
				return writeCheckpoint(a.out, cp)
			}
		}
		sink = checkpointSinks(ctx, svc, s.Serve.AuditCheckpointNotice, file, sink)     // cmd_checkpoint_notice.go
		go auditCheckpoints(ctx, svc, s.Serve.AuditCheckpointEvery, file, sink, logger) // cmd_audit_verify.go
	}
	go sweepApprovals(ctx, svc, logger) // cmd_approvals.go
	metricsDone := make(chan error, 1)
	if s.Serve.MetricsListen != "" {
		// Metrics hold counts and timings, never a PIN, token or id: plain HTTP is allowed on any
		// address, for a Prometheus on an internal network. If either listener stops, both do.
		go func() {
			err := server.ListenAndServe(ctx, server.ListenConfig{
				Addr: s.Serve.MetricsListen, AllowPlaintext: true, ShutdownTimeout: shutdown, Logger: logger,
				Listening: func(addr net.Addr, _ bool) {
					outMu.Lock()
					fmt.Fprintf(a.out, "pindesk serve: metrics on http://%s/metrics\n", addr)
					outMu.Unlock()
					logger.Info("serving metrics", "addr", addr.String())
				},
			}, api.MetricsHandler())
			if err != nil {
				err = fmt.Errorf("metrics listener: %w", err)
			}
			metricsDone <- err
			stop()
		}()
	} else {
		metricsDone <- nil
	}
	err = server.ListenAndServe(ctx, server.ListenConfig{
		Addr: s.Serve.Listen, CertFile: s.Serve.TLSCert, KeyFile: s.Serve.TLSKey,
		AllowPlaintext: s.Serve.AllowInsecure, ShutdownTimeout: shutdown, Logger: logger,
		Listening: func(addr net.Addr, tls bool) {
			scheme := "http"
			if tls {
				scheme = "https"
			}
			// One line on stdout, so a script (or a test) can learn the port of --listen :0.
			outMu.Lock()
			fmt.Fprintf(a.out, "pindesk serve: listening on %s://%s\n", scheme, addr)
			outMu.Unlock()
			logger.Info("listening", "addr", addr.String(), "tls", tls, "database", config.RedactDatabase(s.Database))
		},
	}, api)
	stop()
	return errors.Join(err, <-metricsDone)
}

func newServeLogger(cmd *cobra.Command, a *app) (*slog.Logger, error) {
	levelName, _ := cmd.Flags().GetString("log-level")
	var level slog.Level
	if err := level.UnmarshalText([]byte(levelName)); err != nil {
		return nil, usagef("--log-level %q: want debug, info, warn or error", levelName)
	}
	opts := &slog.HandlerOptions{Level: level}
	switch format, _ := cmd.Flags().GetString("log-format"); format {
	case "text":
		return slog.New(slog.NewTextHandler(a.errOut, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(a.errOut, opts)), nil
	default:
		return nil, usagef("--log-format %q: want text or json", format)
	}
}
