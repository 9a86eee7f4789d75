-- Step 1 where it needs no name rule: the NIK holder has the same birth date and the same
-- normalised name. Those records are settled here; the rest go to Python.
INSERT INTO recon.link (night, source, source_key, nik, method, step, score)
SELECT %(night)s, r.source, r.source_key, p.nik, 'exact', 1, 100
FROM link_record r
JOIN staging.person p
  ON p.night = %(night)s AND p.nik = r.nik AND p.tgl_lahir = r.tgl_lahir AND p.nama_key = r.nama_key;
DELETE FROM link_record r
USING recon.link l
WHERE l.night = %(night)s AND l.source = r.source AND l.source_key = r.source_key;
ANALYZE link_record;
