package cli

import (
	"fmt"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/pindesk/pindesk/internal/termsafe"
	"github.com/pindesk/pindesk/model"
)

func (a *app) auditCommand() *cobra.Command {
	var acctRef, since, until, ticket string
	var asJSON bool
	var limit int
	cmd := &cobra.Command{
		Use:   "audit [--account A] [--ticket T] [--since T] [--until T] [--json]",
		Short: "Show or export the audit trail",
		Long: `audit lists audit events newest first: who did what, when, on which channel, to which
account and holder, and the outcome. Never a PIN.

--since and --until take a date (2024-06-01), a local time (2024-06-01 14:30), an RFC 3339
time (2024-06-01T14:30:00Z), or an age (90m, 36h, 7d) meaning that long ago. --since is
inclusive, --until exclusive.

By default a table of the newest --limit events (100); --json writes every matching event as
one JSON object per line, for a SIEM or a spreadsheet, however many there are.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			q := model.AuditQuery{Ticket: ticket}
			var err error
			if q.Since, err = a.parseTime("--since", since); err != nil {
				return err
			}
			if q.Until, err = a.parseTime("--until", until); err != nil {
				return err
			}
			if limit < 1 || limit > 10000 {
				return usagef("--limit %d must lie within 1..10000 (use --json for everything)", limit)
			}
			ctx := cmd.Context()
			ad, closeFn, err := a.openAdmin(ctx, existing)
			if err != nil {
				return err
			}
			defer closeFn()
			if acctRef != "" {
				acct, err := ad.account(ctx, acctRef)
				if err != nil {
					return err
				}
				q.AccountID = acct.ID
			}
			if asJSON {
				return ad.svc.ExportAudit(ctx, ad.op, q, a.out)
			}
			q.Limit = limit + 1 // one more tells whether there are more
			events, err := ad.svc.Audit(ctx, ad.op, q)
			if err != nil {
				return err
			}
			more := len(events) > limit
			if more {
				events = events[:limit]
			}
			if len(events) == 0 {
				fmt.Fprintln(a.errOut, "No audit events match.")
				return nil
			}
			// Account numbers are what an admin recognises; look each account up once.
			numbers := map[string]string{}
			number := func(id string) string {
				if n, ok := numbers[id]; ok {
					return n
				}
				n := id
				if v, err := ad.svc.Account(ctx, ad.op, id); err == nil {
					n = v.Account.Number
				}
				numbers[id] = n
				return n
			}
			tw := tabwriter.NewWriter(a.out, 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "TIME\tOPERATOR\tROLE\tCHANNEL\tACCOUNT\tHOLDER\tACTION\tKIND\tOUTCOME\tLEFT\tREASON")
			for _, e := range events {
				left := "-"
				if e.AttemptsLeft != nil {
					left = strconv.Itoa(*e.AttemptsLeft)
				}
				reason := e.Reason
				if e.ReplayOf != nil { // a retry answered from its idempotency key: nothing compared
					reason = fmt.Sprintf("replay of event %d", *e.ReplayOf)
				}
				reason = withCall(withApproval(reason, e), e) // cmd_auditplus.go, cmd_sessions.go
				holder := dash(e.Holder)
				if e.Caller != "" && e.Caller != e.Holder {
					holder += " by " + e.Caller
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n",
					e.Time.In(a.loc).Format("2006-01-02 15:04:05"), clean(e.Operator), clean(string(e.Role)), clean(string(e.Channel)), clean(number(e.AccountID)),
					clean(holder), clean(string(e.Action)), clean(dash(string(e.Kind))), clean(e.Outcome), left, clean(dash(reason)))
			}
			if err := tw.Flush(); err != nil {
				return err
			}
			if more {
				newest := fmt.Sprintf("the newest %d events", limit)
				if limit == 1 {
					newest = "the newest event"
				}
				fmt.Fprintf(a.errOut, "Showing %s; there are more (narrow with --since/--until, raise --limit, or export them all with --json).\n", newest)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&acctRef, "account", "", "only this account (id or number)")
	cmd.Flags().StringVar(&ticket, "ticket", "", "only the events of this ticket or call reference")
	cmd.Flags().StringVar(&since, "since", "", "from this time on (inclusive)")
	cmd.Flags().StringVar(&until, "until", "", "before this time (exclusive)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "write every matching event as JSON lines")
	cmd.Flags().IntVar(&limit, "limit", 100, "events in the table")
	cmd.AddCommand(a.auditVerifyCommand(), a.auditCheckpointCommand()) // cmd_audit_verify.go
	return cmd
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// clean shows a stored text's control characters escaped, so it can neither break the table nor
// drive the terminal (an ESC sequence, a bidi override).
func clean(s string) string { return termsafe.String(s) }

// parseTime reads a --since/--until value: an age ("36h", "7d") or an absolute time, local unless
// it names its zone.
func (a *app) parseTime(flag, v string) (time.Time, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return time.Time{}, nil
	}
	if n, ok := strings.CutSuffix(v, "d"); ok {
		if days, err := strconv.Atoi(n); err == nil && days >= 0 {
			return a.now().AddDate(0, 0, -days), nil
		}
	}
	if d, err := time.ParseDuration(v); err == nil && d >= 0 {
		return a.now().Add(-d), nil
	}
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t, nil
	}
	for _, layout := range []string{"2006-01-02", "2006-01-02 15:04", "2006-01-02T15:04", "2006-01-02 15:04:05", "2006-01-02T15:04:05"} {
		if t, err := time.ParseInLocation(layout, v, a.loc); err == nil {
			return t, nil
		}
	}
	return time.Time{}, usagef("%s %q is not a time: give 2024-06-01, \"2024-06-01 14:30\", 2024-06-01T14:30:00Z, or an age such as 36h or 7d", flag, v)
}
