-- Issue 18 §4: an approval of a result with ties only the lottery breaks draws the lottery's
-- seed (hex); its commitment is public from then on, the seed once the result is confirmed.
ALTER TABLE result_certifications ADD COLUMN lottery_seed TEXT;
