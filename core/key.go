package core

import (
	"context"
	"fmt"

	"github.com/pindesk/pindesk/model"
	"github.com/pindesk/pindesk/store"
	"github.com/pindesk/pindesk/store/secret"
)

// KeyMismatchError: the database's PINs are sealed under another key than the one this process
// holds. Nothing was changed. It wraps secret.ErrKeyFault.
type KeyMismatchError struct {
	Held     string // key id of the key held
	Recorded string // key id recorded in the database; "" for a database that recorded none
	Rekeyed  bool   // the held key is the one the database's last rotation replaced
}

func (e *KeyMismatchError) Error() string {
	if e.Recorded == "" {
		return fmt.Sprintf("the key (key id %s) does not open the PINs stored in the database", e.Held)
	}
	if e.Rekeyed {
		return fmt.Sprintf("the database was re-keyed: its key is now key id %s, and key id %s is the key it replaced", e.Recorded, e.Held)
	}
	return fmt.Sprintf("the key (key id %s) is not the database's key (key id %s)", e.Held, e.Recorded)
}

func (e *KeyMismatchError) Unwrap() error { return secret.ErrKeyFault }

// CheckKey makes sure the key this Service seals with, whose check value is check
// (secret.CheckValue), is the database's. A database that records a check value must record this
// one. One that records none yet (new, or made before pindesk recorded it) gets this one, but only
// once the key is proved to open a PIN stored in it, if it stores any: an upgrade run with a wrong
// key is refused like any other start. A refusal (*KeyMismatchError) changes nothing.
func (s *Service) CheckKey(ctx context.Context, check string) error {
	recorded, ok, err := s.store.Meta(ctx, store.MetaKeyCheck)
	if err != nil {
		return fmt.Errorf("read the database's key check: %w", err)
	}
	if !ok {
		ref, sealed, found, err := s.store.AnySealedPIN(ctx)
		if err != nil {
			return err
		}
		if found {
			if _, err := s.sealer.Open(ref.Key(), sealed); err != nil {
				return &KeyMismatchError{Held: secret.KeyID(check)}
			}
		}
		// Two processes may record at once: the value that stands is the one to compare with.
		if recorded, err = s.store.AddMeta(ctx, store.MetaKeyCheck, check); err != nil {
			return err
		}
	}
	if recorded != check {
		prev, _, err := s.store.Meta(ctx, store.MetaPreviousKeyCheck)
		if err != nil {
			return fmt.Errorf("read the database's key check: %w", err)
		}
		return &KeyMismatchError{Held: secret.KeyID(check), Recorded: secret.KeyID(recorded), Rekeyed: prev == check}
	}
	return nil
}

// RotateKey re-seals every PIN of the database, current and previous, under next (whose check
// value is nextCheck), records nextCheck as the database's key check and audits the rotation, all
// in one transaction; it returns how many PIN rows were re-sealed. check is the check value of
// the key this Service holds, which must be the database's. Afterwards this Service still holds
// the old key: every verification through it answers secret.ErrKeyFault, so the caller reopens.
func (s *Service) RotateKey(ctx context.Context, op model.Operator, check string, next *secret.Sealer, nextCheck string) (int, error) {
	if op.Role != model.OpAdmin {
		return 0, fmt.Errorf("%w: only an admin may rotate the key", model.ErrNotPermitted)
	}
	if next == nil || nextCheck == check {
		return 0, fmt.Errorf("%w: the new key is the key in use", model.ErrInvalidInput)
	}
	e := s.event(op, model.ChannelAdmin, model.HolderRef{}, model.ActionRekey)
	e.Reason = fmt.Sprintf("key id %s replaced by key id %s", secret.KeyID(check), secret.KeyID(nextCheck))
	n, err := s.store.RekeyPINs(ctx, func(ref model.HolderRef, sealed []byte) ([]byte, error) {
		pin, err := s.sealer.Open(ref.Key(), sealed)
		if err != nil {
			// A PIN the key in use does not open would be lost by re-sealing: refuse all of it.
			return nil, secret.ErrKeyFault
		}
		return next.Seal(ref.Key(), pin)
	}, next.AuditChain, check, nextCheck, e)
	if err != nil {
		return 0, fmt.Errorf("rotate the key: %w", err)
	}
	s.forgetChainCheck() // every chain value changed
	return n, nil
}
