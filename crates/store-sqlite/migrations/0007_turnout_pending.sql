-- Turnout counts of check-in batches not yet folded into `turnout`. A batch appends its counts
-- here, on the table's last page whichever stations it served, instead of rewriting a page of
-- `turnout` for each station (with a province's thousands of stations, nearly one page per
-- check-in). The election-day writer folds them into `turnout` about once a second, in one of
-- its batches.
CREATE TABLE turnout_pending (
    id            INTEGER PRIMARY KEY,
    election_code TEXT NOT NULL,
    station_code  TEXT NOT NULL,
    council_code  TEXT NOT NULL,
    hour_us       INTEGER NOT NULL,
    checked_in    INTEGER NOT NULL
);

-- Turnout as of the last commit: the folded counts and those still pending.
CREATE VIEW turnout_now AS
    SELECT election_code, station_code, council_code, hour_us, checked_in FROM turnout
    UNION ALL
    SELECT election_code, station_code, council_code, hour_us, checked_in FROM turnout_pending;
