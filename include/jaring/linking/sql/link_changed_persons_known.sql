-- link_changed_persons.sql when night D's registry is night %(previous)s's with only the persons of
-- staging.person_change replaced (its day's events applied to it): only they are compared, not the whole
-- registry of both nights.
DROP TABLE IF EXISTS link_changed_person;
CREATE TEMP TABLE link_changed_person AS
SELECT coalesce(d.nik, p.nik) AS nik,
       p.tgl_lahir AS was_born, p.jenis_kelamin AS was_sex,
       p.kode_wilayah AS was_wilayah, p.no_rt AS was_rt, p.no_rw AS was_rw,
       d.tgl_lahir, d.jenis_kelamin, d.kode_wilayah, d.no_rt, d.no_rw
FROM staging.person_change c
LEFT JOIN staging.person d ON d.night = %(night)s AND d.nik = c.nik
LEFT JOIN staging.person p ON p.night = %(previous)s AND p.nik = c.nik
WHERE c.night = %(night)s
  AND (d.nik, d.nama, d.nama_key, d.tgl_lahir, d.jenis_kelamin, d.kode_wilayah, d.no_rt, d.no_rw)
      IS DISTINCT FROM (p.nik, p.nama, p.nama_key, p.tgl_lahir, p.jenis_kelamin, p.kode_wilayah, p.no_rt, p.no_rw);
