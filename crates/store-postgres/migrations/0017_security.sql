-- Sensitive stations, their security plans and the county security council (PostgreSQL twin of
-- store-sqlite's 0017_security.sql, issue 16). Versions 15 and 16 are other changes'; each
-- migration is applied by its version, so the order of their arrival is harmless.

-- The county security council (شورای تأمین شهرستان) is a board (`security-{county}`) with its
-- own roles: board_members' checks make room for them.
ALTER TABLE board_members DROP CONSTRAINT board_members_kind_check;
ALTER TABLE board_members ADD CONSTRAINT board_members_kind_check
    CHECK (kind IN ('province_inspection', 'county_inspection', 'county_executive', 'county_security'));
ALTER TABLE board_members DROP CONSTRAINT board_members_role_check;
ALTER TABLE board_members ADD CONSTRAINT board_members_role_check
    CHECK (role IN ('chair', 'head', 'judiciary_rep', 'civil_registration_head', 'police_rep', 'intelligence_rep', 'irgc_rep', 'trusted', 'member', 'alternate'));

-- An election's reasons a station may be sensitive for (domain::security::SensitiveReason); an
-- election without rows has domain::security::default_reasons.
CREATE TABLE security_reasons (
    election_code TEXT NOT NULL REFERENCES elections(code),
    code          TEXT NOT NULL,
    name          TEXT NOT NULL,
    position      BIGINT NOT NULL,
    PRIMARY KEY (election_code, code)
);

-- A station flagged sensitive: its reasons (codes joined by commas) and the governor's note.
CREATE TABLE sensitive_stations (
    station_code  TEXT PRIMARY KEY REFERENCES stations(code),
    county_code   TEXT NOT NULL REFERENCES counties(code),
    reasons       TEXT NOT NULL,
    note          TEXT NOT NULL,
    flagged_at_us BIGINT NOT NULL,
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
    protective_staff  BIGINT NOT NULL,
    cctv_coverage     TEXT NOT NULL CHECK (cctv_coverage IN ('none', 'partial', 'full', 'monitored')),
    contacts          TEXT NOT NULL,
    escalation        TEXT NOT NULL,
    effective_on      TEXT NOT NULL,        -- ISO date
    return_reason     TEXT NOT NULL,
    meeting_id        BIGINT REFERENCES meetings(id),
    updated_at_us     BIGINT NOT NULL,
    updated_by        TEXT NOT NULL,
    decided_at_us     BIGINT,
    decided_by        TEXT
);

-- A county security council's cadence for an election (domain::security::Cadence); a county
-- without a row has Cadence::default_for the election's day.
CREATE TABLE security_cadences (
    election_code TEXT NOT NULL REFERENCES elections(code),
    county_code   TEXT NOT NULL REFERENCES counties(code),
    starts_on     TEXT NOT NULL,            -- ISO date
    every_days    BIGINT NOT NULL,
    set_at_us     BIGINT NOT NULL,
    set_by        TEXT NOT NULL,
    PRIMARY KEY (election_code, county_code)
);
