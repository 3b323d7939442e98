-- Issue 13: children's absences from 四点半学校 and 学生午托, reported at a centre's desk
-- (the `absence_reported` event). One row per centre, programme, child, date and part
-- of the day, the newest report winning; a withdrawn absence is kept, marked. The
-- reason is a category only: the note staff wrote, and a child's dietary needs, stay
-- on the centre's device (health data is kept only where it is needed).
-- (Numbered 0007: 0006 comes from another branch of issue 13.)
CREATE TABLE absences (
    centre_code        text NOT NULL REFERENCES centres(code),
    programme_code     text NOT NULL,
    resident_id_number text NOT NULL,
    absence_date       date NOT NULL,
    part               text NOT NULL CHECK (part IN ('whole_day', 'morning', 'afternoon')),
    reason             text NOT NULL CHECK (reason IN ('ill', 'leave', 'other')),
    withdrawn          boolean NOT NULL DEFAULT false,
    -- When the device recorded the report (its occurred_at): the newest wins.
    updated_at         timestamp NOT NULL,
    PRIMARY KEY (centre_code, programme_code, resident_id_number, absence_date, part)
);
CREATE INDEX absences_by_day ON absences (centre_code, absence_date);
