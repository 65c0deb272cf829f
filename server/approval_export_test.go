package server

import (
	"github.com/pindesk/pindesk/api"
	"github.com/pindesk/pindesk/model"
)

// The dual-control schemas join the document's tables (export_test.go).
func init() {
	SchemaTypes["Approval"] = model.Approval{}
	SchemaTypes["ApprovalRequired"] = api.ApprovalRequired{}
	SchemaTypes["ApprovalList"] = api.ApprovalList{}
	SchemaTypes["ApprovalResult"] = model.ApprovalResult{}
	for _, name := range []string{"Approval", "ApprovalRequired", "ApprovalList", "ApprovalResult"} {
		ResponseSchemas[name] = true
	}
}
