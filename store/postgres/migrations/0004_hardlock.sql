-- The rolling cap on wrong PINs (issue 8): a holder whose counted failures within the policy's
-- window reach its cap is hard-locked, and stays so across supervisor unlocks. hard_locked_at is
-- when that happened; NULL when not hard-locked.
ALTER TABLE holders ADD COLUMN hard_locked_at timestamptz;

-- One row per counted failure still inside some window: inserted with each, pruned as they age
-- out, deleted when the portal or an admin unlocks. Rows, not a counter, so "how many in the last
-- 24 hours" is exact at any moment; written only under the holder's row lock. Times may repeat.
CREATE TABLE holder_failures (
    account_id text NOT NULL,
    holder_id  text NOT NULL,
    at         timestamptz NOT NULL,
    FOREIGN KEY (account_id, holder_id) REFERENCES holders (account_id, holder_id) ON DELETE CASCADE
);
CREATE INDEX holder_failures_holder ON holder_failures (account_id, holder_id, at);
