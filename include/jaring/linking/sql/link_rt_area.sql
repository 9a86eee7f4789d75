-- Persons whose registry domicile as of D is one of the RTs in link_rt_area (kelurahan, RT, RW; each once).
-- As a semi-join: planned as a join, the three columns' correlation hid how many persons match (a twentieth
-- of them estimated) and the planner sorted every person of the night to merge them (a 3x city night: 2.2 s
-- of an external sort, against 0.5 s hashing the RTs).
SELECT p.kode_wilayah, p.no_rt, p.no_rw, p.nik, p.nama
FROM staging.person p
WHERE p.night = %(night)s
  AND (p.kode_wilayah, p.no_rt, p.no_rw) IN (SELECT kode_wilayah, no_rt, no_rw FROM link_rt_area)
