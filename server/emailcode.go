package server

import (
	"net/http"

	"github.com/pindesk/pindesk/api"
	"github.com/pindesk/pindesk/model"
)

// sendCode emails a one-time code to the calling contact's address on file. The answer says where
// (masked) and until when, never the code: 202, since the email leaves later, from the outbox.
func (s *Server) sendCode(w http.ResponseWriter, r *http.Request, c caller) error {
	if err := c.op.Require(model.PermVerify); err != nil {
		return err
	}
	var body api.CodeRequest
	if err := decode(w, r, s.maxBody, &body); err != nil {
		return err
	}
	res, err := s.core.SendCode(r.Context(), c.op, model.CodeRequest{AccountID: r.PathValue("account"),
		Contact: r.PathValue("contact"), Channel: body.Channel})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusAccepted, res)
	return nil
}
