package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/pindesk/pindesk/model"
	"github.com/pindesk/pindesk/store"
)

func runAudit(t *testing.T, newStore func(t *testing.T) store.Store) {
	// seed audits five attempts an hour apart: Smith at 0h, 2h, 3h; Acme at 1h, 4h. The fixture's
	// import at 0h comes before them (e.setup).
	seed := func(t *testing.T) (*env, []int64) {
		e := newEnv(t, newStore)
		var ids []int64
		for _, acct := range []string{Smith, Acme, Smith, Smith, Acme} {
			h := ref(acct, John)
			if acct == Acme {
				h = ref(acct, Wile)
			}
			e.mustVerify(h, "482915", model.OutcomeNoPIN)
			ids = append(ids, e.lastAuditID())
			e.clock.Advance(time.Hour)
		}
		return e, ids
	}
	ids := func(evs []model.AuditEvent) []int64 {
		out := []int64{}
		for _, ev := range evs {
			out = append(out, ev.ID)
		}
		return out
	}

	t.Run("audit queries select by account and half-open time range, newest first", func(t *testing.T) {
		e, id := seed(t)
		at := func(h int) time.Time { return Start.Add(time.Duration(h) * time.Hour) }
		tests := []struct {
			name string
			q    model.AuditQuery
			want []int64
		}{
			{"every event, newest first", model.AuditQuery{}, []int64{id[4], id[3], id[2], id[1], id[0], e.setup}},
			{"one account's events", model.AuditQuery{AccountID: Smith}, []int64{id[3], id[2], id[0]}},
			{"the other account's events", model.AuditQuery{AccountID: Acme}, []int64{id[4], id[1]}},
			{"since is inclusive and until exclusive", model.AuditQuery{Since: at(1), Until: at(3)}, []int64{id[2], id[1]}},
			{"an account within a range", model.AuditQuery{AccountID: Smith, Since: at(2)}, []int64{id[3], id[2]}},
			{"until alone", model.AuditQuery{Until: at(1)}, []int64{id[0], e.setup}},
			{"a range holding nothing", model.AuditQuery{Since: at(10)}, []int64{}},
			{"a limit keeps the newest", model.AuditQuery{Limit: 2}, []int64{id[4], id[3]}},
			{"before an id pages back", model.AuditQuery{Limit: 2, BeforeID: id[3]}, []int64{id[2], id[1]}},
			{"an account paged back", model.AuditQuery{AccountID: Smith, BeforeID: id[2]}, []int64{id[0]}},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				evs, err := e.svc.Audit(e.ctx, Supervisor, tc.q)
				if err != nil {
					t.Fatal(err)
				}
				if fmt.Sprint(ids(evs)) != fmt.Sprint(tc.want) {
					t.Fatalf("events %v, want %v", ids(evs), tc.want)
				}
				for _, ev := range evs {
					if tc.q.AccountID != "" && ev.AccountID != tc.q.AccountID {
						t.Fatalf("event of account %s in a query for %s", ev.AccountID, tc.q.AccountID)
					}
				}
			})
		}
	})

	t.Run("paging with BeforeID visits every event once", func(t *testing.T) {
		e, id := seed(t)
		var got []int64
		q := model.AuditQuery{Limit: 2}
		for range 10 {
			page, err := e.svc.Audit(e.ctx, Supervisor, q)
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, ids(page)...)
			if len(page) < q.Limit {
				break
			}
			q.BeforeID = page[len(page)-1].ID
		}
		want := []int64{id[4], id[3], id[2], id[1], id[0], e.setup}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("paged %v, want %v", got, want)
		}
	})

	t.Run("an event reads back exactly as appended", func(t *testing.T) {
		e := newEnv(t, newStore)
		zero, three := 0, 3
		in := []model.AuditEvent{
			{Time: Start.Add(1500 * time.Millisecond), Operator: "alice", Role: model.OpAgent, Channel: model.ChannelChat, AccountID: Smith, Holder: model.AccountWide, Caller: Pat, Action: model.ActionVerify, Kind: model.KindOneTime, Outcome: "mismatch", AttemptsLeft: &three},
			{Time: Start.Add(2 * time.Second), Operator: "alice", Role: model.OpAgent, Channel: model.ChannelPhone, AccountID: Smith, Holder: John, Action: model.ActionVerify, Outcome: "locked", AttemptsLeft: &zero},
			{Time: Start.Add(3 * time.Second).In(time.FixedZone("CET", 3600)), Operator: "sarah", Role: model.OpSupervisor, Channel: model.ChannelOther, AccountID: Smith, Action: model.ActionReset, Outcome: "ok", Reason: "fraud: ünïcode reason"},
		}
		for _, ev := range in {
			if err := e.st.AppendAudit(e.ctx, ev); err != nil {
				t.Fatal(err)
			}
		}
		out, err := e.st.Audit(e.ctx, model.AuditQuery{AccountID: Smith})
		if err != nil {
			t.Fatal(err)
		}
		if len(out) != len(in) {
			t.Fatalf("%d events, want %d", len(out), len(in))
		}
		for i, want := range in {
			got := out[len(out)-1-i]
			if got.ID == 0 || (i > 0 && got.ID <= out[len(out)-i].ID) {
				t.Fatalf("event ids do not increase: %+v", out)
			}
			if !got.Time.Equal(want.Time) || got.Time.Location() != time.UTC {
				t.Fatalf("time %v, want %v in UTC", got.Time, want.Time)
			}
			if (got.AttemptsLeft == nil) != (want.AttemptsLeft == nil) || (got.AttemptsLeft != nil && *got.AttemptsLeft != *want.AttemptsLeft) {
				t.Fatalf("attempts left %v, want %v", got.AttemptsLeft, want.AttemptsLeft)
			}
			got.ID, got.Time, got.AttemptsLeft = 0, time.Time{}, nil
			want.Time, want.AttemptsLeft = time.Time{}, nil
			if got != want {
				t.Fatalf("event reads back as %+v, want %+v", got, want)
			}
		}
	})

	t.Run("the audit of an unknown account is refused", func(t *testing.T) {
		e := newEnv(t, newStore)
		_, err := e.svc.Audit(e.ctx, Supervisor, model.AuditQuery{AccountID: "a-nobody"})
		wantErr(t, err, model.ErrUnknownAccount)
		_, err = e.svc.Audit(e.ctx, Agent, model.AuditQuery{})
		wantErr(t, err, model.ErrNotPermitted)
	})
}
