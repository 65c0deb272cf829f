-- The audit chain (issue 12, store/auditchain.go): each event's place in the chain (seq, 1, 2, 3 …
-- without gaps) and its chain value, an HMAC under a subkey of the key file over the event and the
-- chain value before it. NULL on rows written before this migration: migrations have no key, so
-- those rows are chained from the genesis value, in id order, in one transaction, the first time a
-- pindesk holding the key opens the database (ChainAuditHistory).
ALTER TABLE audit ADD COLUMN seq bigint;
ALTER TABLE audit ADD COLUMN chain bytea;
CREATE UNIQUE INDEX audit_seq ON audit (seq);

-- The chain head: the last event's seq, chain value and time. One row, locked (UPDATE) by every
-- append as the last lock of its transaction, so the appends of every server chain one after
-- another: a transaction that holds the head takes no other lock after it, and cannot deadlock
-- with one that holds a holder's row and waits for the head. chain is NULL until the history is
-- chained.
CREATE TABLE audit_head (
    id    integer PRIMARY KEY CHECK (id = 1),
    seq   bigint NOT NULL,
    chain bytea,
    time  timestamptz
);
INSERT INTO audit_head (id, seq, chain, time) VALUES (1, 0, NULL, NULL);
