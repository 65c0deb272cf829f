package core

import (
	"context"
	"crypto/rand"

	"github.com/pindesk/pindesk/model"
	"github.com/pindesk/pindesk/store"
)

// notice is what a change owes the customer, before it is stamped with who, when and an id.
type notice struct {
	Type     model.NoticeType
	Ref      model.HolderRef
	Kind     model.Kind
	Failures int
}

// newNotice stamps n. Its id is drawn from crypto/rand (never the injected PIN source, which a
// test may make repeat): it must be unique, since receivers drop a notice whose id they have seen.
func (s *Service) newNotice(op model.Operator, ch model.Channel, n notice) model.Notice {
	return model.Notice{ID: "ntc_" + rand.Text(), Type: n.Type, Time: s.Now(), AccountID: n.Ref.AccountID, Holder: n.Ref.ContactID,
		Kind: n.Kind, Channel: ch, Operator: op.Name, Role: op.Role, Failures: n.Failures}
}

// notify writes n to the outbox in tx, so it commits or rolls back with the change it tells of.
func (s *Service) notify(ctx context.Context, tx store.HolderTx, op model.Operator, ch model.Channel, n notice) error {
	return tx.Notify(ctx, s.newNotice(op, ch, n))
}
