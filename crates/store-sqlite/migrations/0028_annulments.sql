-- Issue 18 §5: a station's box annulled by the supervision board, with its reason; lifting it
-- keeps the row, with who lifted it, when and why. At most one annulment in force per station.
CREATE TABLE station_annulments (
    id              INTEGER PRIMARY KEY,
    election_code   TEXT NOT NULL REFERENCES elections(code),
    station_code    TEXT NOT NULL REFERENCES stations(code),
    reason          TEXT NOT NULL,
    annulled_by     TEXT NOT NULL,
    annulled_at_us  INTEGER NOT NULL,
    restored_by     TEXT,
    restored_at_us  INTEGER,
    restore_reason  TEXT
);
CREATE UNIQUE INDEX station_annulments_in_force
    ON station_annulments(election_code, station_code) WHERE restored_at_us IS NULL;
