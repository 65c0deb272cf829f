package demo

import (
	"context"

	"github.com/pindesk/pindesk/client"
	"github.com/pindesk/pindesk/model"
)

var _ client.LockBoard = (*Backend)(nil)

// Board reads the demo floor's lock board, so a trainer can show a supervisor's board.
func (b *Backend) Board(ctx context.Context) (bd model.Board, err error) {
	err = b.with(func(l *client.Local) error { bd, err = l.Board(ctx); return err })
	return bd, err
}
