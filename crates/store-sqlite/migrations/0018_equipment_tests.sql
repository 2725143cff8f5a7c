-- Equipment tests (issue 16 §6, logic and accuracy): a station's test runs with the decks of
-- the councils it serves, their test ballots, and the county's overrides. Test ballots live
-- here only: nothing reads them into the ballots, check-ins, receipts or turnout.
CREATE TABLE equipment_test_runs (
    id             INTEGER PRIMARY KEY,
    election_code  TEXT NOT NULL REFERENCES elections(code),
    station_code   TEXT NOT NULL REFERENCES stations(code),
    decks          TEXT NOT NULL,
    started_at_us  INTEGER NOT NULL,
    started_by     TEXT NOT NULL,
    outcome        TEXT NOT NULL CHECK (outcome IN ('running', 'passed', 'failed')),
    finished_at_us INTEGER,
    finished_by    TEXT,
    differences    TEXT,
    CHECK ((outcome = 'running') = (finished_at_us IS NULL))
);
CREATE INDEX equipment_test_runs_by_station ON equipment_test_runs (station_code, id);
-- One run going on per station at a time.
CREATE UNIQUE INDEX equipment_test_runs_running ON equipment_test_runs (station_code)
    WHERE outcome = 'running';

CREATE TABLE equipment_test_ballots (
    run_id       INTEGER NOT NULL REFERENCES equipment_test_runs(id),
    seq          INTEGER NOT NULL,
    council_code TEXT NOT NULL,
    choices      TEXT NOT NULL,
    PRIMARY KEY (run_id, seq)
);

CREATE TABLE equipment_test_overrides (
    election_code TEXT NOT NULL REFERENCES elections(code),
    station_code  TEXT NOT NULL REFERENCES stations(code),
    reason        TEXT NOT NULL,
    by_user       TEXT NOT NULL,
    at_us         INTEGER NOT NULL,
    PRIMARY KEY (election_code, station_code)
);
