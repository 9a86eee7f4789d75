-- The delivery ledger: one row per night, audience and address an audience's report was mailed to
-- (jaring.publishing.email.send_reports). A retry or a rerun of send_reports for the same night skips
-- the addresses already served, unless asked to mail again (`again`), which records the new sending.
CREATE TABLE IF NOT EXISTS ops.delivery (
    night      date        NOT NULL,
    audience   text        NOT NULL,  -- bpjs-tk | dinsos | disdukcapil | bpkad | kelurahan/<KODE>
    address    text        NOT NULL,
    message_id text        NOT NULL,
    sent_at    timestamptz NOT NULL DEFAULT now(),
    times      integer     NOT NULL DEFAULT 1,  -- how often this night's report went to this address
    PRIMARY KEY (night, audience, address)
);
COMMENT ON TABLE ops.delivery IS 'e-mails of night D''s reports already delivered, per audience and address';
