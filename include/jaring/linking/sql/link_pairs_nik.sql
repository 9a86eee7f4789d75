-- Steps 1 and 3 for the records left in link_record: the registry person holding the record's NIK.
SELECT r.source, r.source_key, p.nik,
       r.tgl_lahir IS NOT NULL AND r.tgl_lahir = p.tgl_lahir AS same_birth,
       r.nama_key = p.nama_key AS same_name, r.nama AS record_name, p.nama AS person_name
FROM link_record r
JOIN staging.person p ON p.night = %(night)s AND p.nik = r.nik
