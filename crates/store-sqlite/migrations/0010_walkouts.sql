-- Walk-outs (issue 20): a checked-in voter who leaves without voting («خروج بدون رأی»).
--
-- A ballot token names its voter until it is spent, so that a station can list who checked in
-- and has not voted, and spend the token of one who left. The name goes with the token when the
-- ballot is cast: the ballot itself still keeps nothing of the voter (see 0005_election_day.sql).
ALTER TABLE ballot_tokens ADD COLUMN national_id TEXT NOT NULL DEFAULT '';

-- One walk-out per person per election: the head's record, with the reason from the fixed list,
-- the notes, and the governor's representative who countersigned it (none when that post is
-- vacant).
CREATE TABLE walkouts (
    election_code    TEXT NOT NULL REFERENCES elections(code),
    national_id      TEXT NOT NULL,
    station_code     TEXT NOT NULL REFERENCES stations(code),
    council_code     TEXT NOT NULL,
    reason           TEXT NOT NULL CHECK (reason IN ('declined', 'unwell', 'emergency', 'other')),
    notes            TEXT NOT NULL,
    countersigned_by TEXT,
    at_us            INTEGER NOT NULL,
    recorded_by      TEXT NOT NULL,
    PRIMARY KEY (election_code, national_id)
) WITHOUT ROWID;
CREATE INDEX walkouts_station ON walkouts(election_code, station_code);
