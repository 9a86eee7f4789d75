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
