-- Facts about the database itself, one row each: the key check value of the sealing key, whether
-- this is a demo database, and the like. Never a secret: only values that may be read by anyone
-- who can read the file.
CREATE TABLE meta (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
