-- Issue 17 §3: a ballot its voter challenged instead of casting (Benaloh). It was encrypted
-- exactly as it would have been cast and takes its place in its kiosk's chain, and it is kept
-- with its opening (the choices shown and each ciphertext's randomness) for anyone to check.
-- It is never counted, and the voter's token is not spent: they vote again.
CREATE TABLE challenged_ballots (
    tracking_code TEXT COLLATE "C" PRIMARY KEY,
    election_code TEXT NOT NULL,
    station_code  TEXT NOT NULL,
    council_code  TEXT NOT NULL,
    kiosk         TEXT NOT NULL,
    previous_code TEXT NOT NULL,
    ballot        TEXT NOT NULL,
    opening       TEXT NOT NULL
);
CREATE INDEX challenged_ballots_station ON challenged_ballots(station_code);
