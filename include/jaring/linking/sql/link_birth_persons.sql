-- Step 2's candidates: the persons sharing a birth date and sex with a record left in link_record
-- (the blocking key: all pairs are never compared). Each person comes once, not once per record.
SELECT p.nik, p.nama, p.tgl_lahir, p.jenis_kelamin
FROM staging.person p
WHERE p.night = %(night)s
  AND (p.tgl_lahir, p.jenis_kelamin) IN (SELECT tgl_lahir, jenis_kelamin FROM link_record)
