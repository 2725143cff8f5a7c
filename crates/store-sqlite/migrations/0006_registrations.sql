-- Candidate registration and vetting (issue 5). One registration per person per election
-- (the primary key); the tracking code finds it. Uploaded documents live outside the database
-- under their content hash; these rows record them.
CREATE TABLE registrations (
    election_code       TEXT NOT NULL REFERENCES elections(code),
    national_id         TEXT NOT NULL,
    tracking_code       TEXT NOT NULL UNIQUE,
    council_code        TEXT NOT NULL REFERENCES councils(code),
    first_name          TEXT NOT NULL,
    last_name           TEXT NOT NULL,
    father_name         TEXT NOT NULL,
    birth_date          TEXT NOT NULL,          -- ISO date
    gender              TEXT NOT NULL CHECK (gender IN ('female', 'male')),
    mobile              TEXT NOT NULL,
    residence           TEXT NOT NULL,
    education           TEXT NOT NULL,
    former_member       INTEGER NOT NULL,
    occupation          TEXT NOT NULL,
    official_title      TEXT,                   -- set for listed officials
    resigned_on         TEXT,                   -- ISO date
    veteran_family      INTEGER NOT NULL,
    state               TEXT NOT NULL CHECK (state IN ('submitted', 'executive_reviewed', 'approved',
                            'rejected', 'objected_to_county', 'rejected_on_objection',
                            'objected_to_province', 'finally_rejected', 'withdrawn')),
    submitted_at_us     INTEGER NOT NULL,
    state_since_us      INTEGER NOT NULL,
    executive_qualified INTEGER,
    candidate_code      TEXT,
    PRIMARY KEY (election_code, national_id)
);
CREATE INDEX registrations_filed ON registrations(election_code, submitted_at_us, tracking_code);
CREATE INDEX registrations_council ON registrations(council_code);

CREATE TABLE registration_documents (
    tracking_code TEXT NOT NULL REFERENCES registrations(tracking_code),
    kind          TEXT NOT NULL CHECK (kind IN ('photo', 'degree', 'military_card',
                      'resignation_certificate', 'criminal_record')),
    media_type    TEXT NOT NULL CHECK (media_type IN ('jpeg', 'png', 'pdf')),
    size          INTEGER NOT NULL,
    sha256        TEXT NOT NULL,
    PRIMARY KEY (tracking_code, kind)
);

-- A registration's history: the filing, then every vetting step with its reason and actor.
CREATE TABLE vetting_events (
    tracking_code TEXT NOT NULL REFERENCES registrations(tracking_code),
    seq           INTEGER NOT NULL,
    at_us         INTEGER NOT NULL,
    step          TEXT NOT NULL,
    state         TEXT NOT NULL,
    actor         TEXT NOT NULL,
    reason        TEXT NOT NULL,
    PRIMARY KEY (tracking_code, seq)
);
