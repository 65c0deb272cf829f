package cli

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/spf13/cobra"

	"github.com/pindesk/pindesk/config"
	"github.com/pindesk/pindesk/core"
	"github.com/pindesk/pindesk/internal/termsafe"
	"github.com/pindesk/pindesk/model"
	"github.com/pindesk/pindesk/notify"
	"github.com/pindesk/pindesk/store"
)

// actionNoticeRetry is the audit action of an admin's retry of a dead notice.
const actionNoticeRetry model.Action = "notice_retry"

func (a *app) eventsCommand() *cobra.Command {
	cmd := group(&cobra.Command{
		Use:   "events",
		Short: "Customer notices waiting to be delivered, failing, or dead; retry dead ones",
		Long: `events shows the outbox of customer notices (webhooks and emails that pindesk serve
delivers): pending ones, failing ones (pending, retried with backoff) and dead ones (given up
after notify.retry_for, 24 hours by default, with the reason). retry makes dead ones pending again.`,
	})
	var state string
	var limit int
	list := &cobra.Command{
		Use:   "list [--state pending|failed|dead|all]",
		Short: "List notices not yet delivered, oldest first",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			q := store.NoticeQuery{Limit: limit}
			failedOnly := false
			switch state {
			case "all", "":
			case "pending":
				q.State = store.NoticePending
			case "failed":
				q.State, failedOnly = store.NoticePending, true
			case "dead":
				q.State = store.NoticeDead
			default:
				return usagef("--state %q: want pending, failed, dead or all", state)
			}
			if limit < 1 || limit > 10000 {
				return usagef("--limit %d must lie within 1..10000", limit)
			}
			st, closeFn, err := a.openEventsStore(cmd.Context())
			if err != nil {
				return err
			}
			defer closeFn()
			es, err := st.Notices(cmd.Context(), q)
			if err != nil {
				return err
			}
			w := tabwriter.NewWriter(a.out, 0, 2, 2, ' ', 0)
			fmt.Fprintln(w, "ID\tTYPE\tACCOUNT\tHOLDER\tWRITTEN\tSTATE\tTRIES\tNEXT\tLAST ERROR")
			n := 0
			for _, e := range es {
				st := e.State
				if st == store.NoticePending && e.Attempts > 0 {
					st = "failed"
				}
				if failedOnly && st != "failed" {
					continue
				}
				next := "-"
				if e.State == store.NoticePending {
					next = e.NextAt.Local().Format(time.DateTime)
				}
				n++
				fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%d\t%s\t%s\n", e.ID, e.Type, termsafe.String(e.AccountID), termsafe.String(e.Holder),
					e.Time.Local().Format(time.DateTime), st, e.Attempts, next, termsafe.String(e.LastError))
			}
			if n == 0 {
				fmt.Fprintln(a.errOut, "No notices match.")
				return nil
			}
			return w.Flush()
		},
	}
	list.Flags().StringVar(&state, "state", "all", "pending, failed (pending after failures), dead or all")
	list.Flags().IntVar(&limit, "limit", 100, "most notices listed")
	retry := &cobra.Command{
		Use:   "retry ID...",
		Short: "Make dead notices pending again, with a new retry window",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, ids []string) error {
			ctx := cmd.Context()
			s, err := a.settings()
			if err != nil {
				return err
			}
			st, closeFn, err := a.openEventsStore(ctx)
			if err != nil {
				return err
			}
			defer closeFn()
			var errs []error
			for _, id := range ids {
				now := time.Now().UTC()
				if err := st.RetryNotice(ctx, id, now); err != nil {
					errs = append(errs, err)
					continue
				}
				_ = st.AppendAudit(ctx, model.AuditEvent{Time: now, Operator: s.Operator.Name, Role: model.OpAdmin, Channel: model.ChannelAdmin,
					Action: actionNoticeRetry, Outcome: "ok", Reason: "notice " + id})
				fmt.Fprintf(a.out, "%s: pending again; pindesk serve delivers it\n", id)
			}
			return errors.Join(errs...)
		},
	}
	secretCmd := &cobra.Command{
		Use:   "secret",
		Short: "Write a new webhook signing secret to notify.webhook_secret_file (mode 0600) and print it",
		Long: `secret draws a Standard Webhooks secret (whsec_ and 32 random bytes in base64), writes it
to the webhook secret file (notify.webhook_secret_file; by default webhook.secret beside the key
file) and prints it, for the receivers to verify signatures with. An existing file is kept.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			s, err := a.settings()
			if err != nil {
				return err
			}
			path := s.Notify.SecretFile(s.KeyFile)
			sec := notify.NewSecret()
			if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
				return err
			}
			f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
			if errors.Is(err, fs.ErrExist) {
				return fmt.Errorf("%s exists; remove it first to replace the secret (every receiver then needs the new one)", path)
			}
			if err != nil {
				return err
			}
			if _, err := fmt.Fprintln(f, sec); err != nil {
				f.Close()
				return err
			}
			if err := f.Close(); err != nil {
				return err
			}
			fmt.Fprintf(a.errOut, "wrote %s\n", path)
			fmt.Fprintln(a.out, sec)
			return nil
		},
	}
	cmd.AddCommand(list, retry, secretCmd)
	return cmd
}

// openEventsStore opens the database (checking its key like every admin command).
func (a *app) openEventsStore(ctx context.Context) (store.Store, func(), error) {
	s, err := a.settings()
	if err != nil {
		return nil, nil, err
	}
	if s.Remote() {
		return nil, nil, fmt.Errorf("admin events works on the database itself, but the server setting (%s) points this machine at a pindesk server: run it where the database is", s.Server)
	}
	_, st, err := openCore(ctx, s, existing)
	if err != nil {
		return nil, nil, err
	}
	return st, func() { st.Close() }, nil
}

// startNotices starts delivering customer notices in `pindesk serve` when a channel is
// configured; the returned stop waits for the sends in flight. Bad settings, a secret file that is
// missing or readable by others, or a bad template refuse the start, naming the setting.
func startNotices(ctx context.Context, s config.Settings, svc *core.Service, st store.Store, logger *slog.Logger, reg prometheus.Registerer) (stop func(), err error) {
	n := s.Notify
	if !n.Enabled() {
		logger.Info("customer notices: no webhook or SMTP server configured; notices wait in the outbox")
		return func() {}, nil
	}
	bad := func(key string, err error) error {
		return &config.Error{Key: key, Source: s.Origin[key], Err: err}
	}
	var dsts []notify.Destination
	if urls := n.Webhooks(); len(urls) > 0 {
		path := n.SecretFile(s.KeyFile)
		sec, err := notify.ReadSecret(path)
		if err != nil {
			return nil, bad("notify.webhook_secret_file", fmt.Errorf("%w (make one with `pindesk admin events secret`)", err))
		}
		for _, u := range urls {
			wh, err := notify.NewWebhook(u, sec)
			if err != nil {
				return nil, bad("notify.webhook_urls", err)
			}
			dsts = append(dsts, wh)
		}
	}
	if n.SMTPHost != "" {
		var password string
		if n.SMTPPasswordFile != "" {
			if password, err = notify.ReadPassword(n.SMTPPasswordFile); err != nil {
				return nil, bad("notify.smtp_password_file", err)
			}
		}
		var roots *x509.CertPool
		if n.SMTPCAFile != "" {
			if roots, err = config.LoadCAFile(n.SMTPCAFile); err != nil {
				return nil, bad("notify.smtp_ca_file", err)
			}
		}
		dir := s.DataDir
		if s.ConfigFile != "" {
			dir = filepath.Dir(s.ConfigFile)
		}
		em, err := notify.NewEmail(notify.EmailConfig{Host: n.SMTPHost, Port: n.SMTPPort, TLS: n.SMTPTLS, Username: n.SMTPUsername,
			Password: password, RootCAs: roots, From: n.EmailFrom, Types: n.Emailed(), ReportURL: n.ReportURL, Desk: n.DeskName,
			TemplateDir: filepath.Join(dir, "notify"), OpenCode: svc.OpenCode}, st.Account)
		if err != nil {
			return nil, bad("notify.smtp_host", err)
		}
		dsts = append(dsts, em)
	}
	d, err := notify.New(st, notify.Config{Destinations: dsts, Lease: n.Lease, Timeout: n.Timeout, RetryFor: n.RetryFor,
		Logger: logger, Registerer: reg})
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan struct{})
	go func() {
		defer close(done)
		d.Run(ctx)
	}()
	names := make([]string, len(dsts))
	for i, d := range dsts {
		names[i] = d.Name()
	}
	logger.Info("customer notices: delivering", "to", strings.Join(names, ", "))
	return func() { cancel(); <-done }, nil
}
