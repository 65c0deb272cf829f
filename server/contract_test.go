package server_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/pindesk/pindesk/api"
	"github.com/pindesk/pindesk/model"
)

// TestTheServerServesEveryRouteOfTheContract: what the mux registers is exactly api.Routes, and a
// request on each reaches a handler (whatever the handler then says of made-up ids), never the
// server's "no such route" or "method not allowed".
func TestTheServerServesEveryRouteOfTheContract(t *testing.T) {
	t.Parallel()
	e := newEnv(t, noLimits)
	var want []string
	for _, r := range api.Routes() {
		want = append(want, string(r))
	}
	served := e.srv.Routes()
	slices.Sort(want)
	slices.Sort(served)
	if !slices.Equal(served, want) {
		t.Fatalf("served\n  %v\nthe contract\n  %v", served, want)
	}
	for _, route := range api.Routes() {
		args := make([]string, strings.Count(route.Path(), "{"))
		for i := range args {
			args[i] = "x"
		}
		r := e.call(model.OpAdmin, route.Method(), route.URL(args...), nil)
		if r.status == 404 || r.status == 405 {
			if p := r.problem(t); p.Code == api.CodeNotFound || p.Code == api.CodeMethodNotAllowed {
				t.Errorf("%s: %d %s", route, r.status, p.Code)
			}
		}
	}
}
