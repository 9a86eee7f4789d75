-- What linking reads of the registry that changed between night %(previous)s and night D: every person
-- added, removed, or changed in a field linking compares, with the birth block (birth date, sex) and the
-- RT they had and have. A record none of this touches would be linked as it was.
DROP TABLE IF EXISTS link_changed_person;
CREATE TEMP TABLE link_changed_person AS
SELECT coalesce(d.nik, p.nik) AS nik,
       p.tgl_lahir AS was_born, p.jenis_kelamin AS was_sex,
       p.kode_wilayah AS was_wilayah, p.no_rt AS was_rt, p.no_rw AS was_rw,
       d.tgl_lahir, d.jenis_kelamin, d.kode_wilayah, d.no_rt, d.no_rw
FROM (SELECT nik, nama, nama_key, tgl_lahir, jenis_kelamin, kode_wilayah, no_rt, no_rw
      FROM staging.person WHERE night = %(night)s) AS d
FULL JOIN (SELECT nik, nama, nama_key, tgl_lahir, jenis_kelamin, kode_wilayah, no_rt, no_rw
           FROM staging.person WHERE night = %(previous)s) AS p ON p.nik = d.nik
WHERE (d.nik, d.nama, d.nama_key, d.tgl_lahir, d.jenis_kelamin, d.kode_wilayah, d.no_rt, d.no_rw)
      IS DISTINCT FROM (p.nik, p.nama, p.nama_key, p.tgl_lahir, p.jenis_kelamin, p.kode_wilayah, p.no_rt, p.no_rw);
