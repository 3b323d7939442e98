-- Issue 13: a child's pickup list (接送名单) as a desk of the centre last left it (the
-- `pickup_list_changed` event), the newest by the device's occurred_at. Kept so that
-- the centre's other devices get it (a `pickup_list` change): a must-not-collect adult
-- refused at one desk is refused at every desk. It stays the centre's: only its own
-- devices are sent it, and district reports do not read it.
CREATE TABLE pickup_lists (
    centre_code        text NOT NULL REFERENCES centres(code),
    child_id_number    text NOT NULL,
    body               jsonb NOT NULL,
    changed_at         timestamp NOT NULL,
    PRIMARY KEY (centre_code, child_id_number)
);
