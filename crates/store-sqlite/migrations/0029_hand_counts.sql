-- Issue 18 §1: a station whose devices failed counts its paper ballots by hand. The governor
-- declares the fallback with a reason; two officials each enter the count per council (kind 1
-- and 2), and the county's executive board enters the count it resolved when they differ (kind
-- 3, with a reason). Rows are kept as written.
CREATE TABLE paper_stations (
    election_code   TEXT NOT NULL REFERENCES elections(code),
    station_code    TEXT NOT NULL REFERENCES stations(code),
    reason          TEXT NOT NULL,
    declared_by     TEXT NOT NULL,
    declared_at_us  INTEGER NOT NULL,
    PRIMARY KEY (election_code, station_code)
);
CREATE TABLE hand_counts (
    election_code   TEXT NOT NULL,
    station_code    TEXT NOT NULL,
    council_code    TEXT NOT NULL,
    kind            INTEGER NOT NULL CHECK (kind IN (1, 2, 3)),
    ballots         INTEGER NOT NULL CHECK (ballots >= 0),
    blank           INTEGER NOT NULL CHECK (blank >= 0),
    unused_choices  INTEGER NOT NULL CHECK (unused_choices >= 0),
    votes           TEXT NOT NULL,
    reason          TEXT,
    entered_by      TEXT NOT NULL,
    entered_at_us   INTEGER NOT NULL,
    PRIMARY KEY (election_code, station_code, council_code, kind),
    FOREIGN KEY (election_code, station_code) REFERENCES paper_stations(election_code, station_code)
);
CREATE TRIGGER paper_stations_kept_update BEFORE UPDATE ON paper_stations
BEGIN SELECT RAISE(ABORT, 'a declared paper fallback is never changed'); END;
CREATE TRIGGER paper_stations_kept_delete BEFORE DELETE ON paper_stations
BEGIN SELECT RAISE(ABORT, 'a declared paper fallback is never deleted'); END;
CREATE TRIGGER hand_counts_kept_update BEFORE UPDATE ON hand_counts
BEGIN SELECT RAISE(ABORT, 'a hand count is never changed'); END;
CREATE TRIGGER hand_counts_kept_delete BEFORE DELETE ON hand_counts
BEGIN SELECT RAISE(ABORT, 'a hand count is never deleted'); END;
