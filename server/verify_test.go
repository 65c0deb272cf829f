package server_test

import (
	"bytes"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/pindesk/pindesk/model"
	"github.com/pindesk/pindesk/server"
)

// storm fires n wrong verifications at one holder at once, each on its own connection, and tallies
// the answers by outcome (or by status, for an answer that is not 200).
func storm(t *testing.T, e *env, n int, tokens []string) map[string]int {
	t.Helper()
	tr := &http.Transport{MaxIdleConnsPerHost: n, MaxConnsPerHost: 0}
	defer tr.CloseIdleConnections()
	hc := &http.Client{Transport: tr}
	body := []byte(`{"pin":"` + wrongPIN + `","channel":"phone"}`)
	var (
		mu    sync.Mutex
		tally = map[string]int{}
		wg    sync.WaitGroup
		ready sync.WaitGroup
		start = make(chan struct{})
	)
	for i := 0; i < n; i++ {
		wg.Add(1)
		ready.Add(1)
		go func(i int) {
			defer wg.Done()
			req, _ := http.NewRequest("POST", e.url+verifyPath(acct, ada), bytes.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Bearer "+tokens[i%len(tokens)])
			ready.Done()
			<-start
			resp, err := hc.Do(req)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				tally["error: "+err.Error()]++
				return
			}
			defer resp.Body.Close()
			if resp.StatusCode != 200 {
				if resp.StatusCode == 429 && resp.Header.Get("Retry-After") == "" {
					tally["429 without Retry-After"]++
				}
				tally[strconv.Itoa(resp.StatusCode)]++
				return
			}
			var res model.VerifyResult
			r := response{status: 200, body: readAll(resp)}
			r.decode(t, &res)
			tally[string(res.Outcome)]++
		}(i)
	}
	ready.Wait()
	close(start)
	wg.Wait()
	return tally
}

func readAll(resp *http.Response) []byte {
	var b bytes.Buffer
	b.ReadFrom(resp.Body)
	return b.Bytes()
}

// verifications counts the audit's verify events of ada by outcome.
func (e *env) verifications() map[string]int {
	e.t.Helper()
	out := map[string]int{}
	for _, ev := range e.auditEvents(acct) {
		if ev.Action == model.ActionVerify && ev.Holder == ada {
			out[ev.Outcome]++
		}
	}
	return out
}

// TestConcurrentWrongPINsOverHTTPLockAfterExactlySix releases 64 and then 256 wrong verifications
// against one holder together, several times each: exactly six are compared and counted, every
// other answer is locked, and the audit holds exactly what was answered.
func TestConcurrentWrongPINsOverHTTPLockAfterExactlySix(t *testing.T) {
	t.Parallel()
	reps := 3
	if testing.Short() {
		reps = 1
	}
	for _, n := range []int{64, 256} {
		for rep := 1; rep <= reps; rep++ {
			t.Run(fmt.Sprintf("%d at once, run %d", n, rep), func(t *testing.T) {
				e := newEnv(t, noLimits)
				tally := storm(t, e, n, []string{e.tokens[model.OpAgent], e.tokens[model.OpSupervisor]})
				if tally["mismatch"] != 6 || tally["locked"] != n-6 || len(tally) != 2 {
					t.Fatalf("answers %v, want 6 mismatch and %d locked", tally, n-6)
				}
				if h := e.holder(acct, ada); h.Failures != 6 || !h.Locked() {
					t.Fatalf("holder %+v, want 6 failures and locked", h)
				}
				if got := e.verifications(); got["mismatch"] != 6 || got["locked"] != n-6 {
					t.Fatalf("audit %v, want 6 mismatch and %d locked", got, n-6)
				}
			})
		}
	}
}

// TestConcurrentWrongPINsUnderTheDefaultLimitsAreCountedOrRefused fires the storm with the
// shipped rate limits: still exactly six mismatches; the rest are locked or 429, and a 429 is
// neither counted nor audited.
func TestConcurrentWrongPINsUnderTheDefaultLimitsAreCountedOrRefused(t *testing.T) {
	t.Parallel()
	e := newEnv(t, server.Config{})
	n := 64
	tally := storm(t, e, n, []string{e.tokens[model.OpAgent]})
	limited := tally["429"]
	if tally["mismatch"] != 6 || tally["locked"]+limited != n-6 || limited == 0 {
		t.Fatalf("answers %v, want 6 mismatch and the rest locked or 429 (some 429)", tally)
	}
	if limited != n-server.DefaultAccountVerifyLimit.Burst {
		t.Errorf("%d refused, want all but the account burst of %d", limited, server.DefaultAccountVerifyLimit.Burst)
	}
	audited := e.verifications()
	if audited["mismatch"] != 6 || audited["mismatch"]+audited["locked"] != n-limited {
		t.Fatalf("audit %v: want every answered attempt and no refused one", audited)
	}
	if h := e.holder(acct, ada); h.Failures != 6 {
		t.Fatalf("failures %d", h.Failures)
	}
}

