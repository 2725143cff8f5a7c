-- One-time codes that prove a national id (domain::identity): one row per code asked for, or
-- per look-up the registry did not match (no code; kept so the limits count it). The token the
-- asker holds is kept only as its hash, the code only as a hash bound to that token. Rows go
-- after a day.
CREATE TABLE identity_challenges (
    token_hash     TEXT PRIMARY KEY,
    code_hash      TEXT,
    national_id    TEXT NOT NULL,
    purpose        TEXT NOT NULL CHECK (purpose IN ('register', 'applicant')),
    address        TEXT NOT NULL,
    created_at_us  INTEGER NOT NULL,
    attempts       INTEGER NOT NULL DEFAULT 0,
    verified_at_us INTEGER,
    spent_at_us    INTEGER
);
CREATE INDEX identity_challenges_person ON identity_challenges (national_id, created_at_us);
CREATE INDEX identity_challenges_address ON identity_challenges (address, created_at_us);
CREATE INDEX identity_challenges_created ON identity_challenges (created_at_us);
