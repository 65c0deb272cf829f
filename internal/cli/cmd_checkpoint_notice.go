package cli

import (
	"context"
	"errors"

	"github.com/pindesk/pindesk/core"
	"github.com/pindesk/pindesk/model"
)

// checkpointSinks is where `pindesk serve` sends each scheduled audit checkpoint: to the file (or
// standard output) when one is set, and, with serve.audit_checkpoint_notice, to the outbox as an
// audit.checkpoint event for the webhooks. One failing does not keep the checkpoint from the
// other; both failures are reported (and logged by auditCheckpoints).
//
// With several servers on one PostgreSQL, each server's schedule writes its own event: each is a
// true checkpoint of the one database at its own time, and the receiver keeps them all (the
// latest is what verify reads). Electing one server would need a lease of its own for little gain.
func checkpointSinks(ctx context.Context, svc *core.Service, notice bool, file string, toFile func(model.AuditCheckpoint) error) func(model.AuditCheckpoint) error {
	if !notice {
		return toFile
	}
	op := model.Operator{Name: "pindesk serve", Role: model.OpAdmin}
	return func(cp model.AuditCheckpoint) error {
		var errs []error
		if file != "" {
			errs = append(errs, toFile(cp))
		}
		return errors.Join(append(errs, svc.NotifyCheckpoint(ctx, op, cp))...)
	}
}
