SELECT DISTINCT r.nama
FROM rt_current c JOIN raw.rt_file_row r USING (path, sha256)
WHERE c.file_problem IS NULL AND r.usable AND r.nama IS NOT NULL;
