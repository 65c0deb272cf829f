package api_test

import (
	"strings"
	"testing"

	"github.com/pindesk/pindesk/api"
)

func TestARouteIsAMethodAndAPath(t *testing.T) {
	if m, p := api.Verify.Method(), api.Verify.Path(); m != "POST" || p != "/v1/accounts/{account}/holders/{holder}/verify" {
		t.Fatalf("%q %q", m, p)
	}
	for _, r := range api.Routes() {
		if r.Method()+" "+r.Path() != string(r) || !strings.HasPrefix(r.Path(), "/") {
			t.Errorf("%q does not split into a method and a path", r)
		}
	}
}

func TestURLFillsEachWildcardWithOneEscapedSegment(t *testing.T) {
	cases := []struct {
		name  string
		route api.Route
		args  []string
		want  string
	}{
		{"a route without wildcards is its path", api.Me, nil, "/v1/me"},
		{"wildcards are filled in order", api.Generate, []string{"a-1", "c-2", "master"}, "/v1/accounts/a-1/holders/c-2/pins/master/generate"},
		{"a slash stays inside its segment", api.Account, []string{"a/../../v1/tokens"}, "/v1/accounts/a%2F..%2F..%2Fv1%2Ftokens"},
		{"a question mark does not start a query", api.Account, []string{"a?x=1"}, "/v1/accounts/a%3Fx=1"},
		{"a hash does not start a fragment", api.RevokeToken, []string{"tok#1"}, "/v1/tokens/tok%231"},
		{"a space and a percent are escaped", api.Verify, []string{"a 1", "100%"}, "/v1/accounts/a%201/holders/100%25/verify"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := c.route.URL(c.args...); got != c.want {
				t.Fatalf("%s.URL(%q) = %q, want %q", c.route, c.args, got, c.want)
			}
		})
	}
}

func TestURLRefusesTheWrongNumberOfArguments(t *testing.T) {
	for _, c := range []struct {
		route api.Route
		args  []string
	}{
		{api.Verify, []string{"a-1"}},
		{api.Account, []string{"a-1", "extra"}},
		{api.Me, []string{"a-1"}},
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s.URL(%q) did not panic", c.route, c.args)
				}
			}()
			_ = c.route.URL(c.args...)
		}()
	}
}

func TestLoopbackIsOnlyThisMachine(t *testing.T) {
	for host, want := range map[string]bool{
		"localhost": true, "127.0.0.1": true, "127.1.2.3": true, "::1": true,
		"": false, "0.0.0.0": false, "::": false, "192.168.1.10": false, "pindesk.example": false,
		"localhost.example": false, "[::1]": false,
	} {
		if got := api.Loopback(host); got != want {
			t.Errorf("Loopback(%q) = %v, want %v", host, got, want)
		}
	}
}
