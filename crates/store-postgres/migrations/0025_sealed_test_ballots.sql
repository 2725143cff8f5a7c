-- Issue 17 §6: equipment tests run through the kiosks and the same encryption as real ballots,
-- under the test key. The test key is one of one and held by the server (test ballots are not
-- votes): its public record is `election_keys` of kind `test`, its share is here. A kiosk's
-- activation may be a test run's (`activation_test_run`). A test ballot is kept as its choices
-- (the runs entered before this) or sealed: its encryption under the test key, and its kiosk.
CREATE TABLE test_key_shares (
    election_code TEXT PRIMARY KEY REFERENCES elections(code),
    share         TEXT NOT NULL
);

ALTER TABLE kiosks ADD COLUMN activation_test_run BIGINT;

ALTER TABLE equipment_test_ballots
    ALTER COLUMN choices DROP NOT NULL,
    ADD COLUMN sealed TEXT,
    ADD COLUMN kiosk_id TEXT,
    ADD CONSTRAINT equipment_test_ballots_one_form CHECK ((choices IS NULL) <> (sealed IS NULL)),
    ADD CONSTRAINT equipment_test_ballots_sealed_kiosk CHECK ((sealed IS NULL) = (kiosk_id IS NULL));
