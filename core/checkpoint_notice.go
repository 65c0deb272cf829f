package core

import (
	"context"
	"crypto/rand"
	"fmt"

	"github.com/pindesk/pindesk/model"
)

// NotifyCheckpoint writes cp to the outbox as an audit.checkpoint notice, for the webhook to carry
// to a receiver that keeps checkpoints apart from the database (`pindesk serve
// --audit-checkpoint-notice`). It needs the right to read the audit trail, as taking cp did. The
// notice is about no account: it is written alone (store.SystemNotices), not in a holder's
// transaction, and not logged for disputes.
func (s *Service) NotifyCheckpoint(ctx context.Context, op model.Operator, cp model.AuditCheckpoint) error {
	if err := op.Require(model.PermAudit); err != nil {
		return err
	}
	if cp.Time.IsZero() || len(cp.Heads) == 0 {
		return fmt.Errorf("%w: an audit checkpoint needs its time and its chain heads", model.ErrInvalidInput)
	}
	n := model.Notice{ID: "ntc_" + rand.Text(), Type: model.NoticeAuditCheckpoint, Time: cp.Time,
		Channel: model.ChannelAdmin, Operator: op.Name, Role: op.Role, Checkpoint: &cp}
	return s.store.NotifySystem(context.WithoutCancel(ctx), n)
}
