-- Stations in full (address, location, facilities, a mobile station's route, closing), people's
-- details and declared relatives, the minimal candidacy record, and station posts. PostgreSQL
-- twin of store-sqlite's 0002_stations_people_staffing.sql.

ALTER TABLE stations ADD COLUMN address TEXT NOT NULL DEFAULT '';
ALTER TABLE stations ADD COLUMN postal_code TEXT;
ALTER TABLE stations ADD COLUMN latitude DOUBLE PRECISION;
ALTER TABLE stations ADD COLUMN longitude DOUBLE PRECISION;
ALTER TABLE stations ADD COLUMN evoting_devices BIGINT NOT NULL DEFAULT 0;
ALTER TABLE stations ADD COLUMN identity_devices BIGINT NOT NULL DEFAULT 0;
ALTER TABLE stations ADD COLUMN power_backup BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE stations ADD COLUMN cctv BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE stations ADD COLUMN link_type TEXT NOT NULL DEFAULT 'none' CHECK (link_type IN ('fibre', 'landline', 'sim', 'none'));
ALTER TABLE stations ADD COLUMN closed BOOLEAN NOT NULL DEFAULT FALSE;

-- A mobile station's stops, in order.
CREATE TABLE station_route (
    station_code  TEXT NOT NULL REFERENCES stations(code) ON DELETE CASCADE,
    position      BIGINT NOT NULL,
    council_code  TEXT NOT NULL REFERENCES councils(code),
    arrives_at_us BIGINT NOT NULL,
    leaves_at_us  BIGINT NOT NULL,
    PRIMARY KEY (station_code, position)
);
CREATE INDEX station_route_council ON station_route(council_code);

ALTER TABLE people ADD COLUMN education TEXT;
ALTER TABLE people ADD COLUMN sitting_council_member BOOLEAN NOT NULL DEFAULT FALSE;
CREATE INDEX people_names ON people(last_name, first_name);

-- Relatives are declared by national id; the relative need not be registered.
CREATE TABLE person_relatives (
    national_id TEXT NOT NULL REFERENCES people(national_id) ON DELETE CASCADE,
    relative_id TEXT NOT NULL,
    relation    TEXT NOT NULL CHECK (relation IN ('parent', 'child', 'sibling', 'spouse')),
    PRIMARY KEY (national_id, relative_id)
);
CREATE INDEX person_relatives_relative ON person_relatives(relative_id);

-- One candidacy per person per election.
CREATE TABLE candidates (
    election_code TEXT NOT NULL REFERENCES elections(code),
    council_code  TEXT NOT NULL REFERENCES councils(code),
    national_id   TEXT NOT NULL,
    created_at_us BIGINT NOT NULL,
    PRIMARY KEY (election_code, national_id)
);
CREATE INDEX candidates_council ON candidates(council_code);

-- Station posts: one holder per post (so never two inspectors), one post per person per
-- election; both enforced here as well as in the domain.
CREATE TABLE station_posts (
    election_code  TEXT NOT NULL REFERENCES elections(code),
    station_code   TEXT NOT NULL REFERENCES stations(code),
    post           TEXT NOT NULL CHECK (post IN ('head', 'secretary_1', 'secretary_2', 'member_1', 'member_2', 'governor_rep', 'inspector')),
    national_id    TEXT NOT NULL REFERENCES people(national_id),
    assigned_at_us BIGINT NOT NULL,
    assigned_by    TEXT NOT NULL,
    PRIMARY KEY (station_code, post),
    UNIQUE (election_code, national_id)
);
