-- Persons whose registry domicile as of D is one of the RTs in link_rt_area (kelurahan, RT, RW).
SELECT p.kode_wilayah, p.no_rt, p.no_rw, p.nik, p.nama
FROM staging.person p
JOIN link_rt_area a ON a.kode_wilayah = p.kode_wilayah AND a.no_rt = p.no_rt AND a.no_rw = p.no_rw
WHERE p.night = %(night)s
