-- The eligibility roll: one row per person per election. Keyed by (election, national id), so
-- one person is one row; check-ins will key on the same pair.
CREATE TABLE voters (
    election_code TEXT NOT NULL REFERENCES elections(code),
    national_id   TEXT NOT NULL,
    birth_date    TEXT NOT NULL,          -- ISO date
    council_code  TEXT NOT NULL REFERENCES councils(code),
    deceased      INTEGER NOT NULL,
    PRIMARY KEY (election_code, national_id)
) WITHOUT ROWID;
