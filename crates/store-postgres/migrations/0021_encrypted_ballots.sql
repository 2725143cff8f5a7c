-- Issue 17: a ballot is kept only as its encryption (ballot_crypto's EncryptedBallot as JSON:
-- a ciphertext per candidate with its proofs), never its choices. Its tracking code hashes it
-- with the code its kiosk made before (kiosk_chains holds each kiosk's last); the voter's
-- receipt is the tracking code's first 64 bits in digits, so the receipts tables go. Ballots
-- still wait in ballot_queue during the day and enter the box shuffled at the close (see
-- 0005_election_day.sql). Ballots cast before this migration (no election has run on sandoq
-- before it) are not kept.
DROP TABLE receipt_queue;
DROP TABLE receipts;
DROP TABLE ballot_queue;
DROP TABLE ballots;
CREATE TABLE ballots (
    tracking_code TEXT COLLATE "C" PRIMARY KEY,
    receipt       TEXT NOT NULL,
    election_code TEXT NOT NULL,
    station_code  TEXT NOT NULL,
    council_code  TEXT NOT NULL,
    kiosk         TEXT NOT NULL,
    previous_code TEXT NOT NULL,
    ballot        TEXT NOT NULL
);
CREATE INDEX ballots_station ON ballots(station_code);
CREATE UNIQUE INDEX ballots_receipt ON ballots(election_code, receipt);
CREATE TABLE ballot_queue (LIKE ballots INCLUDING ALL);

CREATE TABLE kiosk_chains (
    election_code TEXT NOT NULL,
    station_code  TEXT NOT NULL,
    kiosk         TEXT NOT NULL,
    head          TEXT NOT NULL,
    ballots       BIGINT NOT NULL,
    PRIMARY KEY (election_code, station_code, kiosk)
);
