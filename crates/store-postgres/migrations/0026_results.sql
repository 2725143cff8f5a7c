-- Issue 18: results. A candidate's veteran's-family priority travels with them onto the
-- council's list: it breaks a tie across a seat boundary, before the degree and the lottery.
ALTER TABLE candidates ADD COLUMN veteran_family BOOLEAN NOT NULL DEFAULT false;
UPDATE candidates SET veteran_family = true WHERE EXISTS (
    SELECT 1 FROM registrations r
    WHERE r.election_code = candidates.election_code AND r.national_id = candidates.national_id
      AND r.veteran_family);
