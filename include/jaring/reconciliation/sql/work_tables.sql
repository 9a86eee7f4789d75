-- The working tables the reconciliation's two sessions share (schema `work`, unlogged: made again by every run,
-- never needed after a crash): a run's leftovers, when the one before it failed, go first. `work.rc_finding` gathers
-- the findings of both sessions (`jaring.reconciliation.run`).
DROP TABLE IF EXISTS work.rc_finding, work.rc_dtsen, work.rc_proposal;
CREATE UNLOGGED TABLE work.rc_finding (
    finding_code     text NOT NULL,
    finding_key      text NOT NULL,
    nik              char(16),
    kpj              char(11),
    period           char(7),
    source           text NOT NULL,
    source_ref       text,
    severity         text NOT NULL,
    nama             text,
    kode_wilayah     char(10),
    no_rt            char(3),
    no_rw            char(3),
    ledger_kelurahan char(10),
    details          jsonb NOT NULL
);
