-- Turnout as of the last commit, under the name both backends read it by.
--
-- SQLite's election-day writer appends each batch's counts to a `turnout_pending` table and folds
-- them into `turnout` about once a second, so its `turnout_now` view adds the two. PostgreSQL's
-- writer updates `turnout` directly in each batch (one `INSERT … ON CONFLICT DO UPDATE`), so
-- nothing is pending here and the view is `turnout` itself: it is kept so that both backends
-- have the same schema steps, version for version, and the same names to read turnout by.
CREATE VIEW turnout_now AS
    SELECT election_code, station_code, council_code, hour_us, checked_in FROM turnout;
