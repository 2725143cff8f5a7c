-- Issue 17 §6: equipment tests run through the kiosks and the same encryption as real ballots,
-- under the test key. The test key is one of one and held by the server (test ballots are not
-- votes): its public record is `election_keys` of kind `test`, its share is here. A kiosk's
-- activation may be a test run's (`activation_test_run`). A test ballot is kept as its choices
-- (the runs entered before this) or sealed: its encryption under the test key, and its kiosk.
CREATE TABLE test_key_shares (
    election_code TEXT PRIMARY KEY REFERENCES elections(code),
    share         TEXT NOT NULL
);

ALTER TABLE kiosks ADD COLUMN activation_test_run INTEGER;

CREATE TABLE equipment_test_ballots_sealed (
    run_id       INTEGER NOT NULL REFERENCES equipment_test_runs(id),
    seq          INTEGER NOT NULL,
    council_code TEXT NOT NULL,
    choices      TEXT,
    sealed       TEXT,
    kiosk_id     TEXT,
    PRIMARY KEY (run_id, seq),
    CHECK ((choices IS NULL) <> (sealed IS NULL)),
    CHECK ((sealed IS NULL) = (kiosk_id IS NULL))
);
INSERT INTO equipment_test_ballots_sealed (run_id, seq, council_code, choices)
    SELECT run_id, seq, council_code, choices FROM equipment_test_ballots;
DROP TABLE equipment_test_ballots;
ALTER TABLE equipment_test_ballots_sealed RENAME TO equipment_test_ballots;
