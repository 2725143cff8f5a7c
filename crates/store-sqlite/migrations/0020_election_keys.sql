-- The guardians' election key (issue 17): the public record of its ceremony, one per election
-- and kind (`election` for the ballots, `test` for the equipment tests), and each guardian's
-- proof that they hold their share. No share of the secret key is ever stored here: each left
-- the server once, sealed for its guardian.
CREATE TABLE election_keys (
    election_code TEXT NOT NULL REFERENCES elections(code),
    kind          TEXT NOT NULL CHECK (kind IN ('election', 'test')),
    public_key    TEXT NOT NULL,
    fingerprint   TEXT NOT NULL,
    threshold     INTEGER NOT NULL,
    guardians     INTEGER NOT NULL,
    ceremony      TEXT NOT NULL,
    created_at_us BIGINT NOT NULL,
    PRIMARY KEY (election_code, kind)
);

CREATE TABLE guardian_confirmations (
    election_code TEXT NOT NULL,
    kind          TEXT NOT NULL,
    guardian      INTEGER NOT NULL,
    proof         TEXT NOT NULL,
    at_us         BIGINT NOT NULL,
    PRIMARY KEY (election_code, kind, guardian),
    FOREIGN KEY (election_code, kind) REFERENCES election_keys(election_code, kind)
);
