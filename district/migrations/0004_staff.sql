-- Issue 10: the staff accounts of real centres. Staff codes are unique within a
-- centre. The PIN is kept only as its argon2 PHC hash, the same the centre's devices
-- verify offline; `must_change_pin` marks a one-time PIN handed out by district staff
-- or a manager. The newest version (`changed_at`) wins, wherever it was made.
CREATE TABLE staff_accounts (
    centre_code     text NOT NULL REFERENCES centres(code),
    code            text NOT NULL CHECK (code ~ '^[A-Za-z0-9_-]{1,20}$'),
    name            text NOT NULL CHECK (length(name) BETWEEN 1 AND 50),
    roles           text[] NOT NULL CHECK (cardinality(roles) > 0),
    pin_hash        text NOT NULL CHECK (pin_hash LIKE '$argon2%'),
    must_change_pin boolean NOT NULL,
    disabled        boolean NOT NULL DEFAULT false,
    changed_at      timestamp NOT NULL,
    -- A staff code at a device, or `district/<login>` for `linli-district admin staff`.
    changed_by      text NOT NULL,
    -- The device the change came from; null for the district's own commands.
    device_id       uuid REFERENCES devices(id),
    PRIMARY KEY (centre_code, code)
);

-- Every change to a staff account, written by trigger whatever made it: who, from
-- which device, what changed. A PIN change is recorded as such, never its hash.
CREATE TABLE staff_audit (
    id          bigserial PRIMARY KEY,
    at          timestamptz NOT NULL DEFAULT now(),
    centre_code text NOT NULL,
    code        text NOT NULL,
    what        text NOT NULL,
    changed_by  text NOT NULL,
    device_id   uuid,
    changed_at  timestamp NOT NULL,
    changes     jsonb NOT NULL
);
CREATE TRIGGER staff_audit_append_only BEFORE UPDATE OR DELETE ON staff_audit
    FOR EACH ROW EXECUTE FUNCTION linli_append_only();
CREATE TRIGGER staff_audit_never_truncated BEFORE TRUNCATE ON staff_audit
    FOR EACH STATEMENT EXECUTE FUNCTION linli_append_only();

CREATE FUNCTION linli_audit_staff() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    diff jsonb := '{}';
BEGIN
    IF TG_OP = 'UPDATE' THEN
        diff := linli_changed(diff, 'name', OLD.name, NEW.name);
        diff := linli_changed(diff, 'roles', OLD.roles, NEW.roles);
        diff := linli_changed(diff, 'must_change_pin', OLD.must_change_pin, NEW.must_change_pin);
        diff := linli_changed(diff, 'disabled', OLD.disabled, NEW.disabled);
        IF OLD.pin_hash IS DISTINCT FROM NEW.pin_hash THEN
            diff := diff || '{"pin": "changed"}';
        END IF;
    ELSE
        diff := linli_changed(diff, 'name', NULL::text, NEW.name);
        diff := linli_changed(diff, 'roles', NULL::text[], NEW.roles);
        diff := linli_changed(diff, 'must_change_pin', NULL::boolean, NEW.must_change_pin);
        diff := linli_changed(diff, 'disabled', NULL::boolean, NEW.disabled);
        diff := diff || '{"pin": "set"}';
    END IF;
    IF diff = '{}' THEN
        RETURN NULL;
    END IF;
    INSERT INTO staff_audit (centre_code, code, what, changed_by, device_id, changed_at, changes)
    VALUES (NEW.centre_code, NEW.code,
            CASE WHEN TG_OP = 'INSERT' THEN 'staff_added' ELSE 'staff_changed' END,
            NEW.changed_by, NEW.device_id, NEW.changed_at, diff);
    RETURN NULL;
END
$$;
CREATE TRIGGER staff_accounts_audited AFTER INSERT OR UPDATE ON staff_accounts
    FOR EACH ROW EXECUTE FUNCTION linli_audit_staff();
