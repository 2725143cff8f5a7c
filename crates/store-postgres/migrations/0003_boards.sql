-- Boards and their meetings (PostgreSQL twin of store-sqlite's 0003_boards.sql). A board is named
-- by its code (domain::boards::board_code); boards are not rows of their own: every county has
-- its inspection and executive board.

CREATE TABLE board_members (
    board_code      TEXT NOT NULL,
    kind            TEXT NOT NULL CHECK (kind IN ('province_inspection', 'county_inspection', 'county_executive')),
    county_code     TEXT REFERENCES counties(code),
    national_id     TEXT NOT NULL REFERENCES people(national_id),
    role            TEXT NOT NULL CHECK (role IN ('chair', 'head', 'judiciary_rep', 'civil_registration_head', 'trusted', 'member', 'alternate')),
    term_start      TEXT NOT NULL,          -- ISO date
    term_end        TEXT,                   -- ISO date
    appointed_at_us BIGINT NOT NULL,
    appointed_by    TEXT NOT NULL,
    PRIMARY KEY (board_code, national_id)
);
CREATE INDEX board_members_county ON board_members(county_code);

CREATE TABLE meetings (
    id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    board_code     TEXT NOT NULL,
    held_at_us     BIGINT NOT NULL,
    agenda         TEXT NOT NULL,
    minutes        TEXT NOT NULL,
    recorded_at_us BIGINT NOT NULL,
    recorded_by    TEXT NOT NULL
);
CREATE INDEX meetings_board ON meetings(board_code, held_at_us);

CREATE TABLE meeting_attendance (
    meeting_id  BIGINT NOT NULL REFERENCES meetings(id) ON DELETE CASCADE,
    national_id TEXT NOT NULL,
    present     BOOLEAN NOT NULL,
    PRIMARY KEY (meeting_id, national_id)
);

CREATE TABLE meeting_decisions (
    meeting_id BIGINT NOT NULL REFERENCES meetings(id) ON DELETE CASCADE,
    position   BIGINT NOT NULL,
    text       TEXT NOT NULL,
    owner      TEXT NOT NULL,
    due_on     TEXT NOT NULL,               -- ISO date
    PRIMARY KEY (meeting_id, position)
);
