package ui

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/pindesk/pindesk/client"
	"github.com/pindesk/pindesk/core"
	"github.com/pindesk/pindesk/internal/storetest"
	"github.com/pindesk/pindesk/model"
	"github.com/pindesk/pindesk/store/sqlite"
)

// The supervisor's audit view says whether the audit chains are intact, checked as it opens: a
// real program over a real database file, which the test then tampers with behind pindesk's back
// (an event's outcome rewritten, as someone with write access to the database could).
func TestTheAuditViewShowsTheAuditChainIntactThenBrokenWhenAnEventIsChanged(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "pindesk.db")
	st, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := storetest.Seed(ctx, st, storetest.Fixture()); err != nil {
		t.Fatal(err)
	}
	svc, err := core.New(st, storetest.TestSealer())
	if err != nil {
		t.Fatal(err)
	}
	// A verification, so the account has an event of its own; its id is the trail's last.
	if _, err := svc.Verify(ctx, storetest.Agent, model.VerifyRequest{AccountID: storetest.Smith, Holder: storetest.John, PIN: "482915", Channel: model.ChannelPhone}); err != nil {
		t.Fatal(err)
	}
	last, err := st.Audit(ctx, model.AuditQuery{Limit: 1})
	if err != nil || len(last) != 1 {
		t.Fatalf("the last event: %+v, %v", last, err)
	}
	id := last[0].ID

	tm := startProgram(t, client.NewLocal(svc, supervisor, nil), Options{})
	waitFor(t, tm, "Who is calling?")
	press(tm, "type:100001")
	waitFor(t, tm, "Smith & Sons")
	press(tm, "enter")
	waitFor(t, tm, "John Smith")
	press(tm, "a")
	waitFor(t, tm, "Audit trail of 100001", fmt.Sprintf("✓ audit chain intact through #%d", id))

	press(tm, "esc")
	waitFor(t, tm, "John Smith")
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`UPDATE audit SET outcome = 'verified' WHERE id = ?`, id); err != nil {
		t.Fatal(err)
	}
	press(tm, "a")
	waitFor(t, tm, fmt.Sprintf("✗ audit chain broken at #%d (changed)", id))
	press(tm, "ctrl+c")
	finalApp(t, tm)
}
