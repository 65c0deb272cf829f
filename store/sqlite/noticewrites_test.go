package sqlite_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pindesk/pindesk/core"
	"github.com/pindesk/pindesk/internal/storetest"
	"github.com/pindesk/pindesk/model"
	"github.com/pindesk/pindesk/store"
	"github.com/pindesk/pindesk/store/secret"
	"github.com/pindesk/pindesk/store/sqlite"
)

// databaseAt makes a SQLite file at schema version `version` the way a pindesk of that version
// left it (its migrations, foreign keys on), and returns a connection to it.
func databaseAt(t *testing.T, path string, version int) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=foreign_keys(1)")
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1) // one connection: its pragma holds for every statement
	if _, err := db.Exec(`CREATE TABLE schema_version (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob("migrations/*.sql")
	slices.Sort(files)
	for _, f := range files {
		v, _ := strconv.Atoi(strings.SplitN(filepath.Base(f), "_", 2)[0])
		if v > version {
			break
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.Exec(string(b)); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if _, err := db.Exec(`INSERT INTO schema_version VALUES (?, 0)`, v); err != nil {
			t.Fatal(err)
		}
	}
	return db
}

// TestAnUpgradedDatabaseKeepsItsNoticesDisputesAndOutbox: migration 0014 rebuilds notice_log
// (WITHOUT ROWID), disputes (which refers to it) and the outbox (no AUTOINCREMENT). A database
// written by the version before keeps every logged notice (a customer may still dispute one),
// every dispute, open or cleared, and every outbox row with its delivery state, in delivery order;
// its constraints still hold; and a notice written after the upgrade is delivered after the old
// ones, even when it reuses the seq of the newest, already delivered, notice.
func TestAnUpgradedDatabaseKeepsItsNoticesDisputesAndOutbox(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "old.db")
	old := databaseAt(t, path, 13)

	t0 := time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)
	at := func(min int) time.Time { return t0.Add(time.Duration(min) * time.Minute) }
	type written struct {
		n      model.Notice
		outbox bool // still in the outbox (not yet delivered)
		logged bool // in notice_log (every holder's notice; not a system one)
		state  string
		tries  int
		done   []string
		last   string
		next   time.Time
	}
	// In the order they were written; ids and times deliberately out of that order, so a listing
	// in id or time order would show.
	notices := []written{
		{n: model.Notice{ID: "ntc_C1", Type: model.NoticeVerifiedAfterFailures, Time: at(5), AccountID: storetest.Smith, Holder: storetest.John, Channel: model.ChannelPhone, Operator: "agent", Role: model.OpAgent, Failures: 2},
			logged: true}, // delivered
		{n: model.Notice{ID: "ntc_A2", Type: model.NoticeLocked, Time: at(4), AccountID: storetest.Smith, Holder: storetest.John, Channel: model.ChannelPhone, Operator: "agent", Role: model.OpAgent, Failures: 6},
			outbox: true, logged: true, state: store.NoticePending, tries: 2, done: []string{"email"}, last: "webhook: 503", next: at(30)},
		{n: model.Notice{ID: "ntc_B3", Type: model.NoticePINSet, Time: at(3), AccountID: storetest.Acme, Holder: storetest.Wile, Kind: model.KindMaster, Channel: model.ChannelPortal, Operator: "portal", Role: model.OpPortal},
			outbox: true, logged: true, state: store.NoticeDead, tries: 9, done: []string{}, last: "webhook: gave up after 24h", next: at(3)},
		{n: model.Notice{ID: "ntc_0x4", Type: model.NoticeCodeSent, Time: at(2), AccountID: storetest.Smith, Holder: storetest.Mary, Channel: model.ChannelPhone, Operator: "agent", Role: model.OpAgent, Sealed: []byte{1, 2, 3, 0, 255}},
			outbox: true, logged: true, state: store.NoticePending, done: []string{}, next: at(2)},
		{n: model.Notice{ID: "ntc_sys5", Type: model.NoticeAuditCheckpoint, Time: at(1)},
			outbox: true, state: store.NoticePending, done: []string{}, next: at(1)},
		{n: model.Notice{ID: "ntc_Z6", Type: model.NoticePINGenerated, Time: at(0), AccountID: storetest.Acme, Holder: storetest.Wile, Kind: model.KindMaster, Channel: model.ChannelPortal, Operator: "portal", Role: model.OpPortal},
			logged: true}, // delivered, and the newest: its seq is the highest AUTOINCREMENT gave
	}
	nanos := func(t time.Time) int64 { return t.UnixNano() }
	for _, w := range notices {
		body, err := json.Marshal(w.n)
		if err != nil {
			t.Fatal(err)
		}
		// As the store of version 13 wrote them: every notice to the outbox, a holder's to the log.
		if _, err := old.Exec(`INSERT INTO outbox (id, type, account_id, notice, created_at, since, next_at, sealed) VALUES (?1, ?2, ?3, ?4, ?5, ?5, ?5, ?6)`,
			w.n.ID, string(w.n.Type), w.n.AccountID, string(body), nanos(w.n.Time), w.n.Sealed); err != nil {
			t.Fatal(err)
		}
		if w.logged {
			if _, err := old.Exec(`INSERT INTO notice_log (id, type, account_id, holder_id, created_at) VALUES (?, ?, ?, ?, ?)`,
				w.n.ID, string(w.n.Type), w.n.AccountID, w.n.Holder, nanos(w.n.Time)); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, w := range notices {
		var err error
		switch {
		case !w.outbox:
			_, err = old.Exec(`DELETE FROM outbox WHERE id = ?`, w.n.ID)
		case w.tries > 0:
			done, _ := json.Marshal(w.done)
			_, err = old.Exec(`UPDATE outbox SET state = ?, attempts = ?, done = ?, last_error = ?, next_at = ?, lease_owner = 'gone', lease_until = ? WHERE id = ?`,
				w.state, w.tries, string(done), w.last, nanos(w.next), nanos(at(1)), w.n.ID)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	// An open dispute of a delivered notice, and a cleared one.
	if _, err := old.Exec(`INSERT INTO disputes (id, account_id, holder_id, event_id, event_type, text, operator, created_at)
		VALUES ('dsp_open', ?, ?, 'ntc_C1', ?, 'not me', 'portal', ?)`, storetest.Smith, storetest.John, string(model.NoticeVerifiedAfterFailures), nanos(at(10))); err != nil {
		t.Fatal(err)
	}
	if _, err := old.Exec(`INSERT INTO disputes (id, account_id, holder_id, event_id, event_type, text, operator, created_at, cleared_at, cleared_by, clear_reason)
		VALUES ('dsp_cleared', ?, ?, 'ntc_Z6', ?, 'who?', 'portal', ?, ?, 'sue', 'it was the customer''s son')`,
		storetest.Acme, storetest.Wile, string(model.NoticePINGenerated), nanos(at(11)), nanos(at(12))); err != nil {
		t.Fatal(err)
	}
	var seqBefore int64
	if err := old.QueryRow(`SELECT seq FROM sqlite_sequence WHERE name = 'outbox'`).Scan(&seqBefore); err != nil || seqBefore != 6 {
		t.Fatalf("version 13's outbox counter: %d, %v; want 6", seqBefore, err)
	}
	old.Close()

	st, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatalf("upgrade: %v", err)
	}
	defer st.Close()
	if err := storetest.Seed(ctx, st, storetest.Fixture()); err != nil {
		t.Fatal(err)
	}
	raw, err := sql.Open("sqlite", "file:"+path+"?_pragma=foreign_keys(1)&_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	raw.SetMaxOpenConns(1)

	t.Run("the new schema", func(t *testing.T) {
		schema := func(name string) string {
			var s string
			if err := raw.QueryRow(`SELECT sql FROM sqlite_schema WHERE name = ?`, name).Scan(&s); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			return s
		}
		if s := schema("notice_log"); !strings.Contains(s, "WITHOUT ROWID") {
			t.Errorf("notice_log is a rowid table: %s", s)
		}
		if s := schema("outbox"); strings.Contains(strings.ToUpper(s), "AUTOINCREMENT") {
			t.Errorf("the outbox still has AUTOINCREMENT: %s", s)
		}
		var n int
		if err := raw.QueryRow(`SELECT count(*) FROM sqlite_sequence WHERE name = 'outbox'`).Scan(&n); err != nil || n != 0 {
			t.Errorf("sqlite_sequence rows for the outbox: %d, %v; want none", n, err)
		}
		for _, idx := range []string{"outbox_due", "disputes_open"} {
			schema(idx)
		}
		var indexes []string
		rows, err := raw.Query(`SELECT name FROM pragma_index_list('outbox')`)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var name string
			rows.Scan(&name)
			indexes = append(indexes, name)
		}
		rows.Close()
		if !slices.Equal(indexes, []string{"outbox_due"}) {
			t.Errorf("the outbox's indexes: %v, want only outbox_due (the notice log keys the ids)", indexes)
		}
		var parent string
		if err := raw.QueryRow(`SELECT "table" FROM pragma_foreign_key_list('disputes')`).Scan(&parent); err != nil || parent != "notice_log" {
			t.Errorf("disputes refers to %q (%v), want notice_log", parent, err)
		}
		for _, name := range []string{"new_notice_log", "new_disputes", "new_outbox"} {
			if err := raw.QueryRow(`SELECT count(*) FROM sqlite_schema WHERE name = ?`, name).Scan(&n); err != nil || n != 0 {
				t.Errorf("%s left behind", name)
			}
		}
		// A deliverer catching up on a long backlog finds each row by its id without a scan: a key
		// lookup in the log, then the row by seq (the store's query, outbox.go byNoticeID).
		plan, err := raw.Query(`EXPLAIN QUERY PLAN UPDATE outbox SET attempts = attempts + 1
			WHERE seq = (SELECT outbox_seq FROM notice_log WHERE id = ?1) AND id = ?1 AND lease_owner = ?2`, "x", "y")
		if err != nil {
			t.Fatal(err)
		}
		var steps []string
		for plan.Next() {
			var id, parent, unused int
			var detail string
			plan.Scan(&id, &parent, &unused, &detail)
			steps = append(steps, detail)
		}
		plan.Close()
		if p := strings.Join(steps, "; "); strings.Contains(p, "SCAN") {
			t.Errorf("a lookup by notice id scans: %s", p)
		}
		rows, err = raw.Query(`PRAGMA foreign_key_check`)
		if err != nil {
			t.Fatal(err)
		}
		if rows.Next() {
			t.Error("PRAGMA foreign_key_check finds a row that breaks its foreign key")
		}
		rows.Close()
		var ok string
		if err := raw.QueryRow(`PRAGMA integrity_check`).Scan(&ok); err != nil || ok != "ok" {
			t.Errorf("integrity_check: %q, %v", ok, err)
		}
	})

	t.Run("every logged notice can still be disputed", func(t *testing.T) {
		for _, w := range notices {
			got, err := st.SentNotice(ctx, w.n.AccountID, w.n.ID)
			if !w.logged { // the system notice: about no account; no customer can dispute it
				if !errors.Is(err, model.ErrInvalidInput) {
					t.Errorf("%s (not logged): %+v, %v; want ErrInvalidInput", w.n.ID, got, err)
				}
				continue
			}
			if err != nil || got.Type != w.n.Type || got.Holder != w.n.Holder || !got.Time.Equal(w.n.Time) {
				t.Errorf("%s: %+v, %v; want %+v", w.n.ID, got, err, w.n)
			}
		}
		if got, err := st.SentNotice(ctx, storetest.Smith, "ntc_sys5"); !errors.Is(err, model.ErrInvalidInput) {
			t.Errorf("the system notice as one sent to %s: %+v, %v; want ErrInvalidInput", storetest.Smith, got, err)
		}
	})

	t.Run("every outbox row, in the order written, with its state", func(t *testing.T) {
		es, err := st.Notices(ctx, store.NoticeQuery{})
		if err != nil {
			t.Fatal(err)
		}
		var want []written
		for _, w := range notices {
			if w.outbox {
				want = append(want, w)
			}
		}
		if len(es) != len(want) {
			t.Fatalf("%d outbox rows, want %d: %+v", len(es), len(want), es)
		}
		for i, w := range want {
			e := es[i]
			if e.ID != w.n.ID || e.Type != w.n.Type || !e.Time.Equal(w.n.Time) || e.AccountID != w.n.AccountID || e.Holder != w.n.Holder ||
				e.State != w.state || e.Attempts != w.tries || !slices.Equal(e.Done, w.done) || e.LastError != w.last ||
				!e.NextAt.Equal(w.next) || !e.Since.Equal(w.n.Time) || !slices.Equal(e.Sealed, w.n.Sealed) {
				t.Errorf("row %d: %+v\nwant %+v", i, e, w)
			}
		}
	})

	t.Run("every dispute, open or cleared", func(t *testing.T) {
		open, err := st.OpenDisputes(ctx, storetest.Smith)
		if err != nil || len(open) != 1 || open[0].ID != "dsp_open" || open[0].EventID != "ntc_C1" || open[0].Holder != storetest.John ||
			open[0].EventType != model.NoticeVerifiedAfterFailures || !open[0].Time.Equal(at(10)) {
			t.Errorf("open disputes of %s: %+v, %v", storetest.Smith, open, err)
		}
		if open, err := st.OpenDisputes(ctx, storetest.Acme); err != nil || len(open) != 0 {
			t.Errorf("open disputes of %s: %+v, %v; want none (cleared)", storetest.Acme, open, err)
		}
		var by, reason, text string
		var clearedAt int64
		if err := raw.QueryRow(`SELECT cleared_by, clear_reason, cleared_at, text FROM disputes WHERE id = 'dsp_cleared'`).Scan(&by, &reason, &clearedAt, &text); err != nil ||
			by != "sue" || reason != "it was the customer's son" || clearedAt != nanos(at(12)) || text != "who?" {
			t.Errorf("the cleared dispute: %q %q %d %q, %v", by, reason, clearedAt, text, err)
		}
	})

	t.Run("the constraints still hold", func(t *testing.T) {
		for what, stmt := range map[string]string{
			"a dispute of a notice never logged":    `INSERT INTO disputes (id, account_id, holder_id, event_id, event_type, operator, created_at) VALUES ('x1', 'a', 'h', 'ntc_nowhere', 't', 'p', 0)`,
			"a second dispute of one notice":        `INSERT INTO disputes (id, account_id, holder_id, event_id, event_type, operator, created_at) VALUES ('x2', 'a', 'h', 'ntc_C1', 't', 'p', 0)`,
			"a notice logged twice":                 `INSERT INTO notice_log (id, type, account_id, created_at) VALUES ('ntc_A2', 't', 'a', 0)`,
			"an outbox row in a state of no outbox": `INSERT INTO outbox (id, type, account_id, notice, created_at, since, next_at, state) VALUES ('ntc_new', 't', 'a', '{}', 0, 0, 0, 'lost')`,
			"a logged notice whose dispute remains": `DELETE FROM notice_log WHERE id = 'ntc_C1'`,
		} {
			if _, err := raw.Exec(stmt); err == nil {
				t.Errorf("%s: accepted", what)
			}
		}
		// A notice id is used once: the log's key keeps it so (the outbox has no index on id), for
		// the notices logged before the upgrade and the system notice logged by it.
		for _, id := range []string{"ntc_A2", "ntc_C1", "ntc_sys5"} {
			if err := st.NotifySystem(ctx, model.Notice{ID: id, Type: model.NoticeAuditCheckpoint, Time: at(50)}); err == nil {
				t.Errorf("a second notice %s: written", id)
			}
		}
		if es, err := st.Notices(ctx, store.NoticeQuery{}); err != nil || len(es) != 4 {
			t.Errorf("outbox after refused notices: %d rows, %v; want the 4 it had", len(es), err)
		}
		// And through the core: a notice disputed before the upgrade is not disputed again, and
		// one still in the outbox can be.
		sealer, _ := secret.New(storetest.TestKey)
		svc, err := core.New(st, sealer)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Dispute(ctx, storetest.Portal, model.DisputeRequest{AccountID: storetest.Smith, EventID: "ntc_C1"}); !errors.Is(err, model.ErrConflict) {
			t.Errorf("disputing ntc_C1 again: %v, want ErrConflict", err)
		}
		if _, err := svc.Dispute(ctx, storetest.Portal, model.DisputeRequest{AccountID: storetest.Smith, EventID: "ntc_A2"}); err != nil {
			t.Errorf("disputing ntc_A2: %v", err)
		}
		if open, err := st.OpenDisputes(ctx, storetest.Smith); err != nil || len(open) != 2 {
			t.Errorf("open disputes after a new one: %+v, %v", open, err)
		}
	})

	t.Run("old and new notices are delivered, failed and retried by id, in the order written", func(t *testing.T) {
		ids := func(es []store.OutboxEntry, err error) []string {
			t.Helper()
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, e := range es {
				out = append(out, e.ID)
			}
			return out
		}
		pending := func() []string { return ids(st.Notices(ctx, store.NoticeQuery{State: store.NoticePending})) }
		seq := func(id string) int64 {
			var n int64
			if err := raw.QueryRow(`SELECT seq FROM outbox WHERE id = ?`, id).Scan(&n); err != nil {
				t.Fatalf("%s: %v", id, err)
			}
			return n
		}
		// The old pending ones, then the new dispute's notice (the last subtest's).
		old := pending()
		if want := []string{"ntc_A2", "ntc_0x4", "ntc_sys5"}; len(old) != 4 || !slices.Equal(old[:3], want) {
			t.Fatalf("pending %v, want %v and the dispute's notice", old, want)
		}
		if err := st.NotifySystem(ctx, model.Notice{ID: "ntc_new1", Type: model.NoticeAuditCheckpoint, Time: at(0)}); err != nil {
			t.Fatal(err)
		}
		want := append(slices.Clone(old), "ntc_new1")
		if got := ids(st.ClaimNotices(ctx, "d", at(1e6), time.Minute, 100)); !slices.Equal(got, want) {
			t.Fatalf("claimed in the order %v, want %v", got, want)
		}
		// Old rows found by id: one delivered, one failed, the dead one retried.
		if err := st.NoticeDelivered(ctx, "ntc_A2", "d"); err != nil {
			t.Fatal(err)
		}
		if err := st.NoticeFailed(ctx, "ntc_0x4", "d", store.NoticeFailure{Done: []string{"email"}, Error: "smtp: 451", NextAt: at(99)}); err != nil {
			t.Fatal(err)
		}
		if err := st.RetryNotice(ctx, "ntc_B3", at(98)); err != nil {
			t.Fatal(err)
		}
		es, err := st.Notices(ctx, store.NoticeQuery{})
		if err != nil {
			t.Fatal(err)
		}
		byID := map[string]store.OutboxEntry{}
		for _, e := range es {
			byID[e.ID] = e
		}
		if _, ok := byID["ntc_A2"]; ok {
			t.Error("ntc_A2 delivered but still in the outbox")
		}
		if e := byID["ntc_0x4"]; e.Attempts != 1 || e.LastError != "smtp: 451" || !e.NextAt.Equal(at(99)) || !slices.Equal(e.Done, []string{"email"}) {
			t.Errorf("ntc_0x4 after a failure: %+v", e)
		}
		if e := byID["ntc_B3"]; e.State != store.NoticePending || e.Attempts != 0 || !e.NextAt.Equal(at(98)) {
			t.Errorf("ntc_B3 after a retry: %+v", e)
		}

		// The newest is delivered, so the next notice takes its seq again: still listed and
		// claimed after the rest, and the delivered one's id never reaches the new row.
		reused := seq("ntc_new1")
		if err := st.NoticeDelivered(ctx, "ntc_new1", "d"); err != nil {
			t.Fatal(err)
		}
		if err := st.NotifySystem(ctx, model.Notice{ID: "ntc_new2", Type: model.NoticeAuditCheckpoint, Time: at(0)}); err != nil {
			t.Fatal(err)
		}
		if s := seq("ntc_new2"); s != reused {
			t.Fatalf("ntc_new2 has seq %d, ntc_new1 had %d: the case of a reused seq was not made", s, reused)
		}
		want = []string{"ntc_B3", "ntc_0x4", "ntc_sys5", old[3], "ntc_new2"}
		if got := pending(); !slices.Equal(got, want) {
			t.Errorf("listed in the order %v, want %v", got, want)
		}
		if got := ids(st.ClaimNotices(ctx, "d2", at(2e6), time.Minute, 100)); !slices.Equal(got, want) {
			t.Errorf("claimed in the order %v, want %v", got, want)
		}
		// A late word on ntc_new1, from the owner of ntc_new2's lease, whose seq ntc_new1 had.
		if err := st.NoticeFailed(ctx, "ntc_new1", "d2", store.NoticeFailure{Done: []string{}, Error: "late", NextAt: at(5), Dead: true}); err != nil {
			t.Fatal(err)
		}
		if err := st.NoticeDelivered(ctx, "ntc_new1", "d2"); err != nil {
			t.Fatal(err)
		}
		if err := st.RetryNotice(ctx, "ntc_new1", at(5)); !errors.Is(err, model.ErrInvalidInput) {
			t.Errorf("a retry of the delivered ntc_new1: %v, want ErrInvalidInput", err)
		}
		es, err = st.Notices(ctx, store.NoticeQuery{})
		if err != nil {
			t.Fatal(err)
		}
		if last := es[len(es)-1]; last.ID != "ntc_new2" || last.State != store.NoticePending || last.LastError != "" {
			t.Errorf("ntc_new2 after words on ntc_new1: %+v", last)
		}
	})
}