func TestAVerifyRepeatedUnderItsIdempotencyKeyIsAnsweredOnceAndCountedOnce(t *testing.T) {
	t.Parallel()
	e := newEnv(t, noLimits)
	body := map[string]string{"pin": wrongPIN}
	first := e.call(model.OpAgent, "POST", verifyPath(acct, ada), body, "Idempotency-Key", "k-123")
	again := e.call(model.OpAgent, "POST", verifyPath(acct, ada), body, "Idempotency-Key", "k-123")
	var r1, r2 model.VerifyResult
	first.decode(t, &r1)
	again.decode(t, &r2)
	if first.status != 200 || again.status != 200 || r1.Replayed || !r2.Replayed || r1.Outcome != model.OutcomeMismatch || r2.AttemptsLeft != r1.AttemptsLeft {
		t.Fatalf("first %d %s, again %d %s; want a mismatch, then its replay", first.status, first.body, again.status, again.body)
	}
	if got := e.verifications(); got["mismatch"] != 2 || e.holder(acct, ada).Failures != 1 {
		t.Fatalf("audit %v, failures %d; want the mismatch and its replay, counted once", got, e.holder(acct, ada).Failures)
	}
	t.Run("the same key from another operator is another request", func(t *testing.T) {
		other := e.call(model.OpSupervisor, "POST", verifyPath(acct, ada), body, "Idempotency-Key", "k-123")
		var res model.VerifyResult
		other.decode(t, &res)
		if res.AttemptsLeft != 4 {
			t.Fatalf("attempts left %d, want 4: keys are per operator", res.AttemptsLeft)
		}
	})
	t.Run("the same key for another holder, or with another PIN, is refused and compares nothing", func(t *testing.T) {
		before := e.auditCount("")
		for _, r := range []response{
			e.call(model.OpAgent, "POST", verifyPath(acct, bob), body, "Idempotency-Key", "k-123"),
			e.call(model.OpAgent, "POST", verifyPath(acct, ada), map[string]string{"pin": adaPIN}, "Idempotency-Key", "k-123"),
		} {
			if r.status != 422 || r.problem(t).Code != "idempotency_mismatch" {
				t.Fatalf("%d %s; want 422 idempotency_mismatch", r.status, r.body)
			}
		}
		if n := e.auditCount(""); n != before || e.holder(acct, bob).Failures != 0 {
			t.Fatalf("a refused key wrote %d events or counted for bob: %+v", n-before, e.holder(acct, bob))
		}
	})
}

func TestAnIdempotencyKeyBelongsToItsTokenNotToItsName(t *testing.T) {
	t.Parallel()
	e := newEnv(t, noLimits)
	desk1, desk2 := e.issue("front desk", model.OpAgent), e.issue("front desk", model.OpAgent)
	r := e.callToken(desk1, "POST", verifyPath(acct, ada), map[string]string{"pin": adaPIN}, "Idempotency-Key", "call-1")
	if r.status != 200 {
		t.Fatalf("%d %s", r.status, r.body)
	}
	r = e.callToken(desk2, "POST", verifyPath(acct, ada), map[string]string{"pin": wrongPIN}, "Idempotency-Key", "call-1")
	var res model.VerifyResult
	r.decode(t, &res)
	if r.status != 200 || res.Outcome != model.OutcomeMismatch || res.Replayed || res.AttemptsLeft != 5 {
		t.Fatalf("the other token's attempt under the same key answered %d %s; want its own, counted mismatch", r.status, r.body)
	}
}

func TestAReplayIsNotChargedToTheRateLimits(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		limit string
		cfg   server.Config
	}{
		{"token", server.Config{TokenVerifyLimit: server.Limit{PerSecond: 0.01, Burst: 2}, AccountVerifyLimit: server.Limit{PerSecond: -1}}},
		{"account", server.Config{TokenVerifyLimit: server.Limit{PerSecond: -1}, AccountVerifyLimit: server.Limit{PerSecond: 0.01, Burst: 2}}},
	} {
		t.Run(c.limit, func(t *testing.T) {
			e := newEnv(t, c.cfg)
			body := map[string]string{"pin": wrongPIN}
			for i := 0; i < 5; i++ { // the first attempt, then four retries of it
				if r := e.call(model.OpAgent, "POST", verifyPath(acct, ada), body, "Idempotency-Key", "call-1"); r.status != 200 {
					t.Fatalf("send %d of one attempt: %d %s", i+1, r.status, r.body)
				}
			}
			if r := e.call(model.OpAgent, "POST", verifyPath(acct, ada), body, "Idempotency-Key", "call-2"); r.status != 200 {
				t.Fatalf("the second attempt, within a burst of 2: %d %s", r.status, r.body)
			}
			if r := e.call(model.OpAgent, "POST", verifyPath(acct, ada), body, "Idempotency-Key", "call-3"); r.status != 429 {
				t.Fatalf("the third attempt: %d %s; want 429 from the %s limit", r.status, r.body, c.limit)
			}
		})
	}
}

