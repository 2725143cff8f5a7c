-- Issue 17 §4: the count. Each guardian's decryption share of a closed station's encrypted
-- tally for a council (checked against its proof before it is kept), and the counts that k of
-- them gave. No single ballot is ever decrypted: a tally is the sum of a station's ballots for
-- a council, which anyone recomputes from the published ciphertexts.
CREATE TABLE decryption_shares (
    election_code TEXT NOT NULL,
    station_code  TEXT NOT NULL,
    council_code  TEXT NOT NULL,
    guardian      INTEGER NOT NULL,
    share         TEXT NOT NULL,
    at_us         INTEGER NOT NULL,
    PRIMARY KEY (election_code, station_code, council_code, guardian)
) WITHOUT ROWID;

CREATE TABLE tally_counts (
    election_code TEXT NOT NULL,
    station_code  TEXT NOT NULL,
    council_code  TEXT NOT NULL,
    counts        TEXT NOT NULL,
    at_us         INTEGER NOT NULL,
    PRIMARY KEY (election_code, station_code, council_code)
) WITHOUT ROWID;
