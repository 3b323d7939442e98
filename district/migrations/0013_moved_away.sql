-- Issue 14: a household that moved away (the `household_moved_away` event) takes no
-- new sign-ups at any of its centre's devices; the day travels to them with the
-- household (`household_known`). Its history is kept.
ALTER TABLE households ADD COLUMN moved_away_on date;
ALTER TABLE households ADD COLUMN moved_away_reason text;
