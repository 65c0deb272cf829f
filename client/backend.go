// Package client is what the terminal app needs of pindesk: the Backend interface, with Local (the
// core in process) and Remote (a pindesk server over HTTP) behind it. Both return the model's typed
// errors, so the UI maps an error to a sentence the same way whichever it runs on.
package client

import (
	"context"
	"time"

	"github.com/pindesk/pindesk/model"
)

// Backend is every operation the app performs. The operator is fixed by the backend (from config
// in embedded mode, from the bearer token over HTTP), never chosen per call.
type Backend interface {
	Operator() model.Operator
	Policy(ctx context.Context) (model.Policy, error)
	Search(ctx context.Context, q string, page model.Page) (model.SearchResult, error)
	Account(ctx context.Context, id string) (model.AccountView, error)
	Verify(ctx context.Context, req model.VerifyRequest) (model.VerifyResult, error)
	// VerifyCaller checks the PIN of the contact who is calling against every PIN they may give:
	// their own and the account-wide one. The app verifies callers this way.
	VerifyCaller(ctx context.Context, req model.CallerVerifyRequest) (model.VerifyResult, error)
	Generate(ctx context.Context, req model.PINChange) (model.GeneratedPIN, error)
	Set(ctx context.Context, req model.PINChange, pin string) (model.PINState, error)
	Clear(ctx context.Context, req model.PINChange) error
	Unlock(ctx context.Context, req model.UnlockRequest) error
	ResetAccount(ctx context.Context, req model.ResetRequest) (model.ResetResult, error)
	// ClearDispute lifts an account's DISPUTED mark with a reason (a supervisor's).
	ClearDispute(ctx context.Context, req model.ClearDisputeRequest) error
	// SendCode emails a one-time code to the calling contact's address on file; the answer says
	// where (masked) and until when, never the code.
	SendCode(ctx context.Context, req model.CodeRequest) (model.CodeSent, error)
	Audit(ctx context.Context, q model.AuditQuery) ([]model.AuditEvent, error)
	// Now is the backend's clock, so times to expiry are counted from the same instant it uses.
	Now(ctx context.Context) (time.Time, error)
	Close() error
}

// Demo is what a demo backend offers a trainer besides: playing the clock and restoring the
// scenarios. The app shows the trainer panel only when its backend implements it.
type Demo interface {
	// Advance moves the demo clock forward.
	Advance(d time.Duration)
	// Restore puts every scenario account back as it was seeded.
	Restore(ctx context.Context) error
	// ReadPIN reads a holder's current PIN of a kind, for the trainer to play the customer.
	ReadPIN(ctx context.Context, req model.PINChange) (string, error)
}

// AuditChain is implemented by a backend that can check the audit chains (Local, Remote), so the
// audit view can show whether the trail is intact.
type AuditChain interface {
	// AuditChainState checks the chains through the last event — from where the last check of
	// the same process (or server) ended — and answers intact through #N, or the first break.
	AuditChainState(ctx context.Context) (model.AuditChainState, error)
}

// Connection is implemented by a backend that can lose its connection (Remote), so the app can
// show the connection state.
type Connection interface {
	// Reachable reports whether the last call reached the server.
	Reachable() bool
	Endpoint() string
}

// LockBoard is implemented by a backend that can read the lock board (Local, Remote): every holder
// locked or failing on the floor, for a supervisor (model.Board). The app offers the board only
// when its backend implements it.
type LockBoard interface {
	Board(ctx context.Context) (model.Board, error)
}
