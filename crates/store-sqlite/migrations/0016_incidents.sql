-- Incidents (issue 16 §5): cyber and physical incidents and reported violations, filed at a
-- station or for a county (domain::incident). The status moves strictly forward; each step is
-- a row of incident_steps. The deadlines are fixed at filing (domain::incident::Targets).
CREATE TABLE incidents (
    id                INTEGER PRIMARY KEY,
    county_code       TEXT NOT NULL REFERENCES counties(code),
    station_code      TEXT REFERENCES stations(code),
    category          TEXT NOT NULL CHECK (category IN ('cyber', 'physical', 'violation')),
    subcategory       TEXT NOT NULL,
    severity          TEXT NOT NULL CHECK (severity IN ('low', 'medium', 'high', 'critical')),
    occurred_at_us    INTEGER NOT NULL,
    reported_at_us    INTEGER NOT NULL,
    reported_by       TEXT NOT NULL,
    description       TEXT NOT NULL,
    photo_sha256      TEXT,
    photo_media_type  TEXT CHECK (photo_media_type IN ('image/jpeg', 'image/png')),
    photo_size        INTEGER,
    status            TEXT NOT NULL
        CHECK (status IN ('open', 'acknowledged', 'in_progress', 'resolved')),
    updated_at_us     INTEGER NOT NULL,
    acknowledge_by_us INTEGER NOT NULL,
    resolve_by_us     INTEGER NOT NULL,
    CHECK ((photo_sha256 IS NULL) = (photo_media_type IS NULL)),
    CHECK ((photo_sha256 IS NULL) = (photo_size IS NULL))
);
CREATE INDEX incidents_by_county ON incidents (county_code, reported_at_us);
CREATE INDEX incidents_by_station ON incidents (station_code, reported_at_us);
CREATE INDEX incidents_by_reported ON incidents (reported_at_us);

CREATE TABLE incident_steps (
    incident_id INTEGER NOT NULL REFERENCES incidents(id),
    seq         INTEGER NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('acknowledged', 'in_progress', 'resolved')),
    at_us       INTEGER NOT NULL,
    actor       TEXT NOT NULL,
    note        TEXT NOT NULL,
    PRIMARY KEY (incident_id, seq)
);
