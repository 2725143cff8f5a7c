-- Issue 18 §5: a council's result certified step by step (approve, confirm, publish, reopen),
-- each step kept with the digest and text of the result it certified; and the candidates'
-- complaints, decided by the county's supervision board, objected to and heard by the
-- province's.
CREATE TABLE result_certifications (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    election_code   TEXT NOT NULL REFERENCES elections(code),
    council_code    TEXT NOT NULL REFERENCES councils(code),
    step            TEXT NOT NULL CHECK (step IN ('approve', 'confirm', 'publish', 'reopen')),
    digest          TEXT NOT NULL,
    result          TEXT NOT NULL,
    reason          TEXT,
    certified_by    TEXT NOT NULL,
    certified_at_us BIGINT NOT NULL
);
CREATE INDEX result_certifications_council ON result_certifications(election_code, council_code, id);
CREATE TABLE result_complaints (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    election_code   TEXT NOT NULL REFERENCES elections(code),
    council_code    TEXT NOT NULL REFERENCES councils(code),
    station_code    TEXT REFERENCES stations(code),
    candidate_code  TEXT NOT NULL,
    complaint       TEXT NOT NULL,
    filed_at_us     BIGINT NOT NULL,
    outcome         TEXT CHECK (outcome IN ('rejected', 'annulled', 'recount_ordered')),
    decision_reason TEXT,
    decided_by      TEXT,
    decided_at_us   BIGINT,
    objection       TEXT,
    objected_at_us  BIGINT,
    hearing         TEXT CHECK (hearing IN ('upheld', 'overturned')),
    hearing_reason  TEXT,
    heard_by        TEXT,
    heard_at_us     BIGINT
);
CREATE INDEX result_complaints_council ON result_complaints(election_code, council_code);
