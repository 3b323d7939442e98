-- Issue 13: what the desk records at the end of a service. The meals a lunch-care
-- programme served on a day (the `meal_count_recorded` event: the newest by the
-- device's occurred_at, so a count put right replaces the first), and each elderly
-- day-care day closed (`day_care_closed`: final, the first closing heard of is kept),
-- with the reason when members picked up were never dropped off. Both are the
-- centre's records for the district's reports; neither names a person.
CREATE TABLE meal_counts (
    centre_code        text NOT NULL REFERENCES centres(code),
    programme_code     text NOT NULL,
    meal_date          date NOT NULL,
    served             integer NOT NULL CHECK (served >= 0),
    expected           integer NOT NULL CHECK (expected >= 0),
    above_attendance   boolean NOT NULL,
    updated_at         timestamp NOT NULL,
    PRIMARY KEY (centre_code, programme_code, meal_date)
);

CREATE TABLE day_care_closings (
    centre_code        text NOT NULL REFERENCES centres(code),
    programme_code     text NOT NULL,
    session_date       date NOT NULL,
    closed_by          text NOT NULL,
    reason             text,
    open_transport     integer NOT NULL CHECK (open_transport >= 0),
    closed_at          timestamp NOT NULL,
    PRIMARY KEY (centre_code, programme_code, session_date)
);
