-- Night %(previous)s's links (or their absence) of the BPJS participants and DTSEN individuals linking
-- again would decide the same way: the record as it was, its NIK holder unchanged (steps 1 and 3), nobody
-- of its birth block changed (step 2). Their links are carried over (the last statement); link_records.sql
-- then leaves them out of the records to link.
DROP TABLE IF EXISTS link_unchanged;
CREATE TEMP TABLE link_unchanged AS
SELECT same.source, same.source_key
FROM (
    SELECT source, source_key, nik, nama, nama_key, tgl_lahir, jenis_kelamin
    FROM link_night_record WHERE night = %(night)s
    INTERSECT
    SELECT source, source_key, nik, nama, nama_key, tgl_lahir, jenis_kelamin
    FROM link_night_record WHERE night = %(previous)s
) AS same  -- a set operation: NULLs compare equal, as "as it was" means
WHERE NOT EXISTS (SELECT 1 FROM link_changed_person c WHERE c.nik = same.nik)
  AND NOT EXISTS (SELECT 1 FROM link_touched_block b
                  WHERE b.tgl_lahir = same.tgl_lahir AND b.jenis_kelamin = same.jenis_kelamin);

ANALYZE link_unchanged;

INSERT INTO recon.link (night, source, source_key, nik, method, step, score)
SELECT %(night)s, l.source, l.source_key, l.nik, l.method, l.step, l.score
FROM recon.link l
JOIN link_unchanged u ON u.source = l.source AND u.source_key = l.source_key
WHERE l.night = %(previous)s;
