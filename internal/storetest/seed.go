package storetest

import (
	"context"

	"github.com/pindesk/pindesk/model"
	"github.com/pindesk/pindesk/store"
	"github.com/pindesk/pindesk/store/secret"
)

// Seed imports accounts straight into a store (no core), as a test or benchmark fills a database:
// an upsert, audited as the admin at Start. With no core to give the store its audit chains, Seed
// gives it TestKey's (a core made after replaces it with its own, which must then be TestKey: the
// chains refuse appends under another key than theirs); but a store whose chains a core began
// under another key keeps that core's.
func Seed(ctx context.Context, st store.Store, accounts []model.Account) error {
	heads, err := st.AuditHeads(ctx)
	if err != nil {
		return err
	}
	if test := TestSealer(); heads[0].Value == nil || heads[0].KeyID == test.Check() {
		st.SetAuditChain(store.AuditKey{Func: test.AuditChain, Check: test.Check()})
	}
	_, err = st.ImportAccounts(ctx, accounts, SeedOptions())
	return err
}

// SeedOptions are the options of Seed: no prune, the import audited as the admin at Start.
func SeedOptions() store.ImportOptions {
	return store.ImportOptions{Audit: model.AuditEvent{Time: Start, Operator: Admin.Name, Role: Admin.Role,
		Channel: model.ChannelAdmin, Action: model.ActionImport, Outcome: "ok", Reason: "seed"}}
}

// TestSealer is a sealer under TestKey.
func TestSealer() *secret.Sealer {
	s, err := secret.New(TestKey)
	if err != nil {
		panic(err)
	}
	return s
}
