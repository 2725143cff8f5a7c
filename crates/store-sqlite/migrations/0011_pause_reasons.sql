-- A station's current pause (issue 20): why, from a fixed list (`domain::station_day::PauseReason`),
-- the head's notes, and since when. All empty while the station is not paused, and for a pause
-- begun before this migration (its reason is in its `station.pause` audit record).
-- Version 10 is another change's; each migration is applied by its version, so the order of
-- their arrival is harmless.
ALTER TABLE station_days ADD COLUMN paused_at_us INTEGER;
ALTER TABLE station_days ADD COLUMN pause_reason TEXT
    CHECK (pause_reason IN ('power_cut', 'device_fault', 'link_down', 'executive_board_order', 'other'));
ALTER TABLE station_days ADD COLUMN pause_notes TEXT NOT NULL DEFAULT '';
