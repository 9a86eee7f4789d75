-- The temporary tables of one night: the version of each path current at its end, and name keys.
DROP TABLE IF EXISTS pg_temp.rt_current;
-- The version of each path current at the end of night D: the greatest mtime <= end of D.
CREATE TEMP TABLE rt_current ON COMMIT DROP AS
SELECT DISTINCT ON (v.path) v.path, v.sha256, f.bulan, f.kode_kelurahan, f.no_rt, f.no_rw,
       f.file_problem, f.file_detail, f.size, f.rows_read
FROM raw.rt_file_version v
JOIN raw.rt_file f USING (path, sha256)
WHERE v.mtime <= %(end_of_night)s
ORDER BY v.path, v.mtime DESC;

DROP TABLE IF EXISTS pg_temp.rt_name_key;
CREATE TEMP TABLE rt_name_key (nama text PRIMARY KEY, nama_key text NOT NULL) ON COMMIT DROP;
