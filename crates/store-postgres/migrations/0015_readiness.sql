-- Readiness and the timeline (issue 16). Each milestone names who must see it done and when
-- the province HQ marked it done; each station's readiness is its governor's latest
-- declaration (a station without a row has declared nothing); the score's weights are the
-- election's, set by the province HQ (no row: domain::readiness::Weights::default()).
ALTER TABLE milestones ADD COLUMN owner_role TEXT;
ALTER TABLE milestones ADD COLUMN done_at_us BIGINT;

CREATE TABLE readiness_weights (
    election_code TEXT PRIMARY KEY REFERENCES elections(code),
    weights       TEXT NOT NULL                 -- JSON of domain::readiness::Weights
);

CREATE TABLE station_readiness (
    station_code      TEXT PRIMARY KEY REFERENCES stations(code) ON DELETE CASCADE,
    link              TEXT NOT NULL
        CHECK (link IN ('fibre', 'fibre_planned', 'landline', 'sim', 'none')),
    fibre_planned_on  TEXT,                     -- ISO date, with 'fibre_planned' only
    cctv_installed    BOOLEAN NOT NULL,
    cctv_monitored    BOOLEAN NOT NULL,
    power_backup      BOOLEAN NOT NULL,
    devices_installed BOOLEAN NOT NULL,
    devices_tested    BOOLEAN NOT NULL,
    step_free         BOOLEAN NOT NULL,
    ready             BOOLEAN NOT NULL,
    note              TEXT NOT NULL,
    declared_at_us    BIGINT NOT NULL,
    declared_by       TEXT NOT NULL,
    CHECK ((link = 'fibre_planned') = (fibre_planned_on IS NOT NULL))
);
