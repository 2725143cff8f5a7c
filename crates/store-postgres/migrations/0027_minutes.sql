-- Issue 18 §2: station minutes. An official's key for signing them (made in their browser; only
-- the public key is here), each version of a station's minutes (its canonical text, never
-- changed: a correction is the next version with its reason), and each signing post's mark on a
-- version (a signature, or a refusal with its reason). The triggers keep kept versions and marks
-- as they were written, whoever writes the database through SQL.
CREATE TABLE signing_keys (
    id               BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    username         TEXT NOT NULL REFERENCES users(username),
    national_id      TEXT NOT NULL REFERENCES people(national_id),
    county_code      TEXT NOT NULL REFERENCES counties(code),
    public_key       TEXT NOT NULL UNIQUE,
    registered_at_us BIGINT NOT NULL,
    confirmed_by     TEXT,
    confirmed_at_us  BIGINT,
    revoked_by       TEXT,
    revoked_at_us    BIGINT
);
CREATE INDEX signing_keys_person ON signing_keys(national_id);
CREATE INDEX signing_keys_county ON signing_keys(county_code);

CREATE TABLE station_minutes (
    election_code TEXT NOT NULL REFERENCES elections(code),
    station_code  TEXT NOT NULL REFERENCES stations(code),
    version       INTEGER NOT NULL CHECK (version >= 1),
    body          TEXT NOT NULL,
    digest        TEXT NOT NULL,
    drawn_at_us   BIGINT NOT NULL,
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
    key_id        BIGINT NOT NULL REFERENCES signing_keys(id),
    signature     TEXT,
    refusal       TEXT,
    at_us         BIGINT NOT NULL,
    PRIMARY KEY (election_code, station_code, version, post),
    FOREIGN KEY (election_code, station_code, version)
        REFERENCES station_minutes(election_code, station_code, version),
    CHECK ((signature IS NULL) <> (refusal IS NULL))
);

CREATE FUNCTION minutes_are_kept() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'minutes and their marks are never changed or deleted: draw the next version';
END;
$$;
CREATE TRIGGER station_minutes_kept BEFORE UPDATE OR DELETE ON station_minutes
    FOR EACH ROW EXECUTE FUNCTION minutes_are_kept();
CREATE TRIGGER minutes_marks_kept BEFORE UPDATE OR DELETE ON minutes_marks
    FOR EACH ROW EXECUTE FUNCTION minutes_are_kept();
