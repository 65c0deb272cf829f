package client

import (
	"context"

	"github.com/pindesk/pindesk/api"
	"github.com/pindesk/pindesk/model"
)

var (
	_ LockBoard = (*Local)(nil)
	_ LockBoard = (*Remote)(nil)
)

// Board reads the lock board from the core in process.
func (l *Local) Board(ctx context.Context) (model.Board, error) { return l.svc.Board(ctx, l.op) }

// Board asks the server for the lock board.
func (r *Remote) Board(ctx context.Context) (model.Board, error) {
	var out model.Board
	if err := r.call(ctx, r.req(ctx).SetResult(&out), api.Board); err != nil {
		return model.Board{}, err
	}
	return out, nil
}
