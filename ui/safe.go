package ui

import (
	"github.com/pindesk/pindesk/internal/termsafe"
	"github.com/pindesk/pindesk/model"
)

// Every text the backend returns is stored data that reached pindesk from an import or an API
// caller; a terminal would run an ESC sequence in it (an account name that paints a green
// "✓ VERIFIED" into the header) or reverse it with a bidi override. So each answer is made
// terminal-safe once, as it arrives (backendCmds), and every view lays out only safe text. Ids are
// left as they are, because the app sends them back; a view that shows an id escapes it itself
// (holderName, whoLabel). Error details are escaped where they become sentences (errors.go).

var safe = termsafe.String

func safeAccount(a model.Account) model.Account {
	a.Number, a.Name, a.Product = safe(a.Number), safe(a.Name), safe(a.Product)
	contacts := make([]model.Contact, len(a.Contacts))
	for i, c := range a.Contacts {
		c.Name, c.Email, c.Phone, c.Role = safe(c.Name), safe(c.Email), safe(c.Phone), model.ContactRole(safe(string(c.Role)))
		contacts[i] = c
	}
	if a.Contacts != nil {
		a.Contacts = contacts
	}
	return a
}

func safeView(v model.AccountView) model.AccountView {
	v.Account = safeAccount(v.Account)
	return v
}

func safeSearch(r model.SearchResult) model.SearchResult {
	out := make([]model.AccountSummary, len(r.Accounts))
	for i, s := range r.Accounts {
		s.Number, s.Name, s.Product, s.MatchedOn, s.MatchedText = safe(s.Number), safe(s.Name), safe(s.Product), safe(s.MatchedOn), safe(s.MatchedText)
		out[i] = s
	}
	if r.Accounts != nil {
		r.Accounts = out
	}
	return r
}

func safeEvents(events []model.AuditEvent) []model.AuditEvent {
	if events == nil {
		return nil
	}
	out := make([]model.AuditEvent, len(events))
	for i, e := range events {
		e.Operator, e.Reason, e.Outcome = safe(e.Operator), safe(e.Reason), safe(e.Outcome)
		e.Role, e.Channel = model.OperatorRole(safe(string(e.Role))), model.Channel(safe(string(e.Channel)))
		e.Action, e.Kind = model.Action(safe(string(e.Action))), model.Kind(safe(string(e.Kind)))
		out[i] = e
	}
	return out
}