func TestRateLimits(t *testing.T) {
	t.Parallel()
	ok := func(t *testing.T, r response) {
		t.Helper()
		if r.status != 200 {
			t.Fatalf("status %d: %s", r.status, r.body)
		}
	}
	limited := func(t *testing.T, r response, limit string) {
		t.Helper()
		if r.status != 429 {
			t.Fatalf("status %d, want 429: %s", r.status, r.body)
		}
		p := r.problem(t)
		secs, err := strconv.Atoi(r.header.Get("Retry-After"))
		if p.Code != "rate_limited" || err != nil || secs < 1 || p.RetryAfter != secs || !strings.Contains(p.Detail, limit) {
			t.Fatalf("problem %+v, Retry-After %q; want rate_limited by the %s with a wait", p, r.header.Get("Retry-After"), limit)
		}
	}
	body := map[string]string{"pin": wrongPIN}
	t.Run("one token past its burst is refused, and the refused attempt is not counted", func(t *testing.T) {
		e := newEnv(t, server.Config{TokenVerifyLimit: server.Limit{PerSecond: 0.01, Burst: 3}, AccountVerifyLimit: server.Limit{PerSecond: -1}})
		for i := 0; i < 3; i++ {
			ok(t, e.call(model.OpAgent, "POST", verifyPath(acct, ada), body))
		}
		limited(t, e.call(model.OpAgent, "POST", verifyPath(acct, bob), body), "token")
		if h := e.holder(acct, bob); h.Failures != 0 {
			t.Fatalf("a refused attempt counted: %+v", h)
		}
		if got := e.verifications(); got["mismatch"] != 3 {
			t.Fatalf("audit %v", got)
		}
		t.Run("another token is not held back by it", func(t *testing.T) {
			ok(t, e.call(model.OpSupervisor, "POST", verifyPath(acct, bob), body))
		})
	})
	t.Run("one account past its burst is refused to every token, other accounts are not", func(t *testing.T) {
		e := newEnv(t, server.Config{TokenVerifyLimit: server.Limit{PerSecond: -1}, AccountVerifyLimit: server.Limit{PerSecond: 0.01, Burst: 2}})
		ok(t, e.call(model.OpAgent, "POST", verifyPath(acct, ada), body))
		ok(t, e.call(model.OpSupervisor, "POST", verifyPath(acct, bob), body))
		limited(t, e.call(model.OpTrainer, "POST", verifyPath(acct, ada), body), "account")
		ok(t, e.call(model.OpTrainer, "POST", verifyPath(resetAcct, "c-eve"), body))
	})
	t.Run("an attempt one limit refuses costs nothing under the other", func(t *testing.T) {
		e := newEnv(t, server.Config{TokenVerifyLimit: server.Limit{PerSecond: 0.01, Burst: 1}, AccountVerifyLimit: server.Limit{PerSecond: 0.01, Burst: 2}})
		ok(t, e.call(model.OpAgent, "POST", verifyPath(acct, ada), body))               // account: 1 left
		limited(t, e.call(model.OpAgent, "POST", verifyPath(acct, ada), body), "token") // must not spend it
		ok(t, e.call(model.OpSupervisor, "POST", verifyPath(acct, ada), body))          // account: 0 left
		limited(t, e.call(model.OpTrainer, "POST", verifyPath(acct, ada), body), "account")
	})
	t.Run("a role that may not verify spends no budget", func(t *testing.T) {
		e := newEnv(t, server.Config{TokenVerifyLimit: server.Limit{PerSecond: -1}, AccountVerifyLimit: server.Limit{PerSecond: 0.01, Burst: 1}})
		for i := 0; i < 3; i++ {
			if r := e.call(model.OpPortal, "POST", verifyPath(acct, ada), body); r.status != 403 {
				t.Fatalf("portal verify: %d", r.status)
			}
		}
		ok(t, e.call(model.OpAgent, "POST", verifyPath(acct, ada), body))
	})
}
