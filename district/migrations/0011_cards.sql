-- Issue 14: residents' cards (the number the kiosk's reader reads) as a desk of the
-- centre last left them (the `card_changed` event), the newest by the device's
-- occurred_at: kept so the centre's other devices get them (a `card` change), and a
-- card reported lost stops on every kiosk of the centre. The centre's own: only its
-- devices are sent them, and no report reads them.
CREATE TABLE resident_cards (
    centre_code         text NOT NULL REFERENCES centres(code),
    card                text NOT NULL,
    resident_id_number  text NOT NULL,
    revoked             boolean NOT NULL,
    changed_at          timestamp NOT NULL,
    PRIMARY KEY (centre_code, card)
);
