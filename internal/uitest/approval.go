package uitest

import (
	"context"
	"strconv"

	"github.com/pindesk/pindesk/client"
	"github.com/pindesk/pindesk/core"
	"github.com/pindesk/pindesk/model"
)

// Dual control in the kit: the backend offers client.Approvals, as Local and Remote do, and a test
// turns the policy on and acts as a second supervisor on the same database.

var _ client.Approvals = (*Backend)(nil)

// EnableApprovals puts the database's core under the dual-control policy p (the kit's core has
// none, as core.New without core.WithApprovals).
func (b *Backend) EnableApprovals(p model.ApprovalPolicy) {
	b.t.Helper()
	db := b.cur()
	svc, err := core.New(db.st, db.sealer, core.WithClock(b.clock), core.WithApprovals(p))
	if err != nil {
		b.t.Fatal(err)
	}
	b.mu.Lock()
	db.svc, db.local = svc, client.NewLocal(svc, b.op, nil)
	b.mu.Unlock()
}

// As is another operator's backend on the same database and core: a second supervisor's desk,
// or the desk a verified caller is transferred to (sessions).
func (b *Backend) As(op model.Operator) *client.Local {
	return client.NewLocal(b.cur().svc, op, nil)
}

func (b *Backend) ListApprovals(ctx context.Context) ([]model.Approval, error) {
	if err := b.hook(ctx, "approvals", ""); err != nil {
		return nil, err
	}
	return b.cur().local.ListApprovals(ctx)
}

func (b *Backend) Approve(ctx context.Context, id int64) (model.ApprovalResult, error) {
	if err := b.hook(ctx, "approve", strconv.FormatInt(id, 10)); err != nil {
		return model.ApprovalResult{}, err
	}
	return b.cur().local.Approve(ctx, id)
}

func (b *Backend) Refuse(ctx context.Context, id int64, reason string) (model.Approval, error) {
	if err := b.hook(ctx, "refuse", strconv.FormatInt(id, 10)); err != nil {
		return model.Approval{}, err
	}
	return b.cur().local.Refuse(ctx, id, reason)
}
