package uitest

import (
	"context"

	"github.com/pindesk/pindesk/client"
	"github.com/pindesk/pindesk/model"
)

var _ client.LockBoard = (*Backend)(nil)

// Board reads the lock board (hook operation "board").
func (b *Backend) Board(ctx context.Context) (model.Board, error) {
	if err := b.hook(ctx, "board", ""); err != nil {
		return model.Board{}, err
	}
	return b.cur().local.Board(ctx)
}

// LockElsewhere makes n wrong PINs on the holder as another desk, on the phone, through the core
// (so the audit trail holds them, as the board shows them): what an agent at another desk does.
func (b *Backend) LockElsewhere(desk, accountID, holderID string, n int) {
	b.t.Helper()
	op := model.Operator{Name: desk, Role: model.OpAgent}
	for i := 0; i < n; i++ {
		req := model.VerifyRequest{AccountID: accountID, Holder: holderID, PIN: "000000", Channel: model.ChannelPhone}
		if _, err := b.cur().svc.Verify(context.Background(), op, req); err != nil {
			b.t.Fatalf("wrong PIN on %s/%s: %v", accountID, holderID, err)
		}
	}
}
