package client

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"

	"github.com/go-resty/resty/v2"

	"github.com/pindesk/pindesk/api"
	"github.com/pindesk/pindesk/model"
)

// Approvals is implemented by a backend that offers dual control (Local, Remote): the app shows
// its approvals screen only when its backend does. Unlock and ResetAccount of every backend
// return *model.ApprovalRequiredError when the action waits for a second person.
type Approvals interface {
	// ListApprovals returns the pending approval requests, oldest first.
	ListApprovals(ctx context.Context) ([]model.Approval, error)
	// Approve approves another operator's request, which performs its unlock or reset.
	Approve(ctx context.Context, id int64) (model.ApprovalResult, error)
	// Refuse refuses another operator's request, with a reason.
	Refuse(ctx context.Context, id int64, reason string) (model.Approval, error)
}

var (
	_ Approvals = (*Local)(nil)
	_ Approvals = (*Remote)(nil)
)

func (l *Local) ListApprovals(ctx context.Context) ([]model.Approval, error) {
	return l.svc.ListApprovals(ctx, l.op)
}

func (l *Local) Approve(ctx context.Context, id int64) (model.ApprovalResult, error) {
	return l.svc.Approve(ctx, l.op, id)
}

func (l *Local) Refuse(ctx context.Context, id int64, reason string) (model.Approval, error) {
	return l.svc.Refuse(ctx, l.op, id, reason)
}

func (r *Remote) ListApprovals(ctx context.Context) ([]model.Approval, error) {
	var out api.ApprovalList
	if err := r.call(ctx, r.req(ctx).SetResult(&out), api.ListApprovals); err != nil {
		return nil, err
	}
	if out.Approvals == nil {
		out.Approvals = []model.Approval{}
	}
	return out.Approvals, nil
}

func (r *Remote) Approve(ctx context.Context, id int64) (model.ApprovalResult, error) {
	var out model.ApprovalResult
	if err := r.call(ctx, r.req(ctx).SetResult(&out), api.Approve, strconv.FormatInt(id, 10)); err != nil {
		return model.ApprovalResult{}, err
	}
	return out, nil
}

func (r *Remote) Refuse(ctx context.Context, id int64, reason string) (model.Approval, error) {
	var out model.Approval
	req := r.req(ctx).SetResult(&out).SetBody(api.ReasonRequest{Reason: reason})
	if err := r.call(ctx, req, api.Refuse, strconv.FormatInt(id, 10)); err != nil {
		return model.Approval{}, err
	}
	return out, nil
}

// callOrPending is call for a route that may answer 202 Accepted with an approval request opened
// instead of the action (Unlock, Reset): that answer is returned as *model.ApprovalRequiredError,
// the error Local returns, so the app tells it apart the same way on both.
func (r *Remote) callOrPending(ctx context.Context, req *resty.Request, route api.Route, args ...string) error {
	resp, err := r.doResp(ctx, req, route.Method(), route.URL(args...))
	if err != nil {
		return err
	}
	return pendingFrom(resp.StatusCode(), resp.Body())
}

// pendingFrom is the approval request a 202 answer carries.
func pendingFrom(status int, body []byte) error {
	if status != http.StatusAccepted {
		return nil
	}
	var p api.ApprovalRequired
	if err := json.Unmarshal(body, &p); err != nil {
		return fmt.Errorf("%w: the server's answer to a request that waits for approval is not JSON: %v", model.ErrUnavailable, err)
	}
	return &model.ApprovalRequiredError{Request: p.Approval, Existing: p.Existing}
}
