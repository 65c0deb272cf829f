package core

import (
	"context"
	"crypto/rand"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/pindesk/pindesk/model"
	"github.com/pindesk/pindesk/store"
)

// WithDisputeRevokes sets which PINs a dispute revokes (model.RevokeShortLived when unset).
func WithDisputeRevokes(r model.DisputeRevokes) Option { return func(s *Service) { s.revokes = r } }

// Dispute records a customer's "that wasn't me" about a notice they received (the portal only; see
// model.Dispute). In one transaction: the holder the notice was about is hard-locked (only the
// portal or an admin unlocks it), the account's PINs of the kinds the setting names are revoked, the
// dispute is audited with the notice's id, and a holder.disputed notice tells the desk's
// supervisors. Every agent who opens the account sees it DISPUTED until a supervisor clears it.
func (s *Service) Dispute(ctx context.Context, op model.Operator, req model.DisputeRequest) (model.DisputeResult, error) {
	if err := op.Require(model.PermDispute); err != nil {
		return model.DisputeResult{}, err
	}
	ch, err := channel(req.Channel, op)
	if err != nil {
		return model.DisputeResult{}, err
	}
	acct, err := s.account(ctx, req.AccountID)
	if err != nil {
		return model.DisputeResult{}, err
	}
	if err := checkID("the disputed notice's id (event)", req.EventID); err != nil {
		return model.DisputeResult{}, err
	}
	text, err := checkDisputeText(req.Text)
	if err != nil {
		return model.DisputeResult{}, err
	}
	sent, err := s.store.SentNotice(ctx, acct.ID, req.EventID)
	if err != nil {
		return model.DisputeResult{}, err
	}
	if !model.Disputable(sent.Type) {
		return model.DisputeResult{}, fmt.Errorf("%w: notice %s is a %s notice, which tells of no change to dispute", model.ErrInvalidInput, sent.ID, sent.Type)
	}
	holder := sent.Holder
	if holder == "" { // a notice about the whole account (a reset): the account-wide PIN is locked
		holder = model.AccountWide
	}
	ref := model.HolderRef{AccountID: acct.ID, ContactID: holder}
	d := model.Dispute{ID: "dsp_" + rand.Text(), Time: s.Now(), AccountID: acct.ID, Holder: holder, EventID: sent.ID, EventType: sent.Type}
	e := s.event(op, ch, ref, model.ActionDispute)
	e.Reason = fmt.Sprintf("dispute %s of notice %s (%s)", d.ID, sent.ID, sent.Type)
	if text != "" {
		e.Reason += "; the customer wrote: " + text
	}
	n := s.newNotice(op, ch, notice{Type: model.NoticeDisputed, Ref: ref})
	n.Dispute, n.Event = d.ID, sent.ID
	revoked, err := s.store.Dispute(ctx, store.NewDispute{Dispute: d, Text: text, Operator: op.Name,
		Revoke: s.revokes.Kinds(), Audit: e, Notice: n})
	if err != nil {
		return model.DisputeResult{}, err
	}
	return model.DisputeResult{Dispute: d, RevokedPINs: revoked}, nil
}

// ClearDispute lifts an open dispute's DISPUTED mark, with the reason in the audit trail. It does
// not lift the hard lock: that is the customer's (portal) or an admin's, as for any hard lock.
func (s *Service) ClearDispute(ctx context.Context, op model.Operator, req model.ClearDisputeRequest) error {
	if err := op.Require(model.PermClearDispute); err != nil {
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
	acct, err := s.account(ctx, req.AccountID)
	if err != nil {
		return err
	}
	if err := checkID("dispute id", req.DisputeID); err != nil {
		return err
	}
	e := s.event(op, ch, model.HolderRef{AccountID: acct.ID}, model.ActionDisputeClear)
	e.Reason = fmt.Sprintf("dispute %s: %s", req.DisputeID, reason)
	return s.store.ClearDispute(ctx, store.ClearedDispute{AccountID: acct.ID, ID: req.DisputeID, At: s.Now(), By: op.Name,
		Reason: reason, Audit: e})
}

func checkDisputeText(text string) (string, error) {
	text = strings.TrimSpace(text)
	if !utf8.ValidString(text) || utf8.RuneCountInString(text) > model.MaxDisputeText {
		return "", fmt.Errorf("%w: a dispute's text has at most %d characters", model.ErrInvalidInput, model.MaxDisputeText)
	}
	// The text is kept in the audit trail, which supervisors read on terminals.
	if err := model.CheckText("the dispute's text", text); err != nil {
		return "", err
	}
	return text, nil
}
