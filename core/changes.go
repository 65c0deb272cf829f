package core

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/pindesk/pindesk/model"
	"github.com/pindesk/pindesk/store"
)

// change resolves and checks a PIN change: the operator may change PINs, the kind exists, the
// account uses PINs, and the contact it is done for may change this holder's PIN (only the holder
// and sub-accounts manage the account-wide PIN; the portal must say for whom it acts).
func (s *Service) change(ctx context.Context, op model.Operator, req model.PINChange, perm model.Permission) (model.HolderRef, model.Channel, error) {
	if err := s.require(ctx, op, perm); err != nil {
		return model.HolderRef{}, "", err
	}
	if _, err := model.ParseKind(string(req.Kind)); err != nil {
		return model.HolderRef{}, "", err
	}
	ch, err := channel(req.Channel, op)
	if err != nil {
		return model.HolderRef{}, "", err
	}
	acct, ref, err := s.holder(ctx, req.AccountID, req.Holder)
	if err != nil {
		return ref, "", err
	}
	if !acct.UsesPINs {
		return ref, "", fmt.Errorf("%w (account %s, product %s)", model.ErrNoPINs, acct.Number, acct.Product)
	}
	if req.OnBehalfOf == "" {
		if op.Role == model.OpPortal && ref.IsAccountWide() {
			return ref, "", fmt.Errorf("%w: say which contact asks to change the account-wide PIN", model.ErrInvalidInput)
		}
		return ref, ch, nil
	}
	by, ok := acct.Contact(req.OnBehalfOf)
	if !ok {
		return ref, "", fmt.Errorf("%w: account %s has no contact %q", model.ErrUnknownHolder, acct.Number, req.OnBehalfOf)
	}
	if by.ID != ref.ContactID && !by.Role.MayManageAccountPIN() {
		return ref, "", fmt.Errorf("%w: a %s may give the account-wide PIN but not change it or another contact's", model.ErrNotPermitted, by.Role)
	}
	return ref, ch, nil
}

// Generate draws a new PIN of the kind for the holder, replacing the one there, and returns it
// once. A locked holder's PINs cannot be changed until it is unlocked.
func (s *Service) Generate(ctx context.Context, op model.Operator, req model.PINChange) (model.GeneratedPIN, error) {
	ref, ch, err := s.change(ctx, op, req, model.PermChange)
	if err != nil {
		return model.GeneratedPIN{}, err
	}
	var out model.GeneratedPIN
	err = s.store.UpdateHolder(ctx, ref, func(tx store.HolderTx) error {
		avoid, err := s.lockedOrPrevious(tx, req.Kind)
		if err != nil {
			return err
		}
		pin, err := s.policy.Generate(nil, avoid...) // nil: crypto/rand
		if err != nil {
			return err
		}
		st, err := s.put(ctx, tx, op, ch, req, model.ActionGenerate, pin)
		out = model.GeneratedPIN{PIN: pin, State: st}
		return err
	})
	if err != nil {
		return model.GeneratedPIN{}, fmt.Errorf("generate PIN: %w", err)
	}
	return out, nil
}

// Set stores a PIN the customer chose, refused with a *model.PolicyError naming the rule it breaks.
func (s *Service) Set(ctx context.Context, op model.Operator, req model.PINChange, pin string) (model.PINState, error) {
	ref, ch, err := s.change(ctx, op, req, model.PermChange)
	if err != nil {
		return model.PINState{}, err
	}
	if err := s.policy.Check(pin); err != nil {
		return model.PINState{}, err
	}
	var out model.PINState
	err = s.store.UpdateHolder(ctx, ref, func(tx store.HolderTx) error {
		avoid, err := s.lockedOrPrevious(tx, req.Kind)
		if err != nil {
			return err
		}
		for _, p := range avoid {
			if p == pin {
				return &model.PolicyError{Rule: model.RuleReuse, Detail: "must differ from the previous PIN"}
			}
		}
		out, err = s.put(ctx, tx, op, ch, req, model.ActionSet, pin)
		return err
	})
	if err != nil {
		return model.PINState{}, fmt.Errorf("set PIN: %w", err)
	}
	return out, nil
}

// lockedOrPrevious refuses a locked holder, and otherwise returns the PINs a new one of the kind
// must differ from: the current one and the one before it.
func (s *Service) lockedOrPrevious(tx store.HolderTx, kind model.Kind) ([]string, error) {
	h := tx.Holder()
	if h.LockedSince != nil {
		return nil, fmt.Errorf("%w: unlock it before changing its PIN", model.ErrLocked)
	}
	var avoid []string
	for _, p := range h.PINs {
		if p.Kind != kind {
			continue
		}
		for _, sealed := range [][]byte{p.Sealed, p.Previous} {
			if sealed == nil {
				continue
			}
			pin, err := s.sealer.Open(h.Ref.Key(), sealed)
			if err != nil {
				return nil, err
			}
			avoid = append(avoid, pin)
		}
	}
	return avoid, nil
}

