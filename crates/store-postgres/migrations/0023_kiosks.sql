-- Issue 17 §1: voting devices. A kiosk asks to be paired, anonymously, showing a code; its
-- station's staff approve the code from the console, and the kiosk is then a principal of its
-- own, bound to that station, known by the hash of its session's secret. One voter's ballot at
-- a time is activated on it: the hash of the check-in's ballot token (the kiosk never holds
-- the token), its council, and when it expires. A request never paired is forgotten.
CREATE TABLE kiosks (
    kiosk_id              TEXT PRIMARY KEY,
    election_code         TEXT NOT NULL REFERENCES elections(code),
    session_hash          TEXT NOT NULL UNIQUE,
    csrf_token            TEXT NOT NULL,
    requested_at_us       BIGINT NOT NULL,
    pairing_code          TEXT,
    station_code          TEXT REFERENCES stations(code),
    number                INTEGER,
    paired_at_us          BIGINT,
    paired_by             TEXT,
    retired_at_us         BIGINT,
    activation_id         TEXT,
    activation_token_hash TEXT,
    activation_council    TEXT,
    activation_at_us      BIGINT,
    activation_expires_us BIGINT,
    CHECK ((station_code IS NULL) = (number IS NULL)),
    CHECK ((station_code IS NULL) <> (pairing_code IS NULL))
);
CREATE UNIQUE INDEX kiosks_pairing_code ON kiosks(election_code, pairing_code)
    WHERE pairing_code IS NOT NULL;
CREATE UNIQUE INDEX kiosks_station_number ON kiosks(station_code, number)
    WHERE station_code IS NOT NULL;
CREATE INDEX kiosks_activation_token ON kiosks(activation_token_hash)
    WHERE activation_token_hash IS NOT NULL;
