package main

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pindesk/pindesk/core"
	"github.com/pindesk/pindesk/internal/apitest"
	"github.com/pindesk/pindesk/model"
	"github.com/pindesk/pindesk/server"
	"github.com/pindesk/pindesk/store/secret"
	"github.com/pindesk/pindesk/store/sqlite"
)

// TestSeveralServersShareTheLoadAndTheFirstIsSetUpOnce runs the load command against two servers
// of one database: every server must receive verifications, and the admin setup (import and PIN
// generation) must go through the first only, once.
func TestSeveralServersShareTheLoadAndTheFirstIsSetUpOnce(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "pindesk.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	sealer, err := secret.New(bytes.Repeat([]byte{9}, secret.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	svc, err := core.New(st, sealer)
	if err != nil {
		t.Fatal(err)
	}
	// Every request the load command sends, and every answer, is checked against the OpenAPI document.
	api := apitest.MustLoad(server.OpenAPI).Middleware(t,
		server.New(svc, st, server.Config{TokenVerifyLimit: server.Limit{PerSecond: -1}, AccountVerifyLimit: server.Limit{PerSecond: -1}}))
	var mu sync.Mutex
	seen := [2]map[string]int{{}, {}} // requests each server answered, by "METHOD /last-segment"
	var urls []string
	for i := range seen {
		ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			seen[i][r.Method+" "+r.URL.Path[strings.LastIndex(r.URL.Path, "/"):]]++
			mu.Unlock()
			api.ServeHTTP(w, r)
		}))
		t.Cleanup(ts.Close)
		urls = append(urls, ts.URL)
	}
	dir := t.TempDir()
	tokenFile := func(role model.OperatorRole) string {
		tok, _, err := server.IssueToken(ctx, st, model.Operator{Name: "load-" + string(role), Role: role}, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(dir, string(role)+".tok")
		if err := os.WriteFile(p, []byte(tok+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	o := options{server: urls[0] + ", " + urls[1], tokenFile: tokenFile(model.OpAgent), adminTokenFile: tokenFile(model.OpAdmin),
		accounts: 4, concurrency: 4, duration: 300 * time.Millisecond}
	var out bytes.Buffer
	if err := run(ctx, o, &out); err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "driving "+urls[0]+" and "+urls[1]) {
		t.Errorf("the report does not name both servers:\n%s", out.String())
	}
	for i, s := range seen {
		if s["POST /verify"] == 0 {
			t.Errorf("server %d received no verification: %v", i, s)
		}
	}
	// Each PIN is set (PUT …/pins/master): the API returns a generated PIN to the portal only.
	if seen[0]["POST /import"] != 1 || seen[0]["PUT /master"] != o.accounts {
		t.Errorf("the first server's setup requests %v, want one import and %d PINs set", seen[0], o.accounts)
	}
	if seen[1]["POST /import"] != 0 || seen[1]["PUT /master"] != 0 {
		t.Errorf("the second server was set up too: %v", seen[1])
	}
}

func TestServerListSplitsOnCommasAndDropsBlanks(t *testing.T) {
	cases := []struct {
		name, in string
		want     []string
	}{
		{"one server is a list of one", "http://a:1", []string{"http://a:1"}},
		{"commas separate servers, spaces around them are ignored", "http://a:1, http://b:2 ,http://c:3", []string{"http://a:1", "http://b:2", "http://c:3"}},
		{"blank entries are dropped", ",http://a:1,,", []string{"http://a:1"}},
		{"nothing but commas is no server", " , ", nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := serverList(c.in)
			if strings.Join(got, "|") != strings.Join(c.want, "|") || len(got) != len(c.want) {
				t.Fatalf("serverList(%q) = %q, want %q", c.in, got, c.want)
			}
		})
	}
}