func (s *Service) put(ctx context.Context, tx store.HolderTx, op model.Operator, ch model.Channel, req model.PINChange, action model.Action, pin string) (model.PINState, error) {
	ref := tx.Holder().Ref
	sealed, err := s.sealer.Seal(ref.Key(), pin)
	if err != nil {
		return model.PINState{}, err
	}
	now := s.Now()
	st := model.PINState{Kind: req.Kind, CreatedAt: now, ExpiresAt: s.policy.ExpiresAt(req.Kind, now)}
	if err := tx.PutPIN(ctx, store.SealedPIN{PINState: st, Sealed: sealed}); err != nil {
		return model.PINState{}, err
	}
	if err := tx.ForgetIdempotent(ctx, store.IdempotencyKey{}); err != nil {
		return model.PINState{}, err
	}
	e := s.event(op, ch, ref, action)
	e.Kind, e.Caller = req.Kind, req.OnBehalfOf
	// A new PIN ends every verification session of the account (core/session.go).
	if err := s.appendEnding(ctx, tx, e); err != nil {
		return model.PINState{}, err
	}
	typ := model.NoticePINSet
	if action == model.ActionGenerate {
		typ = model.NoticePINGenerated
	}
	return st, s.notify(ctx, tx, op, ch, notice{Type: typ, Ref: ref, Kind: req.Kind})
}

// Clear removes the holder's PIN of the kind.
func (s *Service) Clear(ctx context.Context, op model.Operator, req model.PINChange) error {
	ref, ch, err := s.change(ctx, op, req, model.PermChange)
	if err != nil {
		return err
	}
	err = s.store.UpdateHolder(ctx, ref, func(tx store.HolderTx) error {
		if tx.Holder().LockedSince != nil {
			return fmt.Errorf("%w: unlock it before changing its PIN", model.ErrLocked)
		}
		found, err := tx.ClearPIN(ctx, req.Kind)
		if err != nil {
			return err
		}
		if !found {
			return fmt.Errorf("%w: %s has no %s PIN", model.ErrNoSuchPIN, req.Holder, req.Kind)
		}
		if err := tx.ForgetIdempotent(ctx, store.IdempotencyKey{}); err != nil {
			return err
		}
		e := s.event(op, ch, ref, model.ActionClear)
		e.Kind, e.Caller = req.Kind, req.OnBehalfOf
		if err := s.appendEnding(ctx, tx, e); err != nil { // as a new PIN does
			return err
		}
		return s.notify(ctx, tx, op, ch, notice{Type: model.NoticePINCleared, Ref: ref, Kind: req.Kind})
	})
	if err != nil {
		return fmt.Errorf("clear PIN: %w", err)
	}
	return nil
}

// ReadPIN returns the holder's current PIN of the kind, for the customers' portal only, and audits
// that it was read.
func (s *Service) ReadPIN(ctx context.Context, op model.Operator, req model.PINChange) (string, error) {
	ref, ch, err := s.change(ctx, op, req, model.PermReadPIN)
	if err != nil {
		return "", err
	}
	var pin string
	err = s.store.UpdateHolder(ctx, ref, func(tx store.HolderTx) error {
		for _, p := range tx.Holder().PINs {
			if p.Kind == req.Kind && p.Sealed != nil {
				if pin, err = s.sealer.Open(ref.Key(), p.Sealed); err != nil {
					return err
				}
				e := s.event(op, ch, ref, model.ActionRead)
				e.Kind, e.Caller = req.Kind, req.OnBehalfOf
				if err := s.underSession(ctx, tx, &e); err != nil {
					return err
				}
				return tx.AppendAudit(ctx, e)
			}
		}
		return fmt.Errorf("%w: %s has no %s PIN", model.ErrNoSuchPIN, req.Holder, req.Kind)
	})
	if err != nil {
		return "", fmt.Errorf("read PIN: %w", err)
	}
	return pin, nil
}

