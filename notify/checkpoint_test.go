package notify_test

import (
	"strings"
	"testing"

	"github.com/pindesk/pindesk/internal/mailpittest"
	"github.com/pindesk/pindesk/internal/storetest"
	"github.com/pindesk/pindesk/model"
	"github.com/pindesk/pindesk/store"
)

func TestAServerWithEmailAloneLeavesAnAuditCheckpointPendingAndEmailsNobody(t *testing.T) {
	t.Parallel()
	mp := mailpittest.Start(t)
	e := newEnv(t)
	d := e.deliverer(t, e.email(t, mp.SMTPPort, model.NoticeTypes...))
	cp, err := e.svc.AuditCheckpoint(e.ctx, storetest.Admin)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.svc.NotifyCheckpoint(e.ctx, storetest.Admin, cp); err != nil {
		t.Fatal(err)
	}
	if _, err := d.RunOnce(e.ctx); err != nil {
		t.Fatal(err)
	}
	es, _ := e.st.Notices(e.ctx, store.NoticeQuery{})
	if len(es) != 1 || es[0].Type != model.NoticeAuditCheckpoint || es[0].State != store.NoticePending ||
		!strings.Contains(es[0].LastError, "by webhook only, and this server has no webhook") {
		t.Fatalf("outbox %+v, want the checkpoint pending for a server with a webhook", es)
	}
	if n := len(mp.Messages(t)); n != 0 {
		t.Fatalf("mailpit received %d messages, want none", n)
	}
}
