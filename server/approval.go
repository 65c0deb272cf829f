package server

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"

	"github.com/pindesk/pindesk/api"
	"github.com/pindesk/pindesk/model"
)

// Dual control over HTTP (model/approval.go). An Unlock or Reset the core turned into an approval
// request answers 202 Accepted with it (pendingApproval); the approvals routes list, read and
// decide requests. Every rule is the core's.

// pendingApproval answers err when it is an approval request opened instead of the action, and
// reports whether it did.
func pendingApproval(w http.ResponseWriter, err error) bool {
	var ar *model.ApprovalRequiredError
	if !errors.As(err, &ar) {
		return false
	}
	w.Header().Set("Location", api.GetApproval.URL(strconv.FormatInt(ar.Request.ID, 10)))
	writeJSON(w, http.StatusAccepted, api.ApprovalRequired{Approval: ar.Request, Existing: ar.Existing})
	return true
}

// approvalID reads the path's request number.
func approvalID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id < 1 {
		return 0, fmt.Errorf("%w: an approval request's number is a whole number from 1, not %q", model.ErrInvalidInput, clip(r.PathValue("id")))
	}
	return id, nil
}

func (s *Server) listApprovals(w http.ResponseWriter, r *http.Request, c caller) error {
	list, err := s.core.ListApprovals(r.Context(), c.op)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, api.ApprovalList{Approvals: list})
	return nil
}

func (s *Server) getApproval(w http.ResponseWriter, r *http.Request, c caller) error {
	id, err := approvalID(r)
	if err != nil {
		return err
	}
	a, err := s.core.Approval(r.Context(), c.op, id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, a)
	return nil
}

func (s *Server) approve(w http.ResponseWriter, r *http.Request, c caller) error {
	// Approve takes no body; one sent anyway is capped like any other and must be empty or {}.
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.maxBody))
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &mbe):
		return fmt.Errorf("%w: the body is larger than %d bytes", api.ErrTooLarge, s.maxBody)
	case err != nil:
		return fmt.Errorf("%w: the request body could not be read", model.ErrInvalidInput)
	case len(bytes.TrimSpace(data)) > 0 && string(bytes.Join(bytes.Fields(data), nil)) != "{}":
		return fmt.Errorf("%w: approve takes no body", model.ErrInvalidInput)
	}
	id, err := approvalID(r)
	if err != nil {
		return err
	}
	res, err := s.core.Approve(r.Context(), c.op, id)
	if err != nil {
		return err
	}
	s.log.Info("approval request approved", "operator", c.op.Name, "request", id, "action", res.Approval.Action, "requested_by", res.Approval.RequestedBy)
	writeJSON(w, http.StatusOK, res)
	return nil
}

func (s *Server) refuseApproval(w http.ResponseWriter, r *http.Request, c caller) error {
	var body api.ReasonRequest
	if err := decode(w, r, s.maxBody, &body); err != nil {
		return err
	}
	id, err := approvalID(r)
	if err != nil {
		return err
	}
	a, err := s.core.Refuse(r.Context(), c.op, id, body.Reason)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, a)
	return nil
}
