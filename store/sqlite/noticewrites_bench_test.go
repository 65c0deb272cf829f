package sqlite

import (
	"context"
	"crypto/rand"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/pindesk/pindesk/internal/storetest"
	"github.com/pindesk/pindesk/model"
	"github.com/pindesk/pindesk/store"
)

// BenchmarkNoticePages counts the pages (WAL frames) one customer notice writes, each in a commit
// of its own on a real file: what a notice costs a verification (issue 11), as a count rather
// than a timing, so it reads the same on a busy machine. Migration 0014 took it from 6.9 to 3.8.
//
//	go test -run '^$' -bench NoticePages -benchtime 2000x ./store/sqlite
func BenchmarkNoticePages(b *testing.B) {
	ctx := context.Background()
	path := filepath.Join(b.TempDir(), "pindesk.db")
	st, err := Open(ctx, path)
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	// No checkpoint moves the WAL back to its start while counting: its growth is the count.
	if _, err := st.w.ExecContext(ctx, `PRAGMA wal_autocheckpoint = 0`); err != nil {
		b.Fatal(err)
	}
	if err := storetest.Seed(ctx, st, storetest.Fixture()); err != nil {
		b.Fatal(err)
	}
	ref := model.HolderRef{AccountID: storetest.Smith, ContactID: storetest.John}
	notify := func(n int) {
		for range n {
			err := st.UpdateHolder(ctx, ref, func(tx store.HolderTx) error {
				return tx.Notify(ctx, model.Notice{ID: "ntc_" + rand.Text(), Type: model.NoticeLocked, Time: time.Now(),
					AccountID: ref.AccountID, Holder: ref.ContactID, Failures: 6})
			})
			if err != nil {
				b.Fatal(err)
			}
		}
	}
	walSize := func() int64 {
		fi, err := os.Stat(path + "-wal")
		if err != nil {
			b.Fatal(err)
		}
		return fi.Size()
	}
	notify(3000) // trees a few levels deep, as in a database in use
	before := walSize()
	b.ResetTimer()
	notify(b.N)
	b.StopTimer()
	var page int64
	if err := st.w.QueryRowContext(ctx, `PRAGMA page_size`).Scan(&page); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(walSize()-before)/float64(24+page)/float64(b.N), "pages/notice") // a frame: 24-byte header, one page
}
