-- Sensitive stations, their security plans and the county security council (issue 16).
-- Versions 15 and 16 are other changes'; each migration is applied by its version, so the order
-- of their arrival is harmless.

-- The county security council (شورای تأمین شهرستان) is a board (`security-{county}`) with its
-- own roles: board_members' checks make room for them (SQLite rebuilds the table to change a
-- CHECK; nothing references board_members).
CREATE TABLE board_members_new (
    board_code      TEXT NOT NULL,
    kind            TEXT NOT NULL CHECK (kind IN ('province_inspection', 'county_inspection', 'county_executive', 'county_security')),
    county_code     TEXT REFERENCES counties(code),
    national_id     TEXT NOT NULL REFERENCES people(national_id),
    role            TEXT NOT NULL CHECK (role IN ('chair', 'head', 'judiciary_rep', 'civil_registration_head', 'police_rep', 'intelligence_rep', 'irgc_rep', 'trusted', 'member', 'alternate')),
    term_start      TEXT NOT NULL,          -- ISO date
    term_end        TEXT,                   -- ISO date
    appointed_at_us INTEGER NOT NULL,
    appointed_by    TEXT NOT NULL,
    PRIMARY KEY (board_code, national_id)
);
INSERT INTO board_members_new SELECT board_code, kind, county_code, national_id, role, term_start,
    term_end, appointed_at_us, appointed_by FROM board_members;
DROP TABLE board_members;
ALTER TABLE board_members_new RENAME TO board_members;
CREATE INDEX board_members_county ON board_members(county_code);

-- An election's reasons a station may be sensitive for (domain::security::SensitiveReason); an
-- election without rows has domain::security::default_reasons.
CREATE TABLE security_reasons (
    election_code TEXT NOT NULL REFERENCES elections(code),
    code          TEXT NOT NULL,
    name          TEXT NOT NULL,
    position      INTEGER NOT NULL,
    PRIMARY KEY (election_code, code)
);

-- A station flagged sensitive: its reasons (codes joined by commas) and the governor's note.
CREATE TABLE sensitive_stations (
    station_code  TEXT PRIMARY KEY REFERENCES stations(code),
    county_code   TEXT NOT NULL REFERENCES counties(code),
    reasons       TEXT NOT NULL,
    note          TEXT NOT NULL,
    flagged_at_us INTEGER NOT NULL,
    flagged_by    TEXT NOT NULL
);
CREATE INDEX sensitive_stations_county ON sensitive_stations(county_code);

-- A station's security plan (domain::security::SecurityPlan) and where it stands.
CREATE TABLE security_plans (
    station_code      TEXT PRIMARY KEY REFERENCES stations(code),
    status            TEXT NOT NULL CHECK (status IN ('draft', 'submitted', 'approved', 'returned')),
    measures          TEXT NOT NULL,
    responsible_name  TEXT NOT NULL,
    responsible_phone TEXT NOT NULL,
    protective_staff  INTEGER NOT NULL,
    cctv_coverage     TEXT NOT NULL CHECK (cctv_coverage IN ('none', 'partial', 'full', 'monitored')),
    contacts          TEXT NOT NULL,
    escalation        TEXT NOT NULL,
    effective_on      TEXT NOT NULL,        -- ISO date
    return_reason     TEXT NOT NULL,
    meeting_id        INTEGER REFERENCES meetings(id),
    updated_at_us     INTEGER NOT NULL,
    updated_by        TEXT NOT NULL,
    decided_at_us     INTEGER,
    decided_by        TEXT
);

-- A county security council's cadence for an election (domain::security::Cadence); a county
-- without a row has Cadence::default_for the election's day.
CREATE TABLE security_cadences (
    election_code TEXT NOT NULL REFERENCES elections(code),
    county_code   TEXT NOT NULL REFERENCES counties(code),
    starts_on     TEXT NOT NULL,            -- ISO date
    every_days    INTEGER NOT NULL,
    set_at_us     INTEGER NOT NULL,
    set_by        TEXT NOT NULL,
    PRIMARY KEY (election_code, county_code)
);
