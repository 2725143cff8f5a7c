-- Election day (issue 4; DESIGN §3, §4): each station's day, check-ins, ballot tokens, ballots,
-- receipts, hourly turnout, and the roll's size per council. Approved candidates get their code
-- and the names the ballot shows.

ALTER TABLE candidates ADD COLUMN code TEXT;            -- set when approved
ALTER TABLE candidates ADD COLUMN first_name TEXT NOT NULL DEFAULT '';
ALTER TABLE candidates ADD COLUMN last_name TEXT NOT NULL DEFAULT '';
ALTER TABLE candidates ADD COLUMN gender TEXT NOT NULL DEFAULT 'male' CHECK (gender IN ('female', 'male'));
ALTER TABLE candidates ADD COLUMN education TEXT;
ALTER TABLE candidates ADD COLUMN occupation TEXT NOT NULL DEFAULT '';
CREATE UNIQUE INDEX candidates_code ON candidates(election_code, code) WHERE code IS NOT NULL;

-- A station's day; no row means not opened yet.
CREATE TABLE station_days (
    election_code TEXT NOT NULL REFERENCES elections(code),
    station_code  TEXT NOT NULL REFERENCES stations(code),
    state         TEXT NOT NULL CHECK (state IN ('not_opened', 'open', 'paused', 'closed')),
    opened_at_us  INTEGER,
    closes_at_us  INTEGER NOT NULL,
    closed_at_us  INTEGER,
    PRIMARY KEY (election_code, station_code)
) WITHOUT ROWID;

-- One person, one check-in per election: the primary key is the rule (a station's count comes
-- from `turnout`, so the hot path keeps no per-station index here).
CREATE TABLE checkins (
    election_code TEXT NOT NULL REFERENCES elections(code),
    national_id   TEXT NOT NULL,
    station_code  TEXT NOT NULL REFERENCES stations(code),
    council_code  TEXT NOT NULL,
    at_us         INTEGER NOT NULL,
    PRIMARY KEY (election_code, national_id)
) WITHOUT ROWID;

-- A checked-in voter's right to one ballot: by its key (the token's issue sequence and hash),
-- beside the station and council only, in a table without rowids; deleted when the ballot is
-- cast, and the ballot keeps nothing of it.
CREATE TABLE ballot_tokens (
    token_hash    TEXT PRIMARY KEY,
    election_code TEXT NOT NULL,
    station_code  TEXT NOT NULL,
    council_code  TEXT NOT NULL
) WITHOUT ROWID;

-- The ballot box: a random id, the choices (sorted), no voter, no time. Stored in id order,
-- which is random, so the order of rows says nothing about the order of voting.
CREATE TABLE ballots (
    id            TEXT PRIMARY KEY,
    election_code TEXT NOT NULL,
    station_code  TEXT NOT NULL,
    council_code  TEXT NOT NULL,
    choices       TEXT NOT NULL          -- JSON array of candidate codes; [] is a blank ballot
) WITHOUT ROWID;
CREATE INDEX ballots_station ON ballots(station_code);

-- Receipt codes, apart from the ballots they came with.
CREATE TABLE receipts (
    code          TEXT PRIMARY KEY,
    election_code TEXT NOT NULL,
    station_code  TEXT NOT NULL
) WITHOUT ROWID;

-- Check-ins per station, council and hour (Tehran), kept by the check-in batches.
CREATE TABLE turnout (
    election_code TEXT NOT NULL,
    station_code  TEXT NOT NULL,
    council_code  TEXT NOT NULL,
    hour_us       INTEGER NOT NULL,
    checked_in    INTEGER NOT NULL,
    PRIMARY KEY (election_code, station_code, council_code, hour_us)
) WITHOUT ROWID;

-- The roll's size per council, written by each roll import.
CREATE TABLE roll_councils (
    election_code TEXT NOT NULL,
    council_code  TEXT NOT NULL,
    voters        INTEGER NOT NULL,
    PRIMARY KEY (election_code, council_code)
) WITHOUT ROWID;
