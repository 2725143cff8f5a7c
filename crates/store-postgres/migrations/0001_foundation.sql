-- Foundation schema (PostgreSQL twin of store-sqlite's 0001_foundation.sql): geography, elections
-- and councils, stations, people, users and sessions, and the hash-chained audit log. Times are
-- BIGINT microseconds since the Unix epoch, UTC, exactly as in SQLite, so that audit hashes are
-- identical across backends.

CREATE TABLE counties (
    code        TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    name_en     TEXT NOT NULL,
    centre      TEXT NOT NULL,
    population  BIGINT,
    synthetic   BOOLEAN NOT NULL
);

CREATE TABLE districts (
    code        TEXT PRIMARY KEY,
    county_code TEXT NOT NULL REFERENCES counties(code),
    name        TEXT NOT NULL,
    synthetic   BOOLEAN NOT NULL
);
CREATE INDEX districts_county ON districts(county_code);

CREATE TABLE cities (
    code          TEXT PRIMARY KEY,
    district_code TEXT NOT NULL REFERENCES districts(code),
    name          TEXT NOT NULL,
    name_en       TEXT NOT NULL,
    population    BIGINT NOT NULL,
    synthetic     BOOLEAN NOT NULL
);
CREATE INDEX cities_district ON cities(district_code);

CREATE TABLE rural_districts (
    code          TEXT PRIMARY KEY,
    district_code TEXT NOT NULL REFERENCES districts(code),
    name          TEXT NOT NULL,
    synthetic     BOOLEAN NOT NULL
);
CREATE INDEX rural_districts_district ON rural_districts(district_code);

CREATE TABLE villages (
    code                TEXT PRIMARY KEY,
    rural_district_code TEXT NOT NULL REFERENCES rural_districts(code),
    name                TEXT NOT NULL,
    population          BIGINT NOT NULL,
    households          BIGINT NOT NULL,
    synthetic           BOOLEAN NOT NULL
);
CREATE INDEX villages_rural_district ON villages(rural_district_code);

CREATE TABLE elections (
    code          TEXT PRIMARY KEY,
    name          TEXT NOT NULL,
    kind          TEXT NOT NULL,
    election_day  TEXT NOT NULL,          -- ISO date
    seat_table    TEXT NOT NULL,          -- JSON of domain::election::SeatTable
    created_at_us BIGINT NOT NULL
);

CREATE TABLE milestones (
    election_code TEXT NOT NULL REFERENCES elections(code),
    key           TEXT NOT NULL,
    name          TEXT NOT NULL,
    starts_at_us  BIGINT NOT NULL,
    ends_at_us    BIGINT NOT NULL,
    position      BIGINT NOT NULL,
    PRIMARY KEY (election_code, key)
);

CREATE TABLE councils (
    code            TEXT PRIMARY KEY,
    election_code   TEXT NOT NULL REFERENCES elections(code),
    kind            TEXT NOT NULL CHECK (kind IN ('city', 'village')),
    name            TEXT NOT NULL,
    county_code     TEXT NOT NULL REFERENCES counties(code),
    place_code      TEXT NOT NULL,
    population      BIGINT NOT NULL,
    main_seats      BIGINT NOT NULL,
    alternate_seats BIGINT NOT NULL
);
CREATE INDEX councils_county_kind ON councils(county_code, kind);

CREATE TABLE stations (
    code            TEXT PRIMARY KEY,
    election_code   TEXT NOT NULL REFERENCES elections(code),
    county_code     TEXT NOT NULL REFERENCES counties(code),
    council_code    TEXT NOT NULL REFERENCES councils(code),
    name            TEXT NOT NULL,
    area            TEXT NOT NULL CHECK (area IN ('urban', 'rural')),
    mobile          BOOLEAN NOT NULL,
    hard_to_reach   BOOLEAN NOT NULL,
    expected_voters BIGINT NOT NULL
);
CREATE INDEX stations_county ON stations(county_code);
CREATE INDEX stations_council ON stations(council_code);

CREATE TABLE people (
    national_id TEXT PRIMARY KEY,
    first_name  TEXT NOT NULL,
    last_name   TEXT NOT NULL,
    father_name TEXT NOT NULL,
    gender      TEXT NOT NULL CHECK (gender IN ('female', 'male')),
    birth_date  TEXT NOT NULL,            -- ISO date
    mobile      TEXT
);

CREATE TABLE users (
    username      TEXT PRIMARY KEY,
    password_hash TEXT NOT NULL,
    role          TEXT NOT NULL,
    scope_kind    TEXT NOT NULL CHECK (scope_kind IN ('province', 'county', 'station')),
    county_code   TEXT,
    station_code  TEXT,
    created_at_us BIGINT NOT NULL
);

CREATE TABLE sessions (
    token_hash    TEXT PRIMARY KEY,
    username      TEXT NOT NULL REFERENCES users(username),
    csrf_token    TEXT NOT NULL,
    created_at_us BIGINT NOT NULL,
    expires_at_us BIGINT NOT NULL
);
CREATE INDEX sessions_username ON sessions(username);

CREATE TABLE audit_log (
    seq       BIGINT PRIMARY KEY,
    at_us     BIGINT NOT NULL,
    actor     TEXT NOT NULL,
    action    TEXT NOT NULL,
    entity    TEXT NOT NULL,
    payload   TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash      TEXT NOT NULL
);
CREATE INDEX audit_log_actor ON audit_log(actor, seq);
CREATE INDEX audit_log_at ON audit_log(at_us);

-- The chain's head: appends serialise on this one row, and the verifier compares the log's
-- end with it, so a deleted tail is caught.
CREATE TABLE audit_head (
    id   BIGINT PRIMARY KEY CHECK (id = 1),
    seq  BIGINT NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');
