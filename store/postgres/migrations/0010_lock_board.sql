-- The lock board (issue 13): a supervisor's app reads every locked holder, and the holders failing
-- without a lock yet, about once a second. These partial indexes hold only those few rows, so the
-- board never reads the holders of 100,000 quiet accounts. A hard lock always sets locked_at as
-- well; the board's query names both, as the index does, so it may use it whichever is set.
CREATE INDEX holders_locked ON holders (locked_at) WHERE locked_at IS NOT NULL OR hard_locked_at IS NOT NULL;
CREATE INDEX holders_failing ON holders (failures) WHERE failures > 0 AND locked_at IS NULL AND hard_locked_at IS NULL;
-- The failed verifications behind a row of the board (when, which desk, which channel): a holder's
-- last ones, newest first, one range of this index.
CREATE INDEX audit_failed ON audit (account_id, holder, id) WHERE action = 'verify' AND outcome = 'mismatch';
