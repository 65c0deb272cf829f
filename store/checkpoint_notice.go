package store

import (
	"context"
	"fmt"

	"github.com/pindesk/pindesk/model"
)

// SystemNotices writes notices that are about no account: an audit checkpoint
// (model.NoticeAuditCheckpoint). Such a notice tells of no change to a holder, so it is written
// alone, in a transaction of its own, rather than under a holder's lock. It is logged like every
// notice, so its id stays taken once delivered, but under no account: the notice log names the
// notices a customer may dispute only by their account (SentNotice), so no customer can name it.
type SystemNotices interface {
	// NotifySystem writes n to the outbox alone. A notice with an account is model.ErrInvalidInput:
	// it belongs in its change's transaction (HolderTx.Notify), logged for disputes.
	NotifySystem(ctx context.Context, n model.Notice) error
}

// CheckSystemNotice is what both stores refuse of a notice about no account.
func CheckSystemNotice(n model.Notice) error {
	switch {
	case n.ID == "":
		return fmt.Errorf("%w: a notice needs an id", model.ErrInvalidInput)
	case n.AccountID != "" || n.Holder != "":
		return fmt.Errorf("%w: notice %s is about account %q: it is written with its change, not alone", model.ErrInvalidInput, n.ID, n.AccountID)
	case n.Sealed != nil:
		return fmt.Errorf("%w: notice %s carries a sealed code, which only a contact's notice may", model.ErrInvalidInput, n.ID)
	}
	return nil
}
