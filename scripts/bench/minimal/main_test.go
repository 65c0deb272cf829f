package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// The ceiling must answer the benchmark's request like a successful verification, and refuse a
// wrong body, so a broken load script shows as non-2xx here as it would against pindesk.
func TestMinimalHandler(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(handle))
	defer srv.Close()
	for _, tc := range []struct {
		name, body string
		status     int
	}{
		{"answers a verification body 200 verified", `{"pin":"482915","channel":"phone"}`, http.StatusOK},
		{"refuses a body without a pin", `{"channel":"phone"}`, http.StatusBadRequest},
		{"refuses a body that is not JSON", `pin=482915`, http.StatusBadRequest},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, err := http.Post(srv.URL+"/v1/accounts/a/holders/c-1/verify", "application/json", strings.NewReader(tc.body))
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d", resp.StatusCode, tc.status)
			}
			if tc.status == http.StatusOK {
				var a answer
				if err := json.NewDecoder(resp.Body).Decode(&a); err != nil || a.Outcome != "verified" {
					t.Fatalf("answer %+v, %v; want outcome verified", a, err)
				}
			}
		})
	}
}
