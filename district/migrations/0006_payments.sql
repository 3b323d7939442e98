-- Fees paid and refunded at the centres' desks (issue 13), one row per record as the
-- device sent it, in fen, so reports can sum a centre's takings by day, programme and
-- method. Like the device's own payments table, a record is never changed: a refund is
-- a row of its own naming the payment (`refunds`).
CREATE TABLE payments (
    centre_code        text NOT NULL REFERENCES centres(code),
    id                 text NOT NULL,
    device_id          uuid NOT NULL,
    resident_id_number text NOT NULL,
    programme_code     text NOT NULL,
    period             text NOT NULL,
    kind               text NOT NULL CHECK (kind IN ('payment', 'refund')),
    amount_fen         bigint NOT NULL CHECK (amount_fen > 0),
    method             text NOT NULL CHECK (method IN ('cash', 'reference')),
    reference          text,
    reason             text,
    refunds            text,
    staff              text NOT NULL,
    recorded_at        timestamp NOT NULL,
    PRIMARY KEY (centre_code, id)
);
CREATE INDEX payments_by_day ON payments (centre_code, recorded_at);
CREATE TRIGGER payments_append_only BEFORE UPDATE OR DELETE ON payments
    FOR EACH ROW EXECUTE FUNCTION linli_append_only();
CREATE TRIGGER payments_never_truncated BEFORE TRUNCATE ON payments
    FOR EACH STATEMENT EXECUTE FUNCTION linli_append_only();
