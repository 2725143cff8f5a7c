-- Issue 18 §2: station minutes. An official's key for signing them (made in their browser; only
-- the public key is here), each version of a station's minutes (its canonical text, never
-- changed: a correction is the next version with its reason), and each signing post's mark on a
-- version (a signature, or a refusal with its reason). The triggers keep kept versions and marks
-- as they were written, whoever writes the database through SQL.
CREATE TABLE signing_keys (
    id               INTEGER PRIMARY KEY,
    username         TEXT NOT NULL REFERENCES users(username),
    national_id      TEXT NOT NULL REFERENCES people(national_id),
    county_code      TEXT NOT NULL REFERENCES counties(code),
    public_key       TEXT NOT NULL UNIQUE,
    registered_at_us INTEGER NOT NULL,
    confirmed_by     TEXT,
    confirmed_at_us  INTEGER,
    revoked_by       TEXT,
    revoked_at_us    INTEGER
);
CREATE INDEX signing_keys_person ON signing_keys(national_id);
CREATE INDEX signing_keys_county ON signing_keys(county_code);

CREATE TABLE station_minutes (
    election_code TEXT NOT NULL REFERENCES elections(code),
    station_code  TEXT NOT NULL REFERENCES stations(code),
    version       INTEGER NOT NULL CHECK (version >= 1),
    body          TEXT NOT NULL,
    digest        TEXT NOT NULL,
    drawn_at_us   INTEGER NOT NULL,
    drawn_by      TEXT NOT NULL,
    reason        TEXT,
    PRIMARY KEY (election_code, station_code, version)
);

CREATE TABLE minutes_marks (
    election_code TEXT NOT NULL,
    station_code  TEXT NOT NULL,
    version       INTEGER NOT NULL,
    post          TEXT NOT NULL CHECK (post IN ('head', 'secretary_1', 'secretary_2', 'governor_rep', 'inspector')),
    national_id   TEXT NOT NULL,
    username      TEXT NOT NULL,
    key_id        INTEGER NOT NULL REFERENCES signing_keys(id),
    signature     TEXT,
    refusal       TEXT,
    at_us         INTEGER NOT NULL,
    PRIMARY KEY (election_code, station_code, version, post),
    FOREIGN KEY (election_code, station_code, version)
        REFERENCES station_minutes(election_code, station_code, version),
    CHECK ((signature IS NULL) <> (refusal IS NULL))
);

CREATE TRIGGER station_minutes_kept_update BEFORE UPDATE ON station_minutes
BEGIN SELECT RAISE(ABORT, 'minutes are never changed: draw the next version'); END;
CREATE TRIGGER station_minutes_kept_delete BEFORE DELETE ON station_minutes
BEGIN SELECT RAISE(ABORT, 'minutes are never deleted'); END;
CREATE TRIGGER minutes_marks_kept_update BEFORE UPDATE ON minutes_marks
BEGIN SELECT RAISE(ABORT, 'a mark on the minutes is never changed'); END;
CREATE TRIGGER minutes_marks_kept_delete BEFORE DELETE ON minutes_marks
BEGIN SELECT RAISE(ABORT, 'a mark on the minutes is never deleted'); END;
