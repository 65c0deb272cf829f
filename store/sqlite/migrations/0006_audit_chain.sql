-- The audit chain (issue 12, store/auditchain.go): each event's place in the chain (seq, 1, 2, 3 …
-- without gaps) and its chain value, an HMAC under a subkey of the key file over the event and the
-- chain value before it. NULL on rows written before this migration: migrations have no key, so
-- those rows are chained from the genesis value, in id order, in one transaction, the first time a
-- pindesk holding the key opens the database (ChainAuditHistory).
ALTER TABLE audit ADD COLUMN seq INTEGER;
ALTER TABLE audit ADD COLUMN chain BLOB;
CREATE UNIQUE INDEX audit_seq ON audit (seq);

-- The chain head: the last event's seq, chain value and time (UTC unix nanoseconds). One row,
-- written by every append in its own transaction, so appends chain one after another and a write
-- rolled back (or a savepoint of the group commit rolled back to) takes its head change with it.
-- chain is NULL until the history is chained.
CREATE TABLE audit_head (
    id    INTEGER PRIMARY KEY CHECK (id = 1),
    seq   INTEGER NOT NULL,
    chain BLOB,
    time  INTEGER
);
INSERT INTO audit_head (id, seq, chain, time) VALUES (1, 0, NULL, NULL);
