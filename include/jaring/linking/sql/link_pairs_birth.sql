-- Step 2 candidates for the records left in link_record: persons with the record's birth date and
-- sex (the blocking key; all pairs are never compared).
SELECT r.source, r.source_key, p.nik, r.nama AS record_name, p.nama AS person_name
FROM link_record r
JOIN staging.person p
  ON p.night = %(night)s AND p.tgl_lahir = r.tgl_lahir AND p.jenis_kelamin = r.jenis_kelamin
