-- Issue 18 §1: a station whose devices failed counts its paper ballots by hand. The governor
-- declares the fallback with a reason; two officials each enter the count per council (kind 1
-- and 2), and the county's executive board enters the count it resolved when they differ (kind
-- 3, with a reason). Rows are kept as written.
CREATE TABLE paper_stations (
    election_code   TEXT NOT NULL REFERENCES elections(code),
    station_code    TEXT NOT NULL REFERENCES stations(code),
    reason          TEXT NOT NULL,
    declared_by     TEXT NOT NULL,
    declared_at_us  BIGINT NOT NULL,
    PRIMARY KEY (election_code, station_code)
);
CREATE TABLE hand_counts (
    election_code   TEXT NOT NULL,
    station_code    TEXT NOT NULL,
    council_code    TEXT NOT NULL,
    kind            BIGINT NOT NULL CHECK (kind IN (1, 2, 3)),
    ballots         BIGINT NOT NULL CHECK (ballots >= 0),
    blank           BIGINT NOT NULL CHECK (blank >= 0),
    unused_choices  BIGINT NOT NULL CHECK (unused_choices >= 0),
    votes           TEXT NOT NULL,
    reason          TEXT,
    entered_by      TEXT NOT NULL,
    entered_at_us   BIGINT NOT NULL,
    PRIMARY KEY (election_code, station_code, council_code, kind),
    FOREIGN KEY (election_code, station_code) REFERENCES paper_stations(election_code, station_code)
);
CREATE FUNCTION hand_counts_are_kept() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'a paper fallback and its hand counts are never changed or deleted';
END;
$$;
CREATE TRIGGER paper_stations_kept BEFORE UPDATE OR DELETE ON paper_stations
    FOR EACH ROW EXECUTE FUNCTION hand_counts_are_kept();
CREATE TRIGGER hand_counts_kept BEFORE UPDATE OR DELETE ON hand_counts
    FOR EACH ROW EXECUTE FUNCTION hand_counts_are_kept();
