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

INSERT INTO quarantine.record (night, source, source_ref, reason, expectation, raw_record)
SELECT %(night)s, 'rt', 'rt:' || c.path || '#file', c.file_problem, NULL::text,
       jsonb_build_object('path', c.path, 'sha256', c.sha256, 'size', c.size, 'detail', c.file_detail)
FROM rt_current c
WHERE c.file_problem IS NOT NULL;
