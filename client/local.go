package client

import (
	"context"
	"time"

	"github.com/pindesk/pindesk/core"
	"github.com/pindesk/pindesk/model"
)

// Local is the Backend over an in-process core, acting as one operator.
type Local struct {
	svc     *core.Service
	op      model.Operator
	closeFn func() error
}

// NewLocal returns a Backend that calls svc as op; closeFn (may be nil) runs on Close.
func NewLocal(svc *core.Service, op model.Operator, closeFn func() error) *Local {
	return &Local{svc: svc, op: op, closeFn: closeFn}
}

func (l *Local) Operator() model.Operator                     { return l.op }
func (l *Local) Policy(context.Context) (model.Policy, error) { return l.svc.Policy(), nil }
func (l *Local) Now(context.Context) (time.Time, error)       { return l.svc.Now(), nil }

func (l *Local) Search(ctx context.Context, q string, page model.Page) (model.SearchResult, error) {
	return l.svc.Search(ctx, l.op, q, page)
}

func (l *Local) Account(ctx context.Context, id string) (model.AccountView, error) {
	return l.svc.Account(ctx, l.op, id)
}

func (l *Local) Verify(ctx context.Context, req model.VerifyRequest) (model.VerifyResult, error) {
	return l.svc.Verify(ctx, l.op, req)
}

func (l *Local) VerifyCaller(ctx context.Context, req model.CallerVerifyRequest) (model.VerifyResult, error) {
	return l.svc.VerifyCaller(ctx, l.op, req)
}

func (l *Local) Generate(ctx context.Context, req model.PINChange) (model.GeneratedPIN, error) {
	return l.svc.Generate(ctx, l.op, req)
}

func (l *Local) Set(ctx context.Context, req model.PINChange, pin string) (model.PINState, error) {
	return l.svc.Set(ctx, l.op, req, pin)
}

func (l *Local) Clear(ctx context.Context, req model.PINChange) error {
	return l.svc.Clear(ctx, l.op, req)
}

// ReadPIN reads back the holder's current PIN of the kind: the portal's right, and a trainer's on a
// demo database (the trainer panel).
func (l *Local) ReadPIN(ctx context.Context, req model.PINChange) (string, error) {
	return l.svc.ReadPIN(ctx, l.op, req)
}

func (l *Local) Unlock(ctx context.Context, req model.UnlockRequest) error {
	return l.svc.Unlock(ctx, l.op, req)
}

func (l *Local) ResetAccount(ctx context.Context, req model.ResetRequest) (model.ResetResult, error) {
	return l.svc.ResetAccount(ctx, l.op, req)
}

// Dispute is the customer's "that wasn't me" (the portal's; the app never disputes).
func (l *Local) Dispute(ctx context.Context, req model.DisputeRequest) (model.DisputeResult, error) {
	return l.svc.Dispute(ctx, l.op, req)
}

func (l *Local) ClearDispute(ctx context.Context, req model.ClearDisputeRequest) error {
	return l.svc.ClearDispute(ctx, l.op, req)
}

func (l *Local) SendCode(ctx context.Context, req model.CodeRequest) (model.CodeSent, error) {
	return l.svc.SendCode(ctx, l.op, req)
}

func (l *Local) Audit(ctx context.Context, q model.AuditQuery) ([]model.AuditEvent, error) {
	return l.svc.Audit(ctx, l.op, q)
}

// AuditChainState checks the audit chains through the last event, from where this process's last
// check ended (core.Service.AuditChainState).
func (l *Local) AuditChainState(ctx context.Context) (model.AuditChainState, error) {
	return l.svc.AuditChainState(ctx, l.op)
}

func (l *Local) Close() error {
	if l.closeFn == nil {
		return nil
	}
	return l.closeFn()
}
