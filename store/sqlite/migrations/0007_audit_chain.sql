-- The audit chains (issue 12, store/auditchain.go): each event's chain (chain_id, 0..63: a hash of
-- its account), its place in that chain (seq, 1, 2, 3 … without gaps per chain) and its chain
-- value, an HMAC under a subkey of the key file over the event and the value before it in its
-- chain. NULL on rows written before this migration: migrations have no key, so those rows are
-- chained from the genesis values, in id order, in one transaction, the first time a pindesk
-- holding the key opens the database (ChainAuditHistory).
ALTER TABLE audit ADD COLUMN chain_id INTEGER;
ALTER TABLE audit ADD COLUMN seq INTEGER;
ALTER TABLE audit ADD COLUMN chain BLOB;
CREATE UNIQUE INDEX audit_chain_seq ON audit (chain_id, seq);

-- The chain heads, one row per chain: the last event's seq, chain value and time (UTC unix
-- nanoseconds), and the check value of the key the chain is kept under. Written by every append in
-- its own transaction, so a write rolled back (or a savepoint of the group commit rolled back to)
-- takes its head change with it. chain and key_check are NULL until the history is chained.
CREATE TABLE audit_head (
    id        INTEGER PRIMARY KEY CHECK (id BETWEEN 0 AND 63),
    seq       INTEGER NOT NULL,
    chain     BLOB,
    time      INTEGER,
    key_check TEXT
);
WITH RECURSIVE n(id) AS (SELECT 0 UNION ALL SELECT id + 1 FROM n WHERE id < 63)
INSERT INTO audit_head (id, seq) SELECT id, 0 FROM n;
