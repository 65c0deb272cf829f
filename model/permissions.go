package model

import "fmt"

// Permission is an operation an operator role may or may not perform.
type Permission string

const (
	PermSearch  Permission = "search"   // search accounts
	PermView    Permission = "view"     // an account and its holders' PIN states
	PermVerify  Permission = "verify"   // check a caller's PIN
	PermChange  Permission = "change"   // generate, set or clear a PIN
	PermReadPIN Permission = "read_pin" // read back a holder's current PIN
	PermUnlock  Permission = "unlock"   // unlock a locked holder
	PermReset   Permission = "reset"    // revoke every PIN of an account
	PermAudit   Permission = "audit"    // read and export the audit trail
	PermTokens  Permission = "tokens"   // manage API tokens
	PermImport  Permission = "import"   // load accounts and contacts
	// PermDispute: the customer says "that wasn't me" about a notice (the portal only).
	PermDispute Permission = "dispute"
	// PermClearDispute: clear an account's DISPUTED mark, with a reason.
	PermClearDispute Permission = "clear_dispute"
	// PermBoard: read the lock board, every holder locked or failing on the floor (issue 13).
	PermBoard Permission = "board"
	// PermApprove: see, approve and refuse another operator's approval requests (dual control).
	PermApprove Permission = "approve"
)

// Permissions lists every permission.
var Permissions = []Permission{PermSearch, PermView, PermVerify, PermChange, PermReadPIN, PermUnlock, PermReset, PermAudit, PermTokens, PermImport, PermDispute, PermClearDispute, PermBoard, PermApprove, PermAlerts}

// rolePermissions is the least each role needs:
//   - agent: takes calls: search, view, verify.
//   - supervisor: an agent who also unlocks, resets and reads the audit trail.
//   - trainer: plays both sides in training: a supervisor who may also change PINs as the customer,
//     and read them back in the trainer panel, on a demo database only (see PermitsOn).
//   - portal: the customers' self-service portal: view, change, read back and unlock their PINs.
//   - admin: runs the installation (command line, tokens, imports); takes no calls, never reads a PIN.
//
// Only the portal disputes a notice (the customer speaks); a supervisor, trainer or admin clears
// the DISPUTED mark it leaves. The lock board (every holder locked or failing, across accounts) is
// the floor supervisor's: a supervisor's or trainer's only. An agent sees one account at a time; the
// admin reads the audit trail but runs the installation, not the floor. Those who may unlock or
// reset at the desk or as admin approve or refuse each other's approval requests (dual control,
// model/approval.go); the portal does not.
var rolePermissions = map[OperatorRole][]Permission{
	OpAgent:      {PermSearch, PermView, PermVerify},
	OpSupervisor: {PermSearch, PermView, PermVerify, PermUnlock, PermReset, PermAudit, PermClearDispute, PermBoard, PermApprove, PermAlerts},
	OpTrainer:    {PermSearch, PermView, PermVerify, PermUnlock, PermReset, PermAudit, PermChange, PermClearDispute, PermBoard, PermApprove, PermAlerts},
	OpPortal:     {PermView, PermChange, PermReadPIN, PermUnlock, PermDispute},
	OpAdmin:      {PermSearch, PermView, PermChange, PermUnlock, PermReset, PermAudit, PermTokens, PermImport, PermClearDispute, PermApprove, PermAlerts},
}

// Permits reports whether the role may perform the operation.
func (r OperatorRole) Permits(p Permission) bool {
	for _, x := range rolePermissions[r] {
		if x == p {
			return true
		}
	}
	return false
}

// PermitsOn is Permits on a database that is (demo) or is not a demo database: a trainer plays
// the customer, changing PINs, only on a demo database; on a real one it has a supervisor's rights.
func (r OperatorRole) PermitsOn(p Permission, demo bool) bool {
	if r == OpTrainer && !demo {
		return OpSupervisor.Permits(p)
	}
	if r == OpTrainer && p == PermReadPIN {
		// The trainer panel shows a scenario holder's current PIN, so that the trainer can play the
		// customer (a one-time PIN about to expire is read before it does). Only in process: the
		// API lets the portal alone read a PIN (it checks Permits, not PermitsOn).
		return true
	}
	return r.Permits(p)
}

// RequireOn is Require on a database that is (demo) or is not a demo database (see PermitsOn).
func (op Operator) RequireOn(p Permission, demo bool) error {
	if op.Role.PermitsOn(p, demo) {
		return nil
	}
	if op.Role.Permits(p) {
		return fmt.Errorf("%w: the %s role may %s only on a demo database, and this one is not", ErrNotPermitted, op.Role, permissionVerb[p])
	}
	return op.Require(p)
}

// Require returns ErrNotPermitted, with a sentence saying who may not do what, unless op may.
func (op Operator) Require(p Permission) error {
	if op.Role.Permits(p) {
		return nil
	}
	return fmt.Errorf("%w: the %s role may not %s", ErrNotPermitted, op.Role, permissionVerb[p])
}

var permissionVerb = map[Permission]string{
	PermSearch: "search accounts", PermView: "view accounts", PermVerify: "verify PINs",
	PermChange: "change PINs", PermReadPIN: "read PINs", PermUnlock: "unlock PIN holders",
	PermReset: "reset accounts", PermAudit: "read the audit trail", PermTokens: "manage tokens",
	PermImport: "import accounts", PermDispute: "dispute a notice", PermClearDispute: "clear a dispute",
	PermBoard:   "read the lock board",
	PermApprove: "approve or refuse approval requests",
	PermAlerts:  "see or clear anomaly alerts",
}
