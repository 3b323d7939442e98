-- Issue 10: a household and its residents belong to the centre that registered them
-- (invariant 10). Household codes are a centre's own numbering, so two centres may
-- both have household 001 and they stay two households; an ID number stays unique in
-- the district, because a person is one person.

-- A resident belongs to the centre of their household. Rows written before this
-- migration carry the centre that wrote them last; the household's centre wins.
ALTER TABLE residents DROP CONSTRAINT residents_household_code_fkey;
UPDATE residents r SET centre_code = h.centre_code
FROM households h
WHERE h.code = r.household_code AND r.centre_code <> h.centre_code;

ALTER TABLE households DROP CONSTRAINT households_pkey;
ALTER TABLE households ADD PRIMARY KEY (centre_code, code);
-- When the district last heard of a change to the household (the device's time).
ALTER TABLE households ADD COLUMN updated_at timestamp;
UPDATE households SET updated_at = registered_at;
ALTER TABLE households ALTER COLUMN updated_at SET NOT NULL;

ALTER TABLE residents ADD CONSTRAINT residents_household_fkey
    FOREIGN KEY (centre_code, household_code) REFERENCES households (centre_code, code);
DROP INDEX residents_by_household;
CREATE INDEX residents_by_household ON residents (centre_code, household_code);

-- A household is news only for its own centre's devices; households already on the
-- feed for every centre are narrowed to theirs.
UPDATE changes SET centre_code = body->>'centre_code'
WHERE kind = 'household_known' AND centre_code IS NULL;

-- Tables that are records of what happened: rows are added, never changed or removed.
CREATE FUNCTION linli_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: its rows are never changed or removed', TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END
$$;

-- Masking as core's `mask_id_number` and `mask_phone` do, for what the district writes
-- in its own records: 440306********123X, 138****5678.
CREATE FUNCTION linli_mask_id(id text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN id IS NULL THEN NULL
                WHEN length(id) > 10 THEN left(id, 6) || repeat('*', length(id) - 10) || right(id, 4)
                ELSE repeat('*', length(id)) END
$$;
CREATE FUNCTION linli_mask_phone(phone text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN phone IS NULL THEN NULL
                WHEN length(phone) >= 11 THEN left(phone, 3) || repeat('*', length(phone) - 7) || right(phone, 4)
                ELSE repeat('*', length(phone)) END
$$;

-- Every change the district applies to the registry, written by the triggers below
-- whatever made it (a device's event, the demo): which device (the transaction's
-- `linli.device_id` setting; none for the district's own commands), which centre,
-- what, when, the subject masked, and each changed field old → new, phones masked.
-- ID numbers and phones never appear in full here.
CREATE TABLE registry_audit (
    id             bigserial PRIMARY KEY,
    at             timestamptz NOT NULL DEFAULT now(),
    device_id      uuid,
    centre_code    text NOT NULL,
    what           text NOT NULL,
    household_code text NOT NULL,
    -- The household code, or the resident's ID number masked.
    subject        text NOT NULL,
    -- When the device says the change happened (its clock).
    occurred_at    timestamp NOT NULL,
    -- {"field": [old, new]}; old is null for a new household or resident.
    changes        jsonb NOT NULL
);
CREATE INDEX registry_audit_by_centre ON registry_audit (centre_code, at);
CREATE TRIGGER registry_audit_append_only BEFORE UPDATE OR DELETE ON registry_audit
    FOR EACH ROW EXECUTE FUNCTION linli_append_only();
CREATE TRIGGER registry_audit_never_truncated BEFORE TRUNCATE ON registry_audit
    FOR EACH STATEMENT EXECUTE FUNCTION linli_append_only();

CREATE FUNCTION linli_changed(changes jsonb, field text, old anyelement, new anyelement)
RETURNS jsonb LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN old IS DISTINCT FROM new
                THEN changes || jsonb_build_object(field, jsonb_build_array(to_jsonb(old), to_jsonb(new)))
                ELSE changes END
$$;

CREATE FUNCTION linli_audit_household() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    diff jsonb := '{}';
BEGIN
    IF TG_OP = 'UPDATE' THEN
        diff := linli_changed(diff, 'address', OLD.address, NEW.address);
        diff := linli_changed(diff, 'community_code', OLD.community_code, NEW.community_code);
    ELSE
        diff := linli_changed(diff, 'address', NULL::text, NEW.address);
        diff := linli_changed(diff, 'community_code', NULL::text, NEW.community_code);
    END IF;
    IF diff = '{}' THEN
        RETURN NULL;
    END IF;
    INSERT INTO registry_audit (device_id, centre_code, what, household_code, subject, occurred_at, changes)
    VALUES (nullif(current_setting('linli.device_id', true), '')::uuid, NEW.centre_code,
            CASE TG_OP WHEN 'INSERT' THEN 'household_registered' ELSE 'household_changed' END,
            NEW.code, NEW.code, NEW.updated_at, diff);
    RETURN NULL;
END
$$;
CREATE TRIGGER households_audited AFTER INSERT OR UPDATE ON households
    FOR EACH ROW EXECUTE FUNCTION linli_audit_household();

CREATE FUNCTION linli_audit_resident() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    diff jsonb := '{}';
BEGIN
    IF TG_OP = 'UPDATE' THEN
        diff := linli_changed(diff, 'household_code', OLD.household_code, NEW.household_code);
        diff := linli_changed(diff, 'name', OLD.name, NEW.name);
        diff := linli_changed(diff, 'phone', linli_mask_phone(OLD.phone), linli_mask_phone(NEW.phone));
        diff := linli_changed(diff, 'tags', OLD.tags, NEW.tags);
    ELSE
        diff := linli_changed(diff, 'household_code', NULL::text, NEW.household_code);
        diff := linli_changed(diff, 'name', NULL::text, NEW.name);
        diff := linli_changed(diff, 'phone', NULL::text, linli_mask_phone(NEW.phone));
        diff := linli_changed(diff, 'tags', NULL::text[], NEW.tags);
    END IF;
    IF diff = '{}' THEN
        RETURN NULL;
    END IF;
    INSERT INTO registry_audit (device_id, centre_code, what, household_code, subject, occurred_at, changes)
    VALUES (nullif(current_setting('linli.device_id', true), '')::uuid, NEW.centre_code,
            CASE WHEN TG_OP = 'INSERT' THEN 'resident_registered'
                 WHEN OLD.household_code IS DISTINCT FROM NEW.household_code THEN 'resident_moved'
                 ELSE 'resident_changed' END,
            NEW.household_code, linli_mask_id(NEW.id_number), NEW.updated_at, diff);
    RETURN NULL;
END
$$;
CREATE TRIGGER residents_audited AFTER INSERT OR UPDATE ON residents
    FOR EACH ROW EXECUTE FUNCTION linli_audit_resident();

-- Every look at another centre's household (POST /v1/registry/lookup): who (device
-- and the staff member signed in there), when, whom (the ID number masked), why, and
-- whether the district had them. Also what the per-device rate limit counts.
CREATE TABLE registry_lookups (
    id          bigserial PRIMARY KEY,
    at          timestamptz NOT NULL DEFAULT now(),
    device_id   uuid NOT NULL REFERENCES devices(id),
    centre_code text NOT NULL,
    staff_code  text NOT NULL,
    id_masked   text NOT NULL,
    purpose     text NOT NULL,
    -- The centre whose household was shown; null when the district had nobody.
    found_centre text
);
CREATE INDEX registry_lookups_by_device ON registry_lookups (device_id, at);
CREATE TRIGGER registry_lookups_append_only BEFORE UPDATE OR DELETE ON registry_lookups
    FOR EACH ROW EXECUTE FUNCTION linli_append_only();
CREATE TRIGGER registry_lookups_never_truncated BEFORE TRUNCATE ON registry_lookups
    FOR EACH STATEMENT EXECUTE FUNCTION linli_append_only();
