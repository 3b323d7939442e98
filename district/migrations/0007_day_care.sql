-- Elderly day care beyond arrival and departure (issue 13): per member and day, the
-- meals taken and the centre's transport, as the desk last left it (the newest event
-- by the time it happened wins), so reports can count meals and rides.
CREATE TABLE day_care_days (
    centre_code        text NOT NULL REFERENCES centres(code),
    programme_code     text NOT NULL,
    session_date       date NOT NULL,
    resident_id_number text NOT NULL,
    breakfast          boolean NOT NULL,
    lunch              boolean NOT NULL,
    transport          boolean NOT NULL,
    picked_up_at       timestamp,
    dropped_off_at     timestamp,
    absence_reason     text,
    updated_at         timestamp NOT NULL,
    PRIMARY KEY (centre_code, programme_code, session_date, resident_id_number)
);
