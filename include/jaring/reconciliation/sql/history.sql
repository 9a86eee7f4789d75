-- Night D's findings with their history against %(previous)s (the latest computed night before D,
-- NULL for the first), and the resolved ones. status: NEW unless the same (code, key) was a
-- finding of that night. first_seen: that night's first_seen when it persists, else D.
DELETE FROM recon.finding WHERE night = %(night)s;
DELETE FROM recon.resolved WHERE night = %(night)s;
INSERT INTO recon.finding (night, finding_code, finding_key, nik, kpj, period, source, source_ref, severity,
                           nama, kode_wilayah, no_rt, no_rw, ledger_kelurahan, status, first_seen, details)
SELECT %(night)s, f.finding_code, f.finding_key, f.nik, f.kpj, f.period, f.source, f.source_ref, f.severity,
       f.nama, f.kode_wilayah, f.no_rt, f.no_rw, f.ledger_kelurahan,
       CASE WHEN prev.finding_key IS NULL THEN 'NEW' ELSE 'PERSISTING' END,
       coalesce(prev.first_seen, %(night)s), f.details
FROM work.rc_finding f
LEFT JOIN recon.finding prev
  ON prev.night = %(previous)s AND prev.finding_code = f.finding_code AND prev.finding_key = f.finding_key;
INSERT INTO recon.resolved (night, finding_code, finding_key, nik, kpj, period, source, source_ref, severity,
                            nama, kode_wilayah, no_rt, no_rw, ledger_kelurahan, status, first_seen, details)
SELECT %(night)s, prev.finding_code, prev.finding_key, prev.nik, prev.kpj, prev.period, prev.source,
       prev.source_ref, prev.severity, prev.nama, prev.kode_wilayah, prev.no_rt, prev.no_rw,
       prev.ledger_kelurahan, prev.status, prev.first_seen, prev.details
FROM recon.finding prev
WHERE prev.night = %(previous)s
  AND NOT EXISTS (SELECT 1 FROM work.rc_finding f
                  WHERE f.finding_code = prev.finding_code AND f.finding_key = prev.finding_key)
