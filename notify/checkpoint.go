package notify

import (
	"encoding/json"
	"errors"
	"time"

	"github.com/pindesk/pindesk/model"
)

// CheckpointPayload is the body of an audit.checkpoint webhook: its data is the checkpoint itself,
// byte for byte the JSON line `pindesk admin audit checkpoint` prints, so a receiver appends
// data as a line to a file that `pindesk admin audit verify --checkpoint FILE` reads.
type CheckpointPayload struct {
	Type      model.NoticeType      `json:"type"`
	Timestamp time.Time             `json:"timestamp"`
	Data      model.AuditCheckpoint `json:"data"`
}

// payload is the webhook body of n: a checkpoint's own shape for an audit checkpoint, the notice
// for every other.
func payload(n model.Notice) ([]byte, error) {
	if n.Type == model.NoticeAuditCheckpoint {
		if n.Checkpoint == nil {
			return nil, errors.New("an audit.checkpoint notice without its checkpoint")
		}
		return json.Marshal(CheckpointPayload{Type: n.Type, Timestamp: n.Time, Data: *n.Checkpoint})
	}
	return json.Marshal(Payload{Type: n.Type, Timestamp: n.Time, Data: n})
}

// webhookOnly reports notices that only a webhook carries: an audit checkpoint is for whoever
// keeps them (never a customer's email).
func webhookOnly(n model.Notice) bool { return n.Type == model.NoticeAuditCheckpoint }

// webhookRoute refuses a webhook-only notice on a deliverer with no webhook (a server of the floor
// set up with SMTP alone): the notice stays pending, for a server that can send it, rather than
// being marked delivered having gone nowhere.
func (d *Deliverer) webhookRoute(n model.Notice) error {
	if !webhookOnly(n) {
		return nil
	}
	for _, dst := range d.cfg.Destinations {
		if dst.Channel() == "webhook" {
			return nil
		}
	}
	return errors.New("an audit checkpoint is sent by webhook only, and this server has no webhook")
}
