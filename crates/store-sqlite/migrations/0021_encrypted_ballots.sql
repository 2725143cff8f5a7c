-- Issue 17: a ballot is kept only as its encryption (ballot_crypto's EncryptedBallot as JSON:
-- a ciphertext per candidate with its proofs), never its choices. Its tracking code hashes it
-- with the code its kiosk made before (kiosk_chains holds each kiosk's last); the voter's
-- receipt is the tracking code's first 64 bits in digits, so the receipts table goes. Rows are
-- keyed by the tracking code, a hash, so their order says nothing of the order of voting.
-- Ballots cast before this migration (no election has run on sandoq before it) are not kept.
DROP TABLE receipts;
DROP INDEX ballots_station;
DROP TABLE ballots;
CREATE TABLE ballots (
    tracking_code TEXT PRIMARY KEY,
    receipt       TEXT NOT NULL,
    election_code TEXT NOT NULL,
    station_code  TEXT NOT NULL,
    council_code  TEXT NOT NULL,
    kiosk         TEXT NOT NULL,
    previous_code TEXT NOT NULL,
    ballot        TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX ballots_station ON ballots(station_code);
CREATE UNIQUE INDEX ballots_receipt ON ballots(election_code, receipt);

CREATE TABLE kiosk_chains (
    election_code TEXT NOT NULL,
    station_code  TEXT NOT NULL,
    kiosk         TEXT NOT NULL,
    head          TEXT NOT NULL,
    ballots       INTEGER NOT NULL,
    PRIMARY KEY (election_code, station_code, kiosk)
) WITHOUT ROWID;
