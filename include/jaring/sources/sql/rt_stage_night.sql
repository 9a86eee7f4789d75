-- Night D's staged rows, reported rows and quarantined rows and files, from the current versions.
INSERT INTO staging.rt_row (night, source_ref, path, sheet, row_no, bulan, kode_kelurahan, no_rt, no_rw,
                            nik, nik_raw, nama, nama_key, pekerjaan, kpj, jumlah, tgl_bayar, sumber_dana,
                            kategori, no_hp)
SELECT %(night)s, 'rt:' || r.path || '#' || r.sheet || '!' || r.row_no, r.path, r.kind, r.row_no,
       c.bulan, c.kode_kelurahan, c.no_rt, c.no_rw, r.nik, r.nik_raw, r.nama, k.nama_key, r.pekerjaan, r.kpj,
       r.jumlah, r.tgl_bayar, r.sumber_dana, r.kategori, r.no_hp
FROM rt_current c
JOIN raw.rt_file_row r USING (path, sha256)
LEFT JOIN rt_name_key k ON k.nama = r.nama
WHERE c.file_problem IS NULL AND r.usable;

INSERT INTO staging.invalid_record (night, source, source_ref, reason)
SELECT DISTINCT %(night)s, 'rt', 'rt:' || r.path || '#' || r.sheet || '!' || r.row_no, p.reason
FROM rt_current c
JOIN raw.rt_file_row r USING (path, sha256)
CROSS JOIN LATERAL unnest(r.problems) AS p(reason)
WHERE c.file_problem IS NULL AND r.usable;

INSERT INTO quarantine.record (night, source, source_ref, reason, expectation, raw_record)
SELECT DISTINCT %(night)s, 'rt', 'rt:' || r.path || '#' || r.sheet || '!' || r.row_no, p.reason, NULL::text,
       r.cells
FROM rt_current c
JOIN raw.rt_file_row r USING (path, sha256)
CROSS JOIN LATERAL unnest(r.problems) AS p(reason)
WHERE c.file_problem IS NULL AND NOT r.usable;

-- A file not used at all: one record, its reason one of findings_contract.RT_FILE_REASONS. Files parsed
-- before those reasons existed said 'file_unreadable' (why: file_detail) or 'file_name_invalid'.
-- kode_kelurahan: the kelurahan the path names, if any (the finding goes there; see rt_inbox.py).
INSERT INTO quarantine.record (night, source, source_ref, reason, expectation, raw_record)
SELECT %(night)s, 'rt', 'rt:' || c.path || '#file',
       CASE c.file_problem
           WHEN 'file_name_invalid' THEN 'file_name_not_a_ledger'
           WHEN 'file_unreadable' THEN CASE c.file_detail
               WHEN 'empty' THEN 'file_empty'
               WHEN 'too_large' THEN 'file_too_large'
               WHEN 'password_protected' THEN 'file_password_protected'
               WHEN 'no_ledger_sheet' THEN 'file_without_ledger_sheet'
               WHEN 'no_header' THEN 'file_without_ledger_sheet'
               ELSE 'file_not_a_spreadsheet' END
           ELSE c.file_problem END,
       NULL::text,
       jsonb_build_object('path', c.path, 'sha256', c.sha256, 'size', c.size, 'detail', c.file_detail,
                          'kode_kelurahan', c.kode_kelurahan)
FROM rt_current c
WHERE c.file_problem IS NOT NULL;
