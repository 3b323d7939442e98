-- The district's database: centres and their devices, every event devices have sent
-- (the permanent idempotency key of invariant 4), what the events say (the tables
-- reports read), what the district publishes, and the seats it grants (invariant 2).
-- Times a device reported are `timestamp` (Asia/Shanghai wall time, as on the device);
-- times the district itself records are `timestamptz`.

CREATE TABLE centres (
    code           text PRIMARY KEY CHECK (code ~ '^[A-Za-z0-9-]{1,40}$'),
    name           text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    district_code  text NOT NULL CHECK (district_code ~ '^[0-9]{6}$'),
    community_code text NOT NULL DEFAULT '',
    created_at     timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE devices (
    id                 uuid PRIMARY KEY,
    centre_code        text NOT NULL REFERENCES centres(code),
    name               text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    device_number      integer NOT NULL CHECK (device_number > 0),
    -- Only hashes: a stolen database enrols nothing and impersonates nobody.
    enrol_code_hash    bytea UNIQUE,
    enrol_code_expires timestamptz,
    credential_hash    bytea UNIQUE,
    enrolled_at        timestamptz,
    revoked_at         timestamptz,
    last_seen_at       timestamptz,
    -- The device's clock minus ours at its last push, in seconds.
    clock_skew_seconds bigint,
    created_at         timestamptz NOT NULL DEFAULT now(),
    UNIQUE (centre_code, device_number),
    UNIQUE (centre_code, name)
);

-- Every event applied, forever: (device, event id) is the key that makes a repeated
-- delivery a duplicate, however late it comes. The hash tells a replay from an
-- altered event with a reused id.
CREATE TABLE events (
    device_id   uuid NOT NULL REFERENCES devices(id),
    event_id    text NOT NULL,
    seq         bigint NOT NULL,
    centre_code text NOT NULL,
    kind        text NOT NULL,
    occurred_at timestamp NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now(),
    body_hash   bytea NOT NULL,
    body        jsonb NOT NULL,
    PRIMARY KEY (device_id, event_id)
);
CREATE INDEX events_by_centre ON events (centre_code, kind, occurred_at);

-- Events refused, kept for district staff with the reason; the device parks its copy.
CREATE TABLE rejected_events (
    device_id   uuid NOT NULL REFERENCES devices(id),
    event_id    text NOT NULL,
    body_hash   bytea NOT NULL,
    seq         bigint NOT NULL,
    code        text NOT NULL,
    reason      jsonb NOT NULL,
    body        text NOT NULL,
    first_at    timestamptz NOT NULL DEFAULT now(),
    last_at     timestamptz NOT NULL DEFAULT now(),
    times       integer NOT NULL DEFAULT 1,
    PRIMARY KEY (device_id, event_id, body_hash)
);

-- The household registry across the district's centres (一次采集、多次使用).
CREATE TABLE households (
    code           text PRIMARY KEY,
    address        text NOT NULL,
    community_code text NOT NULL,
    centre_code    text NOT NULL REFERENCES centres(code),
    registered_at  timestamp NOT NULL
);
CREATE TABLE residents (
    id_number      text PRIMARY KEY,
    household_code text NOT NULL REFERENCES households(code),
    name           text NOT NULL,
    phone          text,
    tags           text[] NOT NULL DEFAULT '{}',
    centre_code    text NOT NULL REFERENCES centres(code),
    updated_at     timestamp NOT NULL
);
CREATE INDEX residents_by_household ON residents (household_code);

CREATE TABLE enrolments (
    centre_code        text NOT NULL REFERENCES centres(code),
    id                 text NOT NULL,
    device_id          uuid NOT NULL REFERENCES devices(id),
    programme_code     text NOT NULL,
    resident_id_number text NOT NULL,
    status             text NOT NULL,
    sort_key           text NOT NULL,
    offer_deadline     timestamp,
    reason             text,
    -- The district has given this waiting person a seat; the device has yet to offer it.
    offer_pending      boolean NOT NULL DEFAULT false,
    created_at         timestamp NOT NULL,
    updated_at         timestamp NOT NULL,
    PRIMARY KEY (centre_code, id)
);
CREATE INDEX enrolments_waiting ON enrolments (centre_code, programme_code, sort_key)
    WHERE status = 'waitlisted';
CREATE INDEX enrolments_month ON enrolments (centre_code, created_at);

CREATE TABLE attendance (
    centre_code        text NOT NULL REFERENCES centres(code),
    programme_code     text NOT NULL,
    session_date       date NOT NULL,
    resident_id_number text NOT NULL,
    checked_in_at      timestamp,
    checked_out_at     timestamp,
    picked_up_by       text,
    left_alone         boolean NOT NULL DEFAULT false,
    PRIMARY KEY (centre_code, programme_code, session_date, resident_id_number)
);

CREATE TABLE volunteers (
    centre_code   text NOT NULL REFERENCES centres(code),
    id_number     text NOT NULL,
    skills        text[] NOT NULL DEFAULT '{}',
    registered_at timestamp NOT NULL,
    PRIMARY KEY (centre_code, id_number)
);

CREATE TABLE shifts (
    centre_code         text NOT NULL REFERENCES centres(code),
    id                  text NOT NULL,
    volunteer_id_number text NOT NULL,
    activity            text NOT NULL,
    clock_in            timestamp NOT NULL,
    clock_out           timestamp,
    minutes             integer NOT NULL,
    status              text NOT NULL,
    reviewer            text,
    review_note         text,
    PRIMARY KEY (centre_code, id)
);
CREATE TABLE shift_corrections (
    centre_code       text NOT NULL REFERENCES centres(code),
    id                text NOT NULL,
    shift_id          text NOT NULL,
    corrected_minutes integer NOT NULL,
    reason            text NOT NULL,
    by_staff          text NOT NULL,
    recorded_at       timestamp NOT NULL,
    PRIMARY KEY (centre_code, id)
);

CREATE TABLE filings (
    centre_code   text NOT NULL REFERENCES centres(code),
    business_code text NOT NULL,
    status        text NOT NULL,
    filing_number text,
    by_staff      text NOT NULL,
    updated_at    timestamp NOT NULL,
    PRIMARY KEY (centre_code, business_code)
);
CREATE TABLE ledgers (
    centre_code   text NOT NULL REFERENCES centres(code),
    business_code text NOT NULL,
    month         text NOT NULL,
    revenue_fen   bigint NOT NULL,
    cost_fen      bigint NOT NULL,
    PRIMARY KEY (centre_code, business_code, month)
);

CREATE TABLE ratings (
    centre_code    text NOT NULL REFERENCES centres(code),
    id             text NOT NULL,
    service_ref    text NOT NULL,
    programme_code text NOT NULL,
    level          smallint NOT NULL CHECK (level BETWEEN 1 AND 5),
    reason_tags    text[] NOT NULL DEFAULT '{}',
    rated_at       timestamp NOT NULL,
    PRIMARY KEY (centre_code, id)
);
CREATE TABLE follow_ups (
    centre_code text NOT NULL REFERENCES centres(code),
    rating_id   text NOT NULL,
    status      text NOT NULL,
    due         date NOT NULL,
    by_staff    text,
    note        text,
    updated_at  timestamp NOT NULL,
    PRIMARY KEY (centre_code, rating_id)
);

-- What the district publishes. Programmes belong to a centre; rule sets, policies,
-- the calendar and business categories to the whole district.
CREATE TABLE programmes (
    centre_code  text NOT NULL REFERENCES centres(code),
    code         text NOT NULL,
    capacity     integer NOT NULL CHECK (capacity >= 0),
    offer_hours  integer NOT NULL,
    body         jsonb NOT NULL,
    published_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (centre_code, code)
);
CREATE TABLE published (
    kind         text NOT NULL,
    id           text NOT NULL,
    version      integer NOT NULL,
    body         jsonb NOT NULL,
    published_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (kind, id, version)
);

-- The changes feed devices pull. Cursors are handed out from one counter row, whose
-- lock is held until the writer commits: so cursors appear in commit order and a
-- device that has read up to N never misses a change numbered below N.
CREATE TABLE change_counter (
    only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row),
    last     bigint NOT NULL
);
INSERT INTO change_counter VALUES (true, 0);
CREATE TABLE changes (
    cursor      bigint PRIMARY KEY,
    -- NULL: for every centre. Otherwise only that centre's devices see it.
    centre_code text,
    -- NULL: for every device of the centre. Otherwise a decision for that device.
    device_id   uuid,
    kind        text NOT NULL,
    body        jsonb NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);

