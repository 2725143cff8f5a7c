-- Account lifecycle and idle sessions (issue 15). An account can be disabled: it cannot sign
-- in, and its sessions end with it. A session remembers when it was last used and how long it
-- may go unused; NULL means only its expiry ends it (a station's device on its polling day,
-- and the sessions opened before this migration, which end by their expiry as before).
-- Version 8 is another change's; each migration is applied by its version, so the gap is
-- harmless.
ALTER TABLE users ADD COLUMN disabled_at_us INTEGER;
ALTER TABLE sessions ADD COLUMN last_seen_at_us INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sessions ADD COLUMN idle_timeout_us INTEGER;
UPDATE sessions SET last_seen_at_us = created_at_us;
