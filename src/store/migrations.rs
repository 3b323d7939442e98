//! Forward-only schema migrations.
//!
//! Each entry moves the schema from version `index` to `index + 1` and is never edited
//! once released: a device in the field may be at any earlier version, and
//! `tests/store.rs` migrates a populated database from every one of them. SQLite's
//! `user_version` pragma holds the version so it changes in the same transaction as
//! the schema.

/// The schema, one migration per area of the product, oldest first.
pub const MIGRATIONS: &[&str] = &[
    // 1: the device, the household registry, and the two append-only journals every
    // use-case writes (outbox for the district, audit for invariant 7).
    r#"
    CREATE TABLE settings (
        key   TEXT PRIMARY KEY,
        value TEXT NOT NULL
    ) STRICT;
    CREATE TABLE households (
        code           TEXT PRIMARY KEY,
        address        TEXT NOT NULL,
        community_code TEXT NOT NULL,
        created_at     TEXT NOT NULL
    ) STRICT;
    CREATE TABLE residents (
        id_number      TEXT PRIMARY KEY,
        household_code TEXT NOT NULL REFERENCES households(code),
        name           TEXT NOT NULL,
        phone          TEXT,
        birth_date     TEXT NOT NULL,
        sex            TEXT NOT NULL,
        tags           TEXT NOT NULL DEFAULT '',
        created_at     TEXT NOT NULL,
        updated_at     TEXT NOT NULL
    ) STRICT;
    CREATE INDEX residents_by_phone ON residents(phone);
    CREATE INDEX residents_by_household ON residents(household_code);
    CREATE TABLE outbox (
        seq        INTEGER PRIMARY KEY AUTOINCREMENT,
        event_id   TEXT NOT NULL UNIQUE,
        kind       TEXT NOT NULL,
        body       TEXT NOT NULL,
        created_at TEXT NOT NULL,
        sent_at    TEXT
    ) STRICT;
    CREATE INDEX outbox_pending ON outbox(seq) WHERE sent_at IS NULL;
    CREATE TABLE audit_log (
        seq       INTEGER PRIMARY KEY AUTOINCREMENT,
        at        TEXT NOT NULL,
        device_id TEXT NOT NULL,
        actor     TEXT NOT NULL,
        action    TEXT NOT NULL,
        subject   TEXT NOT NULL,
        detail    TEXT NOT NULL
    ) STRICT;
    -- The audit log is append-only (invariant 7): the database itself refuses to
    -- rewrite history, whatever code path tries.
    CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
        BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
    CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
        BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
    "#,
    // 2: programmes, the district's published data, and enrolments.
    r#"
    CREATE TABLE published (
        kind    TEXT NOT NULL,
        id      TEXT NOT NULL,
        version INTEGER NOT NULL,
        body    TEXT NOT NULL,
        PRIMARY KEY (kind, id, version)
    ) STRICT;
    CREATE TABLE programmes (
        code     TEXT PRIMARY KEY,
        kind     TEXT NOT NULL,
        capacity INTEGER NOT NULL CHECK (capacity >= 0),
        status   TEXT NOT NULL,
        body     TEXT NOT NULL
    ) STRICT;
    CREATE TABLE enrolments (
        id             TEXT PRIMARY KEY,
        programme_code TEXT NOT NULL REFERENCES programmes(code),
        resident       TEXT NOT NULL REFERENCES residents(id_number),
        status         TEXT NOT NULL,
        sort_key       TEXT NOT NULL,
        priority       TEXT NOT NULL,
        offer_deadline TEXT,
        reason         TEXT,
        created_at     TEXT NOT NULL,
        updated_at     TEXT NOT NULL
    ) STRICT;
    -- One active enrolment per person and programme, enforced below the rules too.
    CREATE UNIQUE INDEX enrolments_one_active
        ON enrolments(programme_code, resident)
        WHERE status IN ('confirmed', 'waitlisted', 'offered');
    CREATE INDEX enrolments_by_resident ON enrolments(resident);
    CREATE INDEX enrolments_queue ON enrolments(programme_code, status, sort_key);
    -- Invariant 2 below the rules: held seats (confirmed + offered) never exceed
    -- capacity, whatever code path writes an enrolment.
    CREATE TRIGGER enrolments_capacity_insert AFTER INSERT ON enrolments
        WHEN NEW.status IN ('confirmed', 'offered')
         AND (SELECT count(*) FROM enrolments
              WHERE programme_code = NEW.programme_code AND status IN ('confirmed', 'offered'))
           > (SELECT capacity FROM programmes WHERE code = NEW.programme_code)
        BEGIN SELECT RAISE(ABORT, 'capacity exceeded'); END;
    CREATE TRIGGER enrolments_capacity_update AFTER UPDATE OF status ON enrolments
        WHEN NEW.status IN ('confirmed', 'offered')
         AND (SELECT count(*) FROM enrolments
              WHERE programme_code = NEW.programme_code AND status IN ('confirmed', 'offered'))
           > (SELECT capacity FROM programmes WHERE code = NEW.programme_code)
        BEGIN SELECT RAISE(ABORT, 'capacity exceeded'); END;
    CREATE TABLE unplaced_last_term (
        programme_kind TEXT NOT NULL,
        resident       TEXT NOT NULL,
        PRIMARY KEY (programme_kind, resident)
    ) STRICT;
    "#,
    // 3: attendance with pickup, volunteers and their shifts.
    r#"
    -- Who may collect each child, as the guardian declared it (core's PickupAuthorisation).
    CREATE TABLE pickup_authorisations (
        child TEXT PRIMARY KEY REFERENCES residents(id_number),
        body  TEXT NOT NULL
    ) STRICT;
    CREATE TABLE attendance (
        programme_code TEXT NOT NULL REFERENCES programmes(code),
        session_date   TEXT NOT NULL,
        resident       TEXT NOT NULL REFERENCES residents(id_number),
        checked_in_at  TEXT NOT NULL,
        checked_out_at TEXT,
        picked_up_by   TEXT,
        body           TEXT NOT NULL,
        PRIMARY KEY (programme_code, session_date, resident)
    ) STRICT;
    CREATE TABLE volunteers (
        id_number     TEXT PRIMARY KEY REFERENCES residents(id_number),
        skills        TEXT NOT NULL DEFAULT '',
        registered_at TEXT NOT NULL
    ) STRICT;
    CREATE TABLE shifts (
        id          TEXT PRIMARY KEY,
        volunteer   TEXT NOT NULL REFERENCES volunteers(id_number),
        activity    TEXT NOT NULL,
        clock_in    TEXT NOT NULL,
        clock_out   TEXT,
        minutes     INTEGER NOT NULL DEFAULT 0,
        status      TEXT NOT NULL,
        reviewer    TEXT,
        review_note TEXT,
        body        TEXT NOT NULL
    ) STRICT;
    CREATE UNIQUE INDEX shifts_one_open ON shifts(volunteer) WHERE status = 'open';
    -- Shifts are never deleted: a declined shift stays as the record of the decision.
    CREATE TRIGGER shifts_no_delete BEFORE DELETE ON shifts
        BEGIN SELECT RAISE(ABORT, 'shifts are never deleted'); END;
    "#,
    // 4: convenience businesses and their filings and ledgers, ratings, staff.
    r#"
    CREATE TABLE businesses (
        code           TEXT PRIMARY KEY,
        name           TEXT NOT NULL,
        category       TEXT NOT NULL,
        filing_status  TEXT NOT NULL,
        filing_number  TEXT UNIQUE,
        body           TEXT NOT NULL
    ) STRICT;
    CREATE TABLE ledgers (
        business_code TEXT NOT NULL REFERENCES businesses(code),
        month         TEXT NOT NULL,
        revenue_fen   INTEGER NOT NULL,
        cost_fen      INTEGER NOT NULL,
        recorded_at   TEXT NOT NULL,
        PRIMARY KEY (business_code, month)
    ) STRICT;
    CREATE TABLE ratings (
        id             TEXT PRIMARY KEY,
        service_ref    TEXT NOT NULL UNIQUE,
        programme_code TEXT NOT NULL,
        level          INTEGER NOT NULL CHECK (level BETWEEN 1 AND 5),
        body           TEXT NOT NULL,
        rated_at       TEXT NOT NULL
    ) STRICT;
    CREATE TABLE follow_ups (
        rating_id TEXT PRIMARY KEY REFERENCES ratings(id),
        due       TEXT NOT NULL,
        status    TEXT NOT NULL,
        body      TEXT NOT NULL
    ) STRICT;
    CREATE TABLE staff (
        code         TEXT PRIMARY KEY,
        name         TEXT NOT NULL,
        roles        TEXT NOT NULL,
        pin_hash     TEXT NOT NULL,
        failures     INTEGER NOT NULL DEFAULT 0,
        locked_until TEXT
    ) STRICT;
    "#,
    // 5: slips people take home, the durable print queue, and call-staff alerts.
    r#"
    -- Every slip ever issued, as printed (personal data already masked), so a reprint
    -- is the same paper and a serial can be verified. Kept like the audit log.
    CREATE TABLE slips (
        serial            TEXT PRIMARY KEY,
        kind              TEXT NOT NULL,
        verification_code TEXT NOT NULL,
        subject           TEXT NOT NULL,
        receipt           TEXT NOT NULL,
        issued_at         TEXT NOT NULL
    ) STRICT;
    CREATE TRIGGER slips_no_update BEFORE UPDATE ON slips
        BEGIN SELECT RAISE(ABORT, 'slips are never rewritten'); END;
    CREATE TRIGGER slips_no_delete BEFORE DELETE ON slips
        BEGIN SELECT RAISE(ABORT, 'slips are never deleted'); END;
    CREATE TABLE slip_counters (
        day  TEXT PRIMARY KEY,
        last INTEGER NOT NULL
    ) STRICT;
    -- One row per paper to print: copy 0 is the original, 1.. are reprints someone
    -- asked for. Queue timing is machine time in milliseconds since the epoch, apart
    -- from the business clock, so a test's fixed LINLI_NOW cannot stall the queue.
    CREATE TABLE print_jobs (
        id              INTEGER PRIMARY KEY AUTOINCREMENT,
        serial          TEXT NOT NULL REFERENCES slips(serial),
        copy            INTEGER NOT NULL CHECK (copy >= 0),
        state           TEXT NOT NULL
            CHECK (state IN ('queued', 'sending', 'printed', 'in_doubt', 'cancelled')),
        attempts        INTEGER NOT NULL DEFAULT 0,
        next_attempt_ms INTEGER NOT NULL,
        lease_until_ms  INTEGER,
        lease_owner     TEXT,
        last_error      TEXT,
        requested_by    TEXT NOT NULL,
        created_at      TEXT NOT NULL,
        printed_at      TEXT,
        UNIQUE (serial, copy)
    ) STRICT;
    CREATE INDEX print_jobs_open ON print_jobs(next_attempt_ms)
        WHERE state IN ('queued', 'sending');
    CREATE TABLE alerts (
        id              INTEGER PRIMARY KEY AUTOINCREMENT,
        kind            TEXT NOT NULL,
        source          TEXT NOT NULL,
        raised_at       TEXT NOT NULL,
        acknowledged_at TEXT,
        acknowledged_by TEXT
    ) STRICT;
    CREATE INDEX alerts_open ON alerts(id) WHERE acknowledged_at IS NULL;
    "#,
    // 6: residents' own kiosk PINs (phone number + PIN identifies them at the kiosk),
    // with the same five-failure lockout as staff.
    r#"
    CREATE TABLE resident_pins (
        id_number    TEXT PRIMARY KEY REFERENCES residents(id_number),
        pin_hash     TEXT NOT NULL,
        failures     INTEGER NOT NULL DEFAULT 0,
        locked_until TEXT,
        set_at       TEXT NOT NULL
    ) STRICT;
    "#,
    // 7: resident cards and QR codes the kiosk's readers identify residents by.
    r#"
    CREATE TABLE resident_cards (
        token     TEXT PRIMARY KEY,
        id_number TEXT NOT NULL REFERENCES residents(id_number),
        issued_at TEXT NOT NULL
    ) STRICT;
    CREATE INDEX resident_cards_by_resident ON resident_cards(id_number);
    "#,
    // 8: sync with the district. An event the district rejects is parked with its
    // reason (never deleted, never blocking the rest); seats are granted per programme
    // (invariant 2); the pull cursor and sync status live in settings.
    r#"
    ALTER TABLE outbox ADD COLUMN parked_at TEXT;
    ALTER TABLE outbox ADD COLUMN park_reason TEXT;
    CREATE INDEX outbox_unsent ON outbox(seq) WHERE sent_at IS NULL AND parked_at IS NULL;
    CREATE TABLE seat_grants (
        programme_code TEXT PRIMARY KEY,
        -- The district's running total of seats it shared out to this device.
        granted        INTEGER NOT NULL DEFAULT 0 CHECK (granted >= 0),
        -- Seats that came with offers the district made to people waiting here.
        offer_seats    INTEGER NOT NULL DEFAULT 0 CHECK (offer_seats >= 0),
        -- Seats this device gave back, as a running total (sent in seats_released).
        released       INTEGER NOT NULL DEFAULT 0 CHECK (released >= 0),
        keep_free      INTEGER NOT NULL DEFAULT 0
    ) STRICT;
    "#,
    // 9: a real centre's staff and registry (issue 10). Staff accounts come from the
    // district (or a manager at the desk) with a one-time PIN to change at first
    // sign-in, and can be disabled (never deleted: the audit log names them). Keypad
    // limits are per device and survive a restart. A household another centre
    // registered is held here only when staff looked it up, and is never changed here.
    r#"
    ALTER TABLE staff ADD COLUMN must_change_pin INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE staff ADD COLUMN disabled INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE staff ADD COLUMN updated_at TEXT;
    CREATE TABLE keypad_limits (
        keypad           TEXT PRIMARY KEY CHECK (keypad IN ('resident', 'staff')),
        failures         INTEGER NOT NULL DEFAULT 0,
        first_failure_at TEXT,
        locked_until     TEXT
    ) STRICT;
    ALTER TABLE households ADD COLUMN owner_centre TEXT;
    ALTER TABLE households ADD COLUMN owner_code TEXT;
    "#,
    // 10: fees (issue 13). Money taken and given back at the desk, in fen. Like the
    // audit log, a record is never changed or removed: a mistake is put right by a
    // refund naming the payment, so the day's cash can always be rebuilt from here.
    r#"
    CREATE TABLE payments (
        id         TEXT PRIMARY KEY,
        resident   TEXT NOT NULL REFERENCES residents(id_number),
        programme  TEXT NOT NULL REFERENCES programmes(code),
        period     TEXT NOT NULL,
        amount_fen INTEGER NOT NULL CHECK (amount_fen > 0),
        due_fen    INTEGER NOT NULL CHECK (due_fen >= 0),
        method     TEXT NOT NULL CHECK (method IN ('cash', 'reference')),
        reference  TEXT,
        kind       TEXT NOT NULL CHECK (kind IN ('payment', 'refund')),
        reason     TEXT,
        refunds    TEXT REFERENCES payments(id),
        staff      TEXT NOT NULL,
        at         TEXT NOT NULL,
        CHECK ((kind = 'refund') = (refunds IS NOT NULL)),
        CHECK (kind = 'payment' OR reason IS NOT NULL),
        CHECK ((method = 'reference') = (reference IS NOT NULL))
    ) STRICT;
    CREATE INDEX payments_by_account ON payments(resident, programme, period);
    CREATE INDEX payments_by_refunded ON payments(refunds) WHERE refunds IS NOT NULL;
    CREATE INDEX payments_by_time ON payments(at);
    CREATE TRIGGER payments_no_update BEFORE UPDATE ON payments
        BEGIN SELECT RAISE(ABORT, 'payments are append-only'); END;
    CREATE TRIGGER payments_no_delete BEFORE DELETE ON payments
        BEGIN SELECT RAISE(ABORT, 'payments are append-only'); END;
    "#,
    // 11: day care transport and meals (issue 13). Beside the day's attendance, each
    // member's meals, transport leg and any absence they sent word of; a closed day
    // keeps who closed it and why, if anyone was still on the road.
    r#"
    CREATE TABLE day_care_days (
        programme_code TEXT NOT NULL REFERENCES programmes(code),
        session_date   TEXT NOT NULL,
        resident       TEXT NOT NULL REFERENCES residents(id_number),
        breakfast      INTEGER NOT NULL DEFAULT 0,
        lunch          INTEGER NOT NULL DEFAULT 0,
        place          TEXT,
        pickup_at      TEXT,
        picked_up_at   TEXT,
        dropped_off_at TEXT,
        absence_reason TEXT,
        PRIMARY KEY (programme_code, session_date, resident),
        CHECK ((place IS NULL) = (pickup_at IS NULL)),
        CHECK (dropped_off_at IS NULL OR picked_up_at IS NOT NULL)
    ) STRICT;
    CREATE TABLE day_care_closings (
        programme_code TEXT NOT NULL REFERENCES programmes(code),
        session_date   TEXT NOT NULL,
        closed_at      TEXT NOT NULL,
        closed_by      TEXT NOT NULL,
        reason         TEXT,
        open_transport INTEGER NOT NULL,
        PRIMARY KEY (programme_code, session_date),
        CHECK (open_transport = 0 OR reason IS NOT NULL)
    ) STRICT;
    CREATE TRIGGER day_care_closings_no_update BEFORE UPDATE ON day_care_closings
        BEGIN SELECT RAISE(ABORT, 'a closed day stays closed'); END;
    CREATE TRIGGER day_care_closings_no_delete BEFORE DELETE ON day_care_closings
        BEGIN SELECT RAISE(ABORT, 'a closed day stays closed'); END;
    "#,
    // 12: the desk's late-pickup calls (issue 13): each call staff made about a child
    // still here after closing, kept like the audit log, since "we called three times"
    // is what the desk may have to show a parent or the social worker.
    r#"
    CREATE TABLE pickup_calls (
        id             INTEGER PRIMARY KEY AUTOINCREMENT,
        programme_code TEXT NOT NULL REFERENCES programmes(code),
        session_date   TEXT NOT NULL,
        child          TEXT NOT NULL REFERENCES residents(id_number),
        contact        TEXT NOT NULL,
        outcome        TEXT NOT NULL CHECK (outcome IN ('reached', 'no_answer', 'wrong_number')),
        note           TEXT NOT NULL DEFAULT '',
        staff          TEXT NOT NULL,
        at             TEXT NOT NULL
    ) STRICT;
    CREATE INDEX pickup_calls_by_child ON pickup_calls(programme_code, session_date, child);
    CREATE TRIGGER pickup_calls_no_update BEFORE UPDATE ON pickup_calls
        BEGIN SELECT RAISE(ABORT, 'pickup_calls is append-only'); END;
    CREATE TRIGGER pickup_calls_no_delete BEFORE DELETE ON pickup_calls
        BEGIN SELECT RAISE(ABORT, 'pickup_calls is append-only'); END;
    "#,
    // 13: a counter that moves with every change to the registry (households,
    // residents, cards), whoever makes it: the desk's search keeps the registry in
    // memory and rebuilds it only when this has moved (usecase/search.rs), so a CLI
    // import, a sync or a registration at the desk is seen on the next keystroke, and
    // a roll call or a sign-up costs the search nothing. A rolled-back change rolls
    // the counter back with it.
    r#"
    CREATE TABLE registry_version (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        n  INTEGER NOT NULL
    ) STRICT;
    INSERT INTO registry_version (id, n) VALUES (1, 0);
    CREATE TRIGGER registry_households_insert AFTER INSERT ON households
        BEGIN UPDATE registry_version SET n = n + 1; END;
    CREATE TRIGGER registry_households_update AFTER UPDATE ON households
        BEGIN UPDATE registry_version SET n = n + 1; END;
    CREATE TRIGGER registry_households_delete AFTER DELETE ON households
        BEGIN UPDATE registry_version SET n = n + 1; END;
    CREATE TRIGGER registry_residents_insert AFTER INSERT ON residents
        BEGIN UPDATE registry_version SET n = n + 1; END;
    CREATE TRIGGER registry_residents_update AFTER UPDATE ON residents
        BEGIN UPDATE registry_version SET n = n + 1; END;
    CREATE TRIGGER registry_residents_delete AFTER DELETE ON residents
        BEGIN UPDATE registry_version SET n = n + 1; END;
    CREATE TRIGGER registry_cards_insert AFTER INSERT ON resident_cards
        BEGIN UPDATE registry_version SET n = n + 1; END;
    CREATE TRIGGER registry_cards_update AFTER UPDATE ON resident_cards
        BEGIN UPDATE registry_version SET n = n + 1; END;
    CREATE TRIGGER registry_cards_delete AFTER DELETE ON resident_cards
        BEGIN UPDATE registry_version SET n = n + 1; END;
    "#,
    // 14: absences, dietary needs (issue 13).
    // One absence per child, programme, date and part of the day: a parent calling
    // twice changes the one record; a withdrawn absence is kept with its time.
    // Dietary needs are health data kept on the device only (never in the outbox).
    // A meal count staff recorded, per lunch-care session.
    r#"
    CREATE TABLE absences (
        programme_code TEXT NOT NULL REFERENCES programmes(code),
        resident       TEXT NOT NULL REFERENCES residents(id_number),
        date           TEXT NOT NULL,
        part           TEXT NOT NULL CHECK (part IN ('whole_day', 'morning', 'afternoon')),
        reason         TEXT NOT NULL CHECK (reason IN ('ill', 'leave', 'other')),
        note           TEXT,
        reported_at    TEXT NOT NULL,
        reported_by    TEXT NOT NULL,
        withdrawn_at   TEXT,
        PRIMARY KEY (programme_code, resident, date, part)
    ) STRICT;
    CREATE INDEX absences_by_day ON absences(programme_code, date) WHERE withdrawn_at IS NULL;
    CREATE TABLE dietary_needs (
        resident   TEXT PRIMARY KEY REFERENCES residents(id_number),
        allergies  TEXT NOT NULL DEFAULT '[]',
        diet       TEXT,
        note       TEXT,
        updated_at TEXT NOT NULL,
        updated_by TEXT NOT NULL
    ) STRICT;
    CREATE TABLE meal_counts (
        programme_code TEXT NOT NULL REFERENCES programmes(code),
        date           TEXT NOT NULL,
        count          INTEGER NOT NULL CHECK (count >= 0),
        recorded_at    TEXT NOT NULL,
        recorded_by    TEXT NOT NULL,
        PRIMARY KEY (programme_code, date)
    ) STRICT;
    "#,
    // 15: when a pickup list last changed, here or at another desk of the centre
    // (issue 13): the newest list wins when one arrives from the district.
    r#"
    ALTER TABLE pickup_authorisations ADD COLUMN changed_at TEXT NOT NULL DEFAULT '';
    "#,
    // 16: a card reported lost is revoked, not deleted (issue 14): it stops working at
    // once, and the record of whose it was stays.
    r#"
    ALTER TABLE resident_cards ADD COLUMN revoked_at TEXT;
    "#,
    // 17: households registered at the desk (issue 14): each member's relationship to
    // the head of household, a household that moved away (kept, inactive: no new
    // sign-ups), and the consents given for a resident's personal data (个人信息保护法):
    // by a guardian for a child under 14, by the resident themselves otherwise.
    r#"
    ALTER TABLE residents ADD COLUMN relationship TEXT NOT NULL DEFAULT '';
    ALTER TABLE households ADD COLUMN moved_away_at TEXT;
    ALTER TABLE households ADD COLUMN moved_away_reason TEXT;
    CREATE TABLE consents (
        id             INTEGER PRIMARY KEY,
        resident       TEXT NOT NULL REFERENCES residents(id_number),
        guardian       TEXT REFERENCES residents(id_number),
        purposes       TEXT NOT NULL,
        notice_version TEXT NOT NULL,
        given_on       TEXT NOT NULL,
        recorded_by    TEXT NOT NULL,
        recorded_at    TEXT NOT NULL
    ) STRICT;
    CREATE INDEX consents_by_resident ON consents(resident, id);
    "#,
    // 18: duplicates and merges (issue 14). How many residents share each name and
    // birth date is kept up to date by triggers, whoever writes (import, desk, sync,
    // merge), so the desk finds possible duplicates among 200,000 without reading
    // them all; an index finds each group's people. A merge keeps, for each person
    // registered twice, the number that went and the one it became (append-only).
    // Payments and pickup calls are never rewritten, save the one change a merge
    // makes: the person a record names follows a merge on record here, every other
    // column as it was, so a child's fees stay paid after their two records are one.
    r#"
    CREATE INDEX residents_by_name_birth ON residents(name, birth_date);
    CREATE TABLE name_birth_counts (
        name       TEXT NOT NULL,
        birth_date TEXT NOT NULL,
        n          INTEGER NOT NULL,
        PRIMARY KEY (name, birth_date)
    ) STRICT, WITHOUT ROWID;
    CREATE INDEX name_birth_shared ON name_birth_counts(n) WHERE n > 1;
    INSERT INTO name_birth_counts (name, birth_date, n)
        SELECT name, birth_date, count(*) FROM residents GROUP BY name, birth_date;
    CREATE TRIGGER name_birth_insert AFTER INSERT ON residents BEGIN
        INSERT INTO name_birth_counts (name, birth_date, n) VALUES (NEW.name, NEW.birth_date, 1)
            ON CONFLICT (name, birth_date) DO UPDATE SET n = n + 1;
    END;
    CREATE TRIGGER name_birth_delete AFTER DELETE ON residents BEGIN
        UPDATE name_birth_counts SET n = n - 1 WHERE name = OLD.name AND birth_date = OLD.birth_date;
        DELETE FROM name_birth_counts WHERE name = OLD.name AND birth_date = OLD.birth_date AND n <= 0;
    END;
    CREATE TRIGGER name_birth_update AFTER UPDATE OF name, birth_date ON residents
        WHEN OLD.name IS NOT NEW.name OR OLD.birth_date IS NOT NEW.birth_date BEGIN
        UPDATE name_birth_counts SET n = n - 1 WHERE name = OLD.name AND birth_date = OLD.birth_date;
        DELETE FROM name_birth_counts WHERE name = OLD.name AND birth_date = OLD.birth_date AND n <= 0;
        INSERT INTO name_birth_counts (name, birth_date, n) VALUES (NEW.name, NEW.birth_date, 1)
            ON CONFLICT (name, birth_date) DO UPDATE SET n = n + 1;
    END;
    CREATE TABLE resident_merges (
        absorbed          TEXT PRIMARY KEY,
        survivor          TEXT NOT NULL,
        kept_household    TEXT NOT NULL,
        removed_household TEXT NOT NULL,
        merged_at         TEXT NOT NULL,
        merged_by         TEXT NOT NULL
    ) STRICT;
    CREATE TRIGGER resident_merges_no_update BEFORE UPDATE ON resident_merges
        BEGIN SELECT RAISE(ABORT, 'resident_merges is append-only'); END;
    CREATE TRIGGER resident_merges_no_delete BEFORE DELETE ON resident_merges
        BEGIN SELECT RAISE(ABORT, 'resident_merges is append-only'); END;
    DROP TRIGGER payments_no_update;
    CREATE TRIGGER payments_no_update BEFORE UPDATE ON payments
        WHEN NOT (NEW.id IS OLD.id AND NEW.programme IS OLD.programme
              AND NEW.period IS OLD.period AND NEW.amount_fen IS OLD.amount_fen
              AND NEW.due_fen IS OLD.due_fen AND NEW.method IS OLD.method
              AND NEW.reference IS OLD.reference AND NEW.kind IS OLD.kind
              AND NEW.reason IS OLD.reason AND NEW.refunds IS OLD.refunds
              AND NEW.staff IS OLD.staff AND NEW.at IS OLD.at
              AND EXISTS (SELECT 1 FROM resident_merges
                          WHERE absorbed = OLD.resident AND survivor = NEW.resident))
        BEGIN SELECT RAISE(ABORT, 'payments are append-only'); END;
    DROP TRIGGER pickup_calls_no_update;
    CREATE TRIGGER pickup_calls_no_update BEFORE UPDATE ON pickup_calls
        WHEN NOT (NEW.id IS OLD.id AND NEW.programme_code IS OLD.programme_code
              AND NEW.session_date IS OLD.session_date AND NEW.contact IS OLD.contact
              AND NEW.outcome IS OLD.outcome AND NEW.note IS OLD.note
              AND NEW.staff IS OLD.staff AND NEW.at IS OLD.at
              AND EXISTS (SELECT 1 FROM resident_merges
                          WHERE absorbed = OLD.child AND survivor = NEW.child))
        BEGIN SELECT RAISE(ABORT, 'pickup_calls is append-only'); END;
    "#,
    // 19: retention (usecase/retention.rs). A household that moved away and has not
    // been served for the district's years is anonymised: each member is kept under a
    // pseudonym (area 000000, IdNumber::pseudonym) that names nobody, recorded here
    // first, and only then may payments and pickup calls, otherwise append-only, be
    // relabelled to it (a pickup call's number and note emptied with it). No mapping
    // from the old number is kept: that is the point.
    r#"
    CREATE TABLE resident_erasures (
        pseudonym      TEXT PRIMARY KEY,
        household_code TEXT NOT NULL,
        erased_at      TEXT NOT NULL,
        rule_version   INTEGER NOT NULL,
        years          INTEGER NOT NULL
    ) STRICT;
    CREATE TRIGGER resident_erasures_no_update BEFORE UPDATE ON resident_erasures
        BEGIN SELECT RAISE(ABORT, 'resident_erasures is append-only'); END;
    CREATE TRIGGER resident_erasures_no_delete BEFORE DELETE ON resident_erasures
        BEGIN SELECT RAISE(ABORT, 'resident_erasures is append-only'); END;
    ALTER TABLE households ADD COLUMN erased_at TEXT;
    DROP TRIGGER payments_no_update;
    CREATE TRIGGER payments_no_update BEFORE UPDATE ON payments
        WHEN NOT (NEW.id IS OLD.id AND NEW.programme IS OLD.programme
              AND NEW.period IS OLD.period AND NEW.amount_fen IS OLD.amount_fen
              AND NEW.due_fen IS OLD.due_fen AND NEW.method IS OLD.method
              AND NEW.reference IS OLD.reference AND NEW.kind IS OLD.kind
              AND NEW.reason IS OLD.reason AND NEW.refunds IS OLD.refunds
              AND NEW.staff IS OLD.staff AND NEW.at IS OLD.at
              AND (EXISTS (SELECT 1 FROM resident_merges
                           WHERE absorbed = OLD.resident AND survivor = NEW.resident)
                   OR EXISTS (SELECT 1 FROM resident_erasures WHERE pseudonym = NEW.resident)))
        BEGIN SELECT RAISE(ABORT, 'payments are append-only'); END;
    DROP TRIGGER pickup_calls_no_update;
    CREATE TRIGGER pickup_calls_no_update BEFORE UPDATE ON pickup_calls
        WHEN NOT (NEW.id IS OLD.id AND NEW.programme_code IS OLD.programme_code
              AND NEW.session_date IS OLD.session_date
              AND NEW.outcome IS OLD.outcome
              AND NEW.staff IS OLD.staff AND NEW.at IS OLD.at
              AND ((NEW.contact IS OLD.contact AND NEW.note IS OLD.note
                    AND EXISTS (SELECT 1 FROM resident_merges
                                WHERE absorbed = OLD.child AND survivor = NEW.child))
                   OR (NEW.contact = '' AND NEW.note = ''
                       AND EXISTS (SELECT 1 FROM resident_erasures WHERE pseudonym = NEW.child))))
        BEGIN SELECT RAISE(ABORT, 'pickup_calls is append-only'); END;
    "#,
];

/// The schema version this build writes and understands.
pub const LATEST: u32 = MIGRATIONS.len() as u32;
