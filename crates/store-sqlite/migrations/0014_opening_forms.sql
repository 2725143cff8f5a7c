-- The opening's count of voter forms («تعرفه») received (issue 20); the zero reports of the
-- e-voting devices were shown then too (an opening is refused without them). NULL before the
-- station opens or for a day opened before this was kept.
ALTER TABLE station_days ADD COLUMN forms_received INTEGER;
