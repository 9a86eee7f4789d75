-- name: current_versions
DROP TABLE IF EXISTS pg_temp.rt_current;
-- The version of each path current at the end of night D: the greatest mtime <= end of D.
CREATE TEMP TABLE rt_current ON COMMIT DROP AS
SELECT DISTINCT ON (v.path) v.path, v.sha256, f.bulan, f.kode_kelurahan, f.no_rt, f.no_rw,
       f.file_problem, f.file_detail, f.size, f.rows_read
FROM raw.rt_file_version v
JOIN raw.rt_file f USING (path, sha256)
WHERE v.mtime <= %(end_of_night)s
ORDER BY v.path, v.mtime DESC;

-- name: current_names
SELECT DISTINCT r.nama
FROM rt_current c JOIN raw.rt_file_row r USING (path, sha256)
WHERE c.file_problem IS NULL AND r.usable AND r.nama IS NOT NULL;

-- name: name_key_table
DROP TABLE IF EXISTS pg_temp.rt_name_key;
CREATE TEMP TABLE rt_name_key (nama text PRIMARY KEY, nama_key text NOT NULL) ON COMMIT DROP;

-- name: clear_night
DELETE FROM staging.rt_row WHERE night = %(night)s;
DELETE FROM staging.invalid_record WHERE night = %(night)s AND source = 'rt';
DELETE FROM quarantine.record WHERE night = %(night)s AND source = 'rt';

-- name: stage_rows
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

-- name: report_invalid
INSERT INTO staging.invalid_record (night, source, source_ref, reason)
SELECT DISTINCT %(night)s, 'rt', 'rt:' || r.path || '#' || r.sheet || '!' || r.row_no, p.reason
FROM rt_current c
JOIN raw.rt_file_row r USING (path, sha256)
CROSS JOIN LATERAL unnest(r.problems) AS p(reason)
WHERE c.file_problem IS NULL AND r.usable;

-- name: quarantine_rows
INSERT INTO quarantine.record (night, source, source_ref, reason, expectation, raw_record)
SELECT DISTINCT %(night)s, 'rt', 'rt:' || r.path || '#' || r.sheet || '!' || r.row_no, p.reason, NULL::text,
       r.cells
FROM rt_current c
JOIN raw.rt_file_row r USING (path, sha256)
CROSS JOIN LATERAL unnest(r.problems) AS p(reason)
WHERE c.file_problem IS NULL AND NOT r.usable;

-- name: quarantine_files
INSERT INTO quarantine.record (night, source, source_ref, reason, expectation, raw_record)
SELECT %(night)s, 'rt', 'rt:' || c.path || '#file', c.file_problem, NULL::text,
       jsonb_build_object('path', c.path, 'sha256', c.sha256, 'size', c.size, 'detail', c.file_detail)
FROM rt_current c
WHERE c.file_problem IS NOT NULL;

-- name: night_counts
-- Per current file: rows read (by the parser) against rows staged + rows quarantined tonight.
WITH staged AS (
    SELECT path, count(*) AS n FROM staging.rt_row WHERE night = %(night)s GROUP BY path
), quarantined AS (
    SELECT split_part(substr(source_ref, 4), '#', 1) AS path, count(DISTINCT source_ref) AS n
    FROM quarantine.record
    WHERE night = %(night)s AND source = 'rt' AND source_ref NOT LIKE '%%#file'
    GROUP BY 1
), per_file AS (
    SELECT c.path, c.file_problem,
           COALESCE((SELECT sum(value::int) FROM jsonb_each_text(c.rows_read)), 0) AS rows_read,
           COALESCE(s.n, 0) AS staged, COALESCE(q.n, 0) AS quarantined
    FROM rt_current c LEFT JOIN staged s USING (path) LEFT JOIN quarantined q USING (path)
)
SELECT count(*) AS files_current,
       count(*) FILTER (WHERE file_problem IS NOT NULL) AS files_unreadable,
       COALESCE(sum(rows_read), 0) AS rows_read,
       COALESCE(sum(staged), 0) AS rows_staged,
       COALESCE(sum(quarantined), 0) AS rows_quarantined,
       count(*) FILTER (WHERE rows_read <> staged + quarantined) AS files_rows_mismatch,
       (SELECT count(DISTINCT source_ref) FROM staging.invalid_record
         WHERE night = %(night)s AND source = 'rt') AS rows_invalid
FROM per_file;

-- name: staged_frame
COPY (SELECT source_ref, sheet, kode_kelurahan, nik, nama, kpj, jumlah, tgl_bayar
      FROM staging.rt_row WHERE night = %(night)s ORDER BY source_ref) TO STDOUT WITH (FORMAT csv, HEADER true);

-- name: move_to_quarantine
-- Rows a validation rule quarantines: their reader reasons follow them, and they leave staging.
INSERT INTO quarantine.record (night, source, source_ref, reason, expectation, raw_record)
SELECT i.night, i.source, i.source_ref, i.reason, NULL, NULL
FROM staging.invalid_record i
WHERE i.night = %(night)s AND i.source = 'rt' AND i.source_ref = ANY(%(refs)s)
ON CONFLICT DO NOTHING;
DELETE FROM staging.invalid_record WHERE night = %(night)s AND source = 'rt' AND source_ref = ANY(%(refs)s);
DELETE FROM staging.rt_row WHERE night = %(night)s AND source_ref = ANY(%(refs)s);
