-- Who took which records out of the district, and whether ID numbers and phones
-- left in full (invariant 6): what an auditor reads to answer "who has this list?".
-- Append-only; a row is written before the export's data is handed out.

CREATE TABLE exports_log (
    id          bigserial PRIMARY KEY,
    exported_at timestamptz NOT NULL DEFAULT now(),
    exported_by text,
    kind        text NOT NULL,
    format      text NOT NULL,
    centre_code text,
    from_date   date,
    to_date     date,
    unmasked    boolean NOT NULL,
    row_count   integer NOT NULL
);
