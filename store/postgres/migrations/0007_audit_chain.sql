-- The audit chains (issue 12, store/auditchain.go): each event's chain (chain_id, 0..63: a hash of
-- its account), its place in that chain (seq, 1, 2, 3 … without gaps per chain) and its chain
-- value, an HMAC under a subkey of the key file over the event and the value before it in its
-- chain. NULL on rows written before this migration: migrations have no key, so those rows are
-- chained from the genesis values, in id order, in one transaction, the first time a pindesk
-- holding the key opens the database (ChainAuditHistory).
ALTER TABLE audit ADD COLUMN chain_id smallint;
ALTER TABLE audit ADD COLUMN seq bigint;
ALTER TABLE audit ADD COLUMN chain bytea;
CREATE UNIQUE INDEX audit_chain_seq ON audit (chain_id, seq);

-- The chain heads, one row per chain: the last event's seq, chain value and time, and the check
-- value of the key the chain is kept under. Each append locks (FOR UPDATE) its chain's row as the
-- last lock of its transaction, so appends to one chain from every server follow one another
-- while appends to other chains commit beside them; a transaction that holds a head takes no
-- other lock after it, and cannot deadlock with one that holds a holder's row and waits for the
-- head. chain and key_check are NULL until the history is chained.
CREATE TABLE audit_head (
    id        smallint PRIMARY KEY CHECK (id BETWEEN 0 AND 63),
    seq       bigint NOT NULL,
    chain     bytea,
    time      timestamptz,
    key_check text
);
INSERT INTO audit_head (id, seq) SELECT g, 0 FROM generate_series(0, 63) AS g;
