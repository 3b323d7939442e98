-- Issue 14: two households of a centre found to be one family, merged at a desk (the
-- `households_merged` event). One row per person registered twice: the number that
-- went and the one it became, so a payment (never rewritten) or an old report naming
-- the absorbed number can always be followed to the person. Append-only.
CREATE TABLE resident_merges (
    centre_code       text NOT NULL REFERENCES centres(code),
    absorbed          text NOT NULL,
    survivor          text NOT NULL,
    kept_household    text NOT NULL,
    removed_household text NOT NULL,
    merged_at         timestamp NOT NULL,
    PRIMARY KEY (centre_code, absorbed)
);
CREATE TRIGGER resident_merges_append_only BEFORE UPDATE OR DELETE ON resident_merges
    FOR EACH ROW EXECUTE FUNCTION linli_append_only();
