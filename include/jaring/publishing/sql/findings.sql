-- One night's rows of recon.finding or recon.resolved ({table}), every column publishing shows
-- (details as text: night_data parses it).
SELECT finding_code, finding_key, nik, kpj, period, source, source_ref, status, first_seen, severity,
       nama, kode_wilayah, no_rt, no_rw, ledger_kelurahan, details::text AS details
FROM {table}
WHERE night = %(night)s
