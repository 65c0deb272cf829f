package core

import (
	"fmt"

	"github.com/pindesk/pindesk/model"
)

// verifyEntry makes the checks Verify and VerifyCaller make before they read any holder, in the
// order their refusals are owed: the permission, the channel (a verification is a call: it is
// recorded under the channel the caller used, never as the portal or the admin command line,
// which do not take calls), the ticket, the PIN entry, the idempotency key. A malformed entry is
// not compared: refuse audits it (RefuseVerify, RefuseVerifyCaller) and its error is returned.
// The PIN is canonicalised once: that value, and only that, is compared and its outcome audited.
func (s *Service) verifyEntry(op model.Operator, channel model.Channel, ticket, pin, key string, refuse func() error) (model.Channel, string, string, error) {
	if err := op.Require(model.PermVerify); err != nil {
		return "", "", "", err
	}
	ch, err := model.ParseCallChannel(string(channel))
	if err != nil {
		return "", "", "", err
	}
	ticket, err = s.ticket(op, ticket)
	if err != nil {
		return "", "", "", err
	}
	pin, err = s.policy.Canonical(pin)
	if err != nil {
		return "", "", "", refuse() // audited, never compared
	}
	if len(key) > 128 {
		return "", "", "", fmt.Errorf("%w: an idempotency key has at most 128 characters", model.ErrInvalidInput)
	}
	return ch, ticket, pin, nil
}
