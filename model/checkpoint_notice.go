package model

// NoticeAuditCheckpoint carries a scheduled audit checkpoint (AuditCheckpoint) out of pindesk by
// webhook (`pindesk serve --audit-checkpoint-notice`), so a receiver can keep checkpoints on
// another machine. It is about no account: never emailed, never in the notice log (nothing a
// customer could dispute), and not one of NoticeTypes, so notify.email_events does not select it.
// Its webhook's data is the checkpoint itself, in the JSON line format of `pindesk admin audit
// checkpoint`.
const NoticeAuditCheckpoint NoticeType = "audit.checkpoint"
