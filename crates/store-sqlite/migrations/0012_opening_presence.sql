-- The opening's record (issue 20): who was present, as JSON of domain::station_day::Presence
-- (`{"head": true, "governor_rep": true, "inspector": false}`); NULL before the station opens or
-- for a day opened before this was kept.
ALTER TABLE station_days ADD COLUMN presence TEXT;
