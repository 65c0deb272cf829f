package core

import (
	"context"
	"fmt"

	"github.com/pindesk/pindesk/model"
	"github.com/pindesk/pindesk/store"
)

// Board reads the lock board (model.Board): every holder locked or hard-locked now, the newest
// lock first, with the failed attempts behind each (from the audit trail) and the account's open
// disputes; then the holders failing without a lock yet, the most failures first. Supervisors and
// trainers only (model.PermBoard): it shows the whole floor at once, where an agent sees one
// account at a time. Reading it is not audited: it shows nothing the audit trail does not hold,
// and a board open on a supervisor's screen reads it every second.
func (s *Service) Board(ctx context.Context, op model.Operator) (model.Board, error) {
	if err := op.Require(model.PermBoard); err != nil {
		return model.Board{}, err
	}
	b, err := s.store.Board(ctx, store.BoardQuery{Attempts: model.BoardAttempts, FailingLimit: model.BoardFailingLimit})
	if err != nil {
		return model.Board{}, fmt.Errorf("lock board: %w", err)
	}
	b.Time = s.Now()
	return b, nil
}
