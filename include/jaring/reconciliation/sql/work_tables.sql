-- The working tables the reconciliation's two sessions share (schema `work`, unlogged: made again by every run,
-- never needed after a crash): a run's leftovers, when the one before it failed, go first. `work.rc_finding` gathers
-- the findings of both sessions (`jaring.reconciliation.run`).
DROP TABLE IF EXISTS work.rc_finding, work.rc_dtsen, work.rc_proposal;
-- recon.finding's columns but the night and the history (history.sql adds them), its constraints kept there
CREATE UNLOGGED TABLE work.rc_finding AS
SELECT finding_code, finding_key, nik, kpj, period, source, source_ref, severity, nama, kode_wilayah, no_rt, no_rw,
       ledger_kelurahan, details
FROM recon.finding WITH NO DATA;
