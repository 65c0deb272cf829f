package config

import "fmt"

// validateCheckpointNotice checks serve.audit_checkpoint_notice against the schedule and the
// webhooks: a checkpoint event is sent by webhook only, so with none configured it would wait in
// the outbox for ever; and without a schedule no checkpoint is ever taken.
func validateCheckpointNotice(s Settings) []error {
	if !s.Serve.AuditCheckpointNotice {
		return nil
	}
	bad := func(format string, args ...any) []error {
		key := "serve.audit_checkpoint_notice"
		return []error{&Error{Key: key, Source: s.Origin[key], Err: fmt.Errorf(format, args...)}}
	}
	switch {
	case s.Serve.AuditCheckpointEvery <= 0:
		return bad("needs serve.audit_checkpoint_every, how often a checkpoint is taken and sent")
	case len(s.Notify.Webhooks()) == 0:
		return bad("needs notify.webhook_urls: an audit.checkpoint event is sent by webhook only, never by email")
	}
	return nil
}
