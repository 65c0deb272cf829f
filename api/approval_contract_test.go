package api_test

import (
	"reflect"
	"testing"

	"github.com/pindesk/pindesk/api"
)

// An unlock or reset that needs a second person answers 202 Accepted with the request it opened:
// the document says so, with the fields of api.ApprovalRequired.
func TestUnlockAndResetDocumentTheirApprovalAnswer(t *testing.T) {
	doc := readDocument(t)
	ops := doc.operations()
	for _, route := range []api.Route{api.Unlock, api.Reset} {
		r, ok := ops[route].Responses["202"]
		if !ok || r.Content["application/json"].Schema == nil {
			t.Errorf("%s: the document has no 202 answer with a JSON body", route)
			continue
		}
		compare(t, doc, route.Path()+" 202 answer", reflect.TypeOf(api.ApprovalRequired{}), r.Content["application/json"].Schema)
	}
}
