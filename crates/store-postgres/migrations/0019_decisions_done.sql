-- A meeting's decision marked done by its board (issue 16 §4): when, by whom, what was done.
-- Overdue decisions are those past their date and not done.
ALTER TABLE meeting_decisions ADD COLUMN done_at_us BIGINT;
ALTER TABLE meeting_decisions ADD COLUMN done_by TEXT;
ALTER TABLE meeting_decisions ADD COLUMN done_note TEXT;
