package core

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"time"

	"github.com/pindesk/pindesk/model"
	"github.com/pindesk/pindesk/store"
)

// Anomaly alerts (issue 12, model.Alert): a desk failing PINs across many accounts is alerted on
// and slowed. Everything here runs inside the verification's own transaction, so the count of a
// wrong PIN commits with the wrong PIN, the alert with the failure that raised it, and the alert's
// audit event and notice with the alert: exactly once per alert, whichever server counted it.

// WithAnomaly sets when an alert is raised and how hard it slows the desk
// (model.DefaultAnomalyPolicy when unset; Failures 0 turns alerts off).
func WithAnomaly(p model.AnomalyPolicy) Option { return func(s *Service) { s.anomaly = p } }

// Anomaly is the anomaly policy in force.
func (s *Service) Anomaly() model.AnomalyPolicy { return s.anomaly }

// desk is who verifies, for alerts: the API token, or the local operator (as idempotency keys).
func desk(op model.Operator) string { return idempotencyScope(op) }

// deskSlot is the first step of a verification that will compare a PIN, in its transaction:
// a desk with an open alert takes its next slot, or is refused with *model.DeskSlowedError before
// anything is compared or counted. open reports an open alert (its failures then need no count:
// the alert is raised already).
func (s *Service) deskSlot(ctx context.Context, tx store.HolderTx, op model.Operator) (open bool, err error) {
	if !s.anomaly.Enabled() {
		return false, nil
	}
	now := s.Now()
	slot, err := tx.TakeDeskSlot(ctx, desk(op), now, s.anomaly.SlowInterval)
	if err != nil {
		return false, err
	}
	if slot.Open && !slot.Taken {
		return true, &model.DeskSlowedError{Alert: slot.Alert, Wait: slot.Next.Sub(now)}
	}
	return slot.Open, nil
}

// deskFailure counts one wrong PIN of the desk, in the transaction that counted it against the
// holder, and raises the desk's alert when it reaches the thresholds: the alert, its audit event
// (on the account of the failure that raised it, so on that account's audit chain, which the
// transaction appends to anyway) and its notice for supervisors are written here, once. It is
// called after every other write of the transaction but the verification's own audit event.
func (s *Service) deskFailure(ctx context.Context, tx store.HolderTx, op model.Operator, ch model.Channel, accountID string) error {
	if !s.anomaly.Enabled() {
		return nil
	}
	now := s.Now()
	d := desk(op)
	a := model.Alert{ID: "alt_" + rand.Text(), Desk: d, Operator: op.Name, Role: op.Role, RaisedAt: now,
		NextVerifyAt: now.Add(s.anomaly.SlowInterval)}
	raised, failures, accounts, err := tx.CountDeskFailure(ctx, store.DeskFailure{Desk: d, AccountID: accountID, At: now,
		Window: s.anomaly.Window, Failures: s.anomaly.Failures, Accounts: s.anomaly.Accounts, Alert: a})
	if err != nil || !raised {
		return err
	}
	a.Failures, a.Accounts = failures, accounts
	s.log.Warn("anomaly alert: a desk failed PINs across many accounts; its verifications are slowed", "alert", a.ID,
		"desk", d, "operator", op.Name, "failures", failures, "accounts", accounts, "window", s.anomaly.Window.String())
	n := s.newNotice(op, ch, notice{Type: model.NoticeAgentAnomaly, Failures: failures})
	n.Alert, n.Desk, n.Accounts = a.ID, d, accounts
	if err := tx.Notify(ctx, n); err != nil {
		return err
	}
	e := s.event(op, ch, model.HolderRef{AccountID: accountID}, model.ActionAlert)
	e.Reason = fmt.Sprintf("alert %s: desk %s failed %d PINs across %d accounts within %s; its verifications are slowed to one per %s until a supervisor clears the alert",
		a.ID, d, failures, accounts, s.anomaly.Window, s.anomaly.SlowInterval)
	return tx.AppendAudit(ctx, e)
}

// refuseSlowed records a verification refused because its desk is slowed: audited as outcome
// "refused" with the reason, in a transaction of its own (the verification's rolled back, having
// compared and counted nothing), and returned as the error.
func (s *Service) refuseSlowed(ctx context.Context, op model.Operator, ch model.Channel, ref model.HolderRef, caller string, slowed *model.DeskSlowedError) error {
	e := s.event(op, ch, ref, model.ActionVerify)
	e.Caller, e.Outcome = caller, model.AuditRefused
	e.Reason = fmt.Sprintf("desk slowed by alert %s: next verification in %s; nothing compared or counted", slowed.Alert, slowed.Wait.Round(time.Second))
	if err := s.store.AppendAudit(context.WithoutCancel(ctx), e); err != nil {
		return fmt.Errorf("verify: audit a slowed verification: %w", err)
	}
	s.log.Info("verify", "operator", op.Name, "account", ref.AccountID, "holder", ref.ContactID, "outcome", model.AuditRefused,
		"reason", "desk slowed", "alert", slowed.Alert)
	return slowed
}

// slowedErr finds the refusal of a slowed desk in an error of UpdateHolder.
func slowedErr(err error) *model.DeskSlowedError {
	var slowed *model.DeskSlowedError
	if errors.As(err, &slowed) {
		return slowed
	}
	return nil
}

// OpenAlerts lists every open anomaly alert, oldest first (a supervisor's, trainer's or admin's).
func (s *Service) OpenAlerts(ctx context.Context, op model.Operator) ([]model.Alert, error) {
	if err := op.Require(model.PermAlerts); err != nil {
		return nil, err
	}
	return s.store.OpenAlerts(ctx)
}

// ClearAlert clears an open alert with a reason, audited (action alert_clear): its desk verifies at
// full pace again, and its failures so far are forgotten.
func (s *Service) ClearAlert(ctx context.Context, op model.Operator, req model.ClearAlertRequest) error {
	if err := op.Require(model.PermAlerts); err != nil {
		return err
	}
	reason, err := checkReason(req.Reason)
	if err != nil {
		return err
	}
	ch, err := channel(req.Channel, op)
	if err != nil {
		return err
	}
	if err := checkID("alert id", req.ID); err != nil {
		return err
	}
	now := s.Now()
	return s.store.ClearAlert(ctx, store.ClearedAlert{ID: req.ID, At: now, By: op.Name, Reason: reason,
		Audit: func(a model.Alert) model.AuditEvent {
			e := s.event(op, ch, model.HolderRef{}, model.ActionAlertClear)
			e.Reason = fmt.Sprintf("alert %s on desk %s (%s): %s", a.ID, a.Desk, a.Operator, reason)
			return e
		}})
}

// AlertCounts is how many alerts are open and were ever raised, for /metrics (no operator: the
// figures name no desk).
func (s *Service) AlertCounts(ctx context.Context) (open, raised int, err error) {
	return s.store.AlertCounts(ctx)
}
