package uitest

import (
	"context"

	"github.com/pindesk/pindesk/model"
	"github.com/pindesk/pindesk/store"
)

// SendCode sends through the kit's core, whose codes count as deliverable (the kit plays a serve
// with SMTP); the email itself is read back with Code.
func (b *Backend) SendCode(ctx context.Context, req model.CodeRequest) (model.CodeSent, error) {
	if err := b.hook(ctx, "send_code", req.AccountID); err != nil {
		return model.CodeSent{}, err
	}
	return b.cur().local.SendCode(ctx, req)
}

// Code is the code of the last contact.code notice in the outbox, opened as the email that
// delivers it would: the test plays the caller who reads their email.
func (b *Backend) Code() string {
	b.t.Helper()
	db := b.cur()
	es, err := db.st.Notices(context.Background(), store.NoticeQuery{})
	if err != nil {
		b.t.Fatal(err)
	}
	for i := len(es) - 1; i >= 0; i-- {
		if es[i].Type == model.NoticeCodeSent {
			code, err := db.svc.OpenCode(es[i].Notice)
			if err != nil {
				b.t.Fatal(err)
			}
			return code
		}
	}
	b.t.Fatal("no code in the outbox")
	return ""
}