// Unlock clears a holder's lock and failure count, with the reason in the audit trail. A
// hard-locked holder is unlocked only by the portal or an admin, whose unlock also lifts the hard
// lock and forgets the rolling window; see the unlock rules in package model.
func (s *Service) Unlock(ctx context.Context, op model.Operator, req model.UnlockRequest) error {
	if err := op.Require(model.PermUnlock); err != nil {
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
	ticket, err := s.ticket(op, req.Ticket)
	if err != nil {
		return err
	}
	_, ref, err := s.holder(ctx, req.AccountID, req.Holder)
	if err != nil {
		return err
	}
	// Dual control (approval.go): an unlock that needs a second person opens a request instead.
	if err := s.askApproval(ctx, op, ch, model.ApprovalUnlock, ref, reason, ticket); err != nil {
		return err
	}
	err = s.store.UpdateHolder(ctx, ref, func(tx store.HolderTx) error {
		h := tx.Holder()
		clearsWindow, err := model.UnlockClearsWindow(op.Role, h.State(s.policy.MaxFailures))
		switch {
		case errors.Is(err, model.ErrNotLocked):
			return fmt.Errorf("%w: %s has no lock and no failed attempts", err, req.Holder)
		case err != nil:
			return fmt.Errorf("%s: %w", req.Holder, err)
		}
		if err := tx.Unlock(ctx); err != nil {
			return err
		}
		if err := tx.ForgetIdempotent(ctx, store.IdempotencyKey{}); err != nil {
			return err
		}
		if clearsWindow {
			if err := tx.ClearHardLock(ctx); err != nil {
				return err
			}
		}
		e := s.event(op, ch, ref, model.ActionUnlock)
		e.Reason, e.Ticket = reason, ticket
		// An unlock ends every verification session of the account (core/session.go).
		if err := s.appendEnding(ctx, tx, e); err != nil {
			return err
		}
		return s.notify(ctx, tx, op, ch, notice{Type: model.NoticeUnlocked, Ref: ref, Failures: h.Failures})
	})
	if err != nil {
		return fmt.Errorf("unlock: %w", err)
	}
	return nil
}

// ResetAccount revokes every PIN of the account and clears its locks, after a malicious attempt;
// its customers generate new PINs afterwards.
func (s *Service) ResetAccount(ctx context.Context, op model.Operator, req model.ResetRequest) (model.ResetResult, error) {
	if err := op.Require(model.PermReset); err != nil {
		return model.ResetResult{}, err
	}
	reason, err := checkReason(req.Reason)
	if err != nil {
		return model.ResetResult{}, err
	}
	ch, err := channel(req.Channel, op)
	if err != nil {
		return model.ResetResult{}, err
	}
	ticket, err := s.ticket(op, req.Ticket)
	if err != nil {
		return model.ResetResult{}, err
	}
	acct, err := s.account(ctx, req.AccountID)
	if err != nil {
		return model.ResetResult{}, err
	}
	// Dual control (approval.go): a reset that needs a second person opens a request instead.
	if err := s.askApproval(ctx, op, ch, model.ApprovalReset, model.HolderRef{AccountID: acct.ID}, reason, ticket); err != nil {
		return model.ResetResult{}, err
	}
	// The store ends the account's verification sessions in the reset's transaction.
	e := s.event(op, ch, model.HolderRef{AccountID: acct.ID}, model.ActionReset)
	e.Reason, e.Ticket = reason, ticket
	res, err := s.store.ResetAccount(ctx, acct.ID, e, s.newNotice(op, ch, notice{Type: model.NoticeAccountReset, Ref: model.HolderRef{AccountID: acct.ID}}))
	if err != nil {
		return model.ResetResult{}, fmt.Errorf("reset account: %w", err)
	}
	return res, nil
}

// Import creates or updates accounts and their contacts, all or nothing, and leaves everything
// the accounts do not list as it is (an upsert, audited like any import).
func (s *Service) Import(ctx context.Context, op model.Operator, accounts []model.Account) error {
	_, err := s.ImportAccounts(ctx, op, model.ImportRequest{Accounts: accounts})
	return err
}

// ImportAccounts runs an import (see model.ImportRequest): an upsert of the accounts and contacts
// it lists, and with Prune the deletion of the contacts of those accounts it does not list. It is
// all or nothing, and audited: one import event (operator, the file's SHA-256, the counts) and one
// prune event per deleted contact, in the import's transaction. A dry run returns the same result
// and writes nothing.
func (s *Service) ImportAccounts(ctx context.Context, op model.Operator, req model.ImportRequest) (model.ImportResult, error) {
	if err := op.Require(model.PermImport); err != nil {
		return model.ImportResult{}, err
	}
	if req.Force && !req.Prune {
		return model.ImportResult{}, fmt.Errorf("%w: force applies to a prune only", model.ErrInvalidInput)
	}
	if err := model.ValidateAccounts(req.Accounts); err != nil {
		return model.ImportResult{}, err
	}
	ch, err := channel(req.Channel, op)
	if err != nil {
		return model.ImportResult{}, err
	}
	sum := req.SHA256
	if sum == "" {
		data, err := json.Marshal(req.Accounts)
		if err != nil {
			return model.ImportResult{}, err
		}
		h := sha256.Sum256(data)
		sum = hex.EncodeToString(h[:])
	}
	e := s.event(op, ch, model.HolderRef{}, model.ActionImport)
	e.Reason = "sha256 " + sum
	if req.Source != "" {
		e.Reason += "; file " + req.Source
	}
	if req.Prune {
		e.Reason += "; prune"
		if req.Force {
			e.Reason += "; force"
		}
	}
	res, err := s.store.ImportAccounts(ctx, req.Accounts, store.ImportOptions{Prune: req.Prune, Force: req.Force, DryRun: req.DryRun, Audit: e})
	if err != nil {
		return model.ImportResult{}, fmt.Errorf("import: %w", err)
	}
	res.SHA256 = sum
	return res, nil
}
