-- Issue 18 §4: an approval of a result with ties only the lottery breaks draws the lottery's
-- seed (hex); its commitment is public from then on, the seed once the result is confirmed.
ALTER TABLE result_certifications ADD COLUMN lottery_seed TEXT;
-- A candidate complains once about a station, and once about the council as a whole.
CREATE UNIQUE INDEX result_complaints_once
    ON result_complaints(election_code, council_code, candidate_code, COALESCE(station_code, ''));
-- Certification steps are kept as written.
CREATE FUNCTION result_certifications_are_kept() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'a certification step is never changed or deleted';
END;
$$;
CREATE TRIGGER result_certifications_kept BEFORE UPDATE OR DELETE ON result_certifications
    FOR EACH ROW EXECUTE FUNCTION result_certifications_are_kept();
