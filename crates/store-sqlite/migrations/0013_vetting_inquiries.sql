-- The standard inquiries of a vetting file (issue 20): the answer of each body the file is
-- referred to (domain::inquiry::Authority), recorded once; a body without a row has not
-- answered yet.
CREATE TABLE vetting_inquiries (
    tracking_code  TEXT NOT NULL REFERENCES registrations(tracking_code),
    authority      TEXT NOT NULL
        CHECK (authority IN ('judiciary', 'police', 'civil_registration', 'intelligence')),
    answer         TEXT NOT NULL CHECK (answer IN ('clear', 'adverse')),
    note           TEXT NOT NULL,
    answered_at_us INTEGER NOT NULL,
    actor          TEXT NOT NULL,
    PRIMARY KEY (tracking_code, authority)
);

-- The legal grounds a rejection cites (domain::vetting::RejectionGround codes joined by
-- commas; empty for other steps and for steps taken before this was kept).
ALTER TABLE vetting_events ADD COLUMN grounds TEXT NOT NULL DEFAULT '';
