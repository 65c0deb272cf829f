package api_test

import (
	"encoding/json"
	"fmt"
	"os"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/pindesk/pindesk/api"
	"github.com/pindesk/pindesk/model"
)

// The OpenAPI document is the contract as others read it; these tests fail when it and this
// package disagree on a route, a problem code or a body's fields.

type document struct {
	Paths      map[string]map[string]json.RawMessage `json:"paths"`
	Components struct {
		Schemas map[string]*schema `json:"schemas"`
	} `json:"components"`
}

type schema struct {
	Ref        string             `json:"$ref"`
	Type       any                `json:"type"`
	Properties map[string]*schema `json:"properties"`
	Required   []string           `json:"required"`
	Items      *schema            `json:"items"`
	Enum       []any              `json:"enum"`
	OneOf      []*schema          `json:"oneOf"`
	AnyOf      []*schema          `json:"anyOf"`
}

type operation struct {
	RequestBody *struct {
		Content map[string]struct {
			Schema *schema `json:"schema"`
		} `json:"content"`
	} `json:"requestBody"`
	Responses map[string]struct {
		Content map[string]struct {
			Schema *schema `json:"schema"`
		} `json:"content"`
	} `json:"responses"`
}

func readDocument(t *testing.T) *document {
	t.Helper()
	data, err := os.ReadFile("../server/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc document
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	return &doc
}

// operations lists the document's operations as routes ("METHOD /path").
func (d *document) operations() map[api.Route]operation {
	ops := map[api.Route]operation{}
	for path, item := range d.Paths {
		for method, raw := range item {
			switch method {
			case "get", "put", "post", "delete", "patch", "head", "options", "trace":
			default:
				continue // parameters, summary, ...
			}
			var op operation
			_ = json.Unmarshal(raw, &op)
			ops[api.Route(strings.ToUpper(method)+" "+path)] = op
		}
	}
	return ops
}

func TestEveryRouteOfTheContractIsDocumentedAndEveryDocumentedRouteIsInTheContract(t *testing.T) {
	documented := readDocument(t).operations()
	routes := map[api.Route]bool{}
	for _, r := range api.Routes() {
		if routes[r] {
			t.Errorf("%s is listed twice in api.Routes", r)
		}
		routes[r] = true
		if _, ok := documented[r]; !ok {
			t.Errorf("%s is in the contract but not in the OpenAPI document", r)
		}
	}
	for r := range documented {
		if !routes[r] {
			t.Errorf("%s is in the OpenAPI document but not in api.Routes", r)
		}
	}
}

func TestTheDocumentsProblemCodesAreExactlyTheContracts(t *testing.T) {
	doc := readDocument(t)
	problem := doc.Components.Schemas["Problem"]
	if problem == nil || problem.Properties["code"] == nil {
		t.Fatal("the document has no Problem schema with a code")
	}
	var documented []string
	for _, c := range problem.Properties["code"].Enum {
		documented = append(documented, fmt.Sprint(c))
	}
	var contract []string
	for _, c := range api.ErrorCodes() {
		contract = append(contract, c.Code)
	}
	sort.Strings(documented)
	sort.Strings(contract)
	if !slices.Equal(documented, contract) {
		t.Fatalf("the document's codes\n  %v\nthe contract's codes\n  %v", documented, contract)
	}
}

// bodies names the Go type of each route's request body and success answer (nil: none, or not
// JSON). Every route must be here, so a new route is held to the document too.
var bodies = map[api.Route]struct{ request, response any }{
	api.Me:           {nil, model.Operator{}},
	api.Policy:       {nil, model.Policy{}},
	api.Time:         {nil, api.TimeResponse{}},
	api.Search:       {nil, model.SearchResult{}},
	api.Account:      {nil, model.AccountView{}},
	api.Verify:       {api.VerifyRequest{}, model.VerifyResult{}},
	api.VerifyCaller: {api.CallerVerifyRequest{}, model.VerifyResult{}},
	api.Generate:     {api.ChangeRequest{}, model.GeneratedPIN{}},
	api.SetPIN:       {api.SetRequest{}, model.PINState{}},
	api.ClearPIN:     {nil, nil},
	api.ReadPIN:      {api.ChangeRequest{}, api.PINResponse{}},
	api.Unlock:       {api.ReasonRequest{}, nil},
	api.Reset:        {api.ReasonRequest{}, model.ResetResult{}},
	api.Dispute:      {api.DisputeRequest{}, model.DisputeResult{}},
	api.ClearDispute: {api.ReasonRequest{}, nil},
	api.SendCode:     {api.CodeRequest{}, model.CodeSent{}},
	api.Alerts:       {nil, api.AlertsResponse{}},
	api.ClearAlert:   {api.ReasonRequest{}, nil},
	api.Audit:        {nil, api.AuditResponse{}},
	api.ExportAudit:  {nil, nil}, // JSON lines of model.AuditEvent
	api.AuditChain:   {nil, model.AuditChainState{}},
	api.Import:       {api.ImportRequest{}, api.ImportResponse{}},
	api.ListTokens:   {nil, api.TokenList{}},
	api.CreateToken:  {api.TokenRequest{}, api.NewToken{}},
	api.RevokeToken:  {nil, nil},
	api.Board:        {nil, model.Board{}},
	api.Healthz:      {nil, map[string]string{}},
	api.Readyz:       {nil, map[string]string{}},
	api.Metrics:      {nil, nil},
	api.OpenAPI:      {nil, nil},
	// Dual control. Unlock and Reset also answer 202 with api.ApprovalRequired (see
	// TestUnlockAndResetDocumentTheirApprovalAnswer).
	api.ListApprovals: {nil, api.ApprovalList{}},
	api.GetApproval:   {nil, model.Approval{}},
	api.Approve:       {nil, model.ApprovalResult{}},
	api.Refuse:        {api.ReasonRequest{}, model.Approval{}},
}

// TestEveryBodyHasTheDocumentedFields holds each route's request and success bodies to their
// schemas, field by field, down through every nested object: the JSON names of the Go type (as
// encoding/json derives them from struct tags) are the schema's properties, and the fields sent
// even when empty (no omitempty) are the ones it requires. The Problem answer is held to its
// schema the same way.
func TestEveryBodyHasTheDocumentedFields(t *testing.T) {
	doc := readDocument(t)
	ops := doc.operations()
	for _, route := range api.Routes() {
		b, ok := bodies[route]
		if !ok {
			t.Errorf("%s: no entry in this test's bodies table", route)
			continue
		}
		op := ops[route]
		if b.request != nil {
			if op.RequestBody == nil || op.RequestBody.Content["application/json"].Schema == nil {
				t.Errorf("%s: the document has no JSON request body for %T", route, b.request)
			} else {
				compare(t, doc, route.Path()+" request", reflect.TypeOf(b.request), op.RequestBody.Content["application/json"].Schema)
			}
		} else if op.RequestBody != nil {
			t.Errorf("%s: the document has a request body the contract has not", route)
		}
		if b.response != nil {
			s := successSchema(op)
			if s == nil {
				t.Errorf("%s: the document has no JSON success answer for %T", route, b.response)
			} else {
				compare(t, doc, route.Path()+" answer", reflect.TypeOf(b.response), s)
			}
		}
	}
	compare(t, doc, "Problem", reflect.TypeOf(api.Problem{}), &schema{Ref: "#/components/schemas/Problem"})
}

// successSchema is the schema of the operation's first success answer with a JSON body, by
// status (a 200 before the 202 of a request that waits for approval).
func successSchema(op operation) *schema {
	var statuses []string
	for status := range op.Responses {
		statuses = append(statuses, status)
	}
	sort.Strings(statuses)
	// A 202 is the success answer only of a route that has no other (a code on its way); beside
	// a 200 it is a request waiting for approval.
	var accepted *schema
	for _, status := range statuses {
		if strings.HasPrefix(status, "2") {
			if c, ok := op.Responses[status].Content["application/json"]; ok {
				if status != "202" {
					return c.Schema
				}
				accepted = c.Schema
			}
		}
	}
	return accepted
}

// compare checks the Go type t against the schema s, naming what differs after where.
func compare(t *testing.T, doc *document, where string, typ reflect.Type, s *schema) {
	t.Helper()
	for typ.Kind() == reflect.Pointer {
		typ = typ.Elem()
	}
	s = resolve(doc, s)
	if s == nil {
		t.Errorf("%s: the document's schema is missing", where)
		return
	}
	switch {
	case typ == reflect.TypeOf(time.Time{}):
		return // a date-time string
	case typ.Kind() == reflect.Slice && typ.Elem().Kind() != reflect.Uint8:
		if s.Items == nil {
			t.Errorf("%s: %s is a list, the document's schema is not an array", where, typ)
			return
		}
		compare(t, doc, where+"[]", typ.Elem(), s.Items)
		return
	case typ.Kind() != reflect.Struct:
		return // scalars and maps: the validator in server/ checks their values
	}
	fields := jsonFields(typ)
	var names, wantRequired []string
	for name, omitempty := range fields {
		names = append(names, name)
		if !omitempty {
			wantRequired = append(wantRequired, name)
		}
	}
	var props []string
	for name := range s.Properties {
		props = append(props, name)
	}
	sort.Strings(names)
	sort.Strings(props)
	sort.Strings(wantRequired)
	required := slices.Clone(s.Required)
	sort.Strings(required)
	if !slices.Equal(names, props) {
		t.Errorf("%s: %s has the JSON fields\n  %v\nthe document's schema the properties\n  %v", where, typ, names, props)
		return
	}
	if !slices.Equal(wantRequired, required) {
		t.Errorf("%s: %s always sends (no omitempty)\n  %v\nthe document's schema requires\n  %v", where, typ, wantRequired, required)
	}
	for i := 0; i < typ.NumField(); i++ {
		compareField(t, doc, where, typ.Field(i), s)
	}
}

func compareField(t *testing.T, doc *document, where string, f reflect.StructField, s *schema) {
	t.Helper()
	name, _, skip := jsonName(f)
	switch {
	case skip:
	case f.Anonymous && name == "":
		// Embedded: its fields are the parent's.
		typ := f.Type
		for typ.Kind() == reflect.Pointer {
			typ = typ.Elem()
		}
		for i := 0; i < typ.NumField(); i++ {
			compareField(t, doc, where, typ.Field(i), s)
		}
	default:
		compare(t, doc, where+"."+name, f.Type, s.Properties[name])
	}
}

// resolve follows $ref, and a oneOf/anyOf that only adds null.
func resolve(doc *document, s *schema) *schema {
	for s != nil {
		switch {
		case s.Ref != "":
			s = doc.Components.Schemas[strings.TrimPrefix(s.Ref, "#/components/schemas/")]
		case len(s.Properties) == 0 && s.Items == nil && len(s.OneOf)+len(s.AnyOf) > 0:
			var next *schema
			for _, alt := range append(slices.Clone(s.OneOf), s.AnyOf...) {
				if alt.Type != "null" {
					next = alt
				}
			}
			s = next
			if s == nil {
				return nil
			}
		default:
			return s
		}
	}
	return nil
}

// jsonFields is the JSON object encoding/json makes of the struct type: each name, and whether
// the field is left out when empty.
func jsonFields(typ reflect.Type) map[string]bool {
	out := map[string]bool{}
	for i := 0; i < typ.NumField(); i++ {
		f := typ.Field(i)
		name, omitempty, skip := jsonName(f)
		switch {
		case skip:
		case f.Anonymous && name == "":
			et := f.Type
			for et.Kind() == reflect.Pointer {
				et = et.Elem()
			}
			for n, o := range jsonFields(et) {
				out[n] = o
			}
		default:
			out[name] = omitempty
		}
	}
	return out
}

// jsonName reads a field's tag. name is empty for an embedded struct without a name of its own.
func jsonName(f reflect.StructField) (name string, omitempty, skip bool) {
	tag := f.Tag.Get("json")
	if tag == "-" || (!f.IsExported() && !f.Anonymous) {
		return "", false, true
	}
	name, opts, _ := strings.Cut(tag, ",")
	omitempty = slices.Contains(strings.Split(opts, ","), "omitempty") || slices.Contains(strings.Split(opts, ","), "omitzero")
	if name == "" && !(f.Anonymous && f.Type.Kind() == reflect.Struct) {
		name = f.Name
	}
	return name, omitempty, false
}