-- Seats per device and programme (invariant 2). `granted` only grows; the device
-- reports what it gives back as a running total, so both sides count each seat once.
CREATE TABLE seat_grants (
    centre_code    text NOT NULL,
    programme_code text NOT NULL,
    device_id      uuid NOT NULL REFERENCES devices(id),
    granted        integer NOT NULL DEFAULT 0 CHECK (granted >= 0),
    -- Seats that came with an offer the district made to someone waiting here.
    offer_seats    integer NOT NULL DEFAULT 0 CHECK (offer_seats >= 0),
    released       integer NOT NULL DEFAULT 0 CHECK (released >= 0),
    PRIMARY KEY (centre_code, programme_code, device_id),
    FOREIGN KEY (centre_code, programme_code) REFERENCES programmes(centre_code, code),
    CHECK (released <= granted + offer_seats)
);
-- Every offer the district made, in order, with the waiting-list key it went to:
-- what an auditor reads to check the 轮候 policy was followed across devices.
CREATE TABLE offers (
    id             bigserial PRIMARY KEY,
    centre_code    text NOT NULL,
    programme_code text NOT NULL,
    enrolment_id   text NOT NULL,
    device_id      uuid NOT NULL,
    sort_key       text NOT NULL,
    deadline       timestamp NOT NULL,
    made_at        timestamptz NOT NULL DEFAULT now()
);
