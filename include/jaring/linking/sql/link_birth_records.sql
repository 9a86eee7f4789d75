-- Step 2's records: those left in link_record, with their blocking key (birth date and sex).
SELECT source, source_key, nama, tgl_lahir, jenis_kelamin
FROM link_record
WHERE tgl_lahir IS NOT NULL AND jenis_kelamin IS NOT NULL
