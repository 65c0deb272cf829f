package cli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/pindesk/pindesk/core"
	"github.com/pindesk/pindesk/model"
)

// errAuditBroken: `pindesk admin audit verify` found the chain broken (exit 1).
var errAuditBroken = errors.New("the audit chain is broken")

func (a *app) auditVerifyCommand() *cobra.Command {
	var from int64
	var cpFile string
	cmd := &cobra.Command{
		Use:   "verify [--from N] [--checkpoint FILE]",
		Short: "Recompute the audit chain and report the first event changed, deleted, inserted or reordered",
		Long: `verify recomputes the audit chains: the audit trail is split into 64 chains by account,
and every event carries its place in its chain and a chain value, an HMAC (under a key derived
from the key file) over the event and the value before it in its chain, so an event changed,
deleted, inserted or reordered in the database breaks its chain from there on.

It reports "intact through #N" (events are numbered by id, the order of the whole trail), or the
first break and what it looks like: a gap in a chain (deleted), a chain's events out of order
(reordered), an event without a chain value (inserted), or a chain value that does not match
with the chain in order (changed). It exits 1 when a chain is broken.

--from N starts at event #N, trusting in each chain the stored value of its last event before
#N (quicker, for chains verified before up to there).

--checkpoint FILE also checks every chain reaches its head in the checkpoint in FILE (the last
line of a file written by 'pindesk admin audit checkpoint' or 'pindesk serve
--audit-checkpoint-file') with the same value. Someone who can write the database but lacks the
key file cannot recompute a chain; a checkpoint kept elsewhere also catches one who has both and
rewrote the history.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if from < 0 {
				return usagef("--from %d must be 1 or more", from)
			}
			var cp *model.AuditCheckpoint
			if cpFile != "" {
				c, err := readCheckpoint(cpFile)
				if err != nil {
					return err
				}
				cp = &c
			}
			ctx := cmd.Context()
			ad, closeFn, err := a.openAdmin(ctx, existing)
			if err != nil {
				return err
			}
			defer closeFn()
			st, err := ad.svc.VerifyAudit(ctx, ad.op, from, cp)
			if err != nil {
				return err
			}
			if st.Break != nil {
				fmt.Fprintf(a.out, "Broken at %s (%s): %s\n", st.Break.Where(), st.Break.Kind, st.Break.Detail)
				if st.Through >= st.From {
					fmt.Fprintf(a.out, "Intact from #%d through #%d.\n", st.From, st.Through)
				}
				return fmt.Errorf("%w at %s (%s)", errAuditBroken, st.Break.Where(), st.Break.Kind)
			}
			if st.Through < st.From {
				fmt.Fprintln(a.out, "No audit events to verify.")
			} else {
				fmt.Fprintf(a.out, "Intact through #%d (%d events checked from #%d).\n", st.Through, st.Events, st.From)
			}
			if cp != nil {
				fmt.Fprintf(a.out, "Reaches the checkpoint of %s with its values.\n", cp.Time.In(a.loc).Format("2006-01-02 15:04:05"))
			}
			return nil
		},
	}
	cmd.Flags().Int64Var(&from, "from", 1, "start at the event with this id")
	cmd.Flags().StringVar(&cpFile, "checkpoint", "", "a checkpoint file the chain must reach")
	return cmd
}

func (a *app) auditCheckpointCommand() *cobra.Command {
	var out string
	cmd := &cobra.Command{
		Use:   "checkpoint [--out FILE]",
		Short: "Print the latest audit checkpoint (every chain's head and the time) as one JSON line",
		Long: `checkpoint prints the heads of the audit chains — for each of the 64 chains, its last event's
place and chain value — with the time, as one JSON line, or writes it to FILE (--out). Keep it
apart from the database (another machine, a ticket, a printout): 'pindesk admin audit verify
--checkpoint FILE' then catches a history rewritten even by someone holding the key file and the
database both.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			ad, closeFn, err := a.openAdmin(ctx, existing)
			if err != nil {
				return err
			}
			defer closeFn()
			cp, err := ad.svc.AuditCheckpoint(ctx, ad.op)
			if err != nil {
				return err
			}
			if out == "" {
				return writeCheckpoint(a.out, cp)
			}
			var b bytes.Buffer
			if err := writeCheckpoint(&b, cp); err != nil {
				return err
			}
			if err := os.WriteFile(out, b.Bytes(), 0o600); err != nil {
				return fmt.Errorf("write the checkpoint: %w", err)
			}
			fmt.Fprintf(a.errOut, "Checkpoint of %d chain heads written to %s.\n", len(cp.Heads), out)
			return nil
		},
	}
	cmd.Flags().StringVar(&out, "out", "", "write the checkpoint to this file instead")
	return cmd
}

func writeCheckpoint(w io.Writer, cp model.AuditCheckpoint) error {
	b, err := json.Marshal(cp)
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

// appendCheckpoint adds cp as a line to the file at path (created 0600), as `pindesk serve
// --audit-checkpoint-file` does on its schedule.
func appendCheckpoint(path string, cp model.AuditCheckpoint) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("audit checkpoint file: %w", err)
	}
	if err := writeCheckpoint(f, cp); err != nil {
		f.Close()
		return fmt.Errorf("audit checkpoint file: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("audit checkpoint file: %w", err)
	}
	return f.Close()
}

// readCheckpoint reads the last checkpoint line of a file: the latest a schedule appended. The
// chain reaching it intact proves every earlier one too.
func readCheckpoint(path string) (model.AuditCheckpoint, error) {
	var cp model.AuditCheckpoint
	f, err := os.Open(path)
	if err != nil {
		return cp, fmt.Errorf("checkpoint: %w", err)
	}
	defer f.Close()
	var last string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if l := strings.TrimSpace(sc.Text()); l != "" {
			last = l
		}
	}
	if err := sc.Err(); err != nil {
		return cp, fmt.Errorf("checkpoint %s: %w", path, err)
	}
	if last == "" {
		return cp, usagef("the checkpoint file %s holds no checkpoint", path)
	}
	dec := json.NewDecoder(strings.NewReader(last))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&cp); err != nil || len(cp.Heads) == 0 || cp.Time.IsZero() {
		return cp, usagef("the checkpoint file %s does not end with a checkpoint line ({\"time\":…,\"heads\":[{\"chain\":…,\"seq\":…,\"value\":…},…]}) as 'pindesk admin audit checkpoint' writes", path)
	}
	return cp, nil
}

// auditCheckpoints hands a checkpoint to sink (appending to file, or writing to standard output for
// "-") at once and then every interval, until ctx ends.
// A failed write is logged and tried again at the next tick: serving goes on.
func auditCheckpoints(ctx context.Context, svc *core.Service, every time.Duration, file string, sink func(model.AuditCheckpoint) error, logger *slog.Logger) {
	op := model.Operator{Name: "pindesk serve", Role: model.OpAdmin}
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		cp, err := svc.AuditCheckpoint(ctx, op)
		if err == nil {
			err = sink(cp)
		}
		if err != nil {
			logger.Error("audit checkpoint", "file", file, "err", err)
		} else {
			logger.Info("audit checkpoint", "file", file, "heads", len(cp.Heads))
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}
