-- RT ledger rows: step 1 with the same normalised name is settled in SQL; the other rows come back
-- with the person holding their NIK and the person their KPJ is linked to (recon.link of BPJS for
-- night D is written first).
INSERT INTO recon.link (night, source, source_key, nik, method, step, score)
SELECT %(night)s, 'rt', r.source_ref, p.nik, 'exact', 1, 100
FROM link_rt_row r
JOIN staging.person p ON p.night = %(night)s AND p.nik = r.nik AND p.nama_key = r.nama_key;

SELECT r.source_ref, r.nama, r.kode_kelurahan, r.no_rt, r.no_rw,
       pn.nik AS nik_person, pn.nama AS nik_person_name,
       pk.nik AS kpj_person, pk.nama AS kpj_person_name
FROM link_rt_row r
LEFT JOIN staging.person pn ON pn.night = %(night)s AND pn.nik = r.nik
LEFT JOIN recon.link l ON l.night = %(night)s AND l.source = 'bpjs' AND l.source_key = r.kpj::text
LEFT JOIN staging.person pk ON pk.night = %(night)s AND pk.nik = l.nik
WHERE NOT EXISTS (SELECT 1 FROM recon.link x
                  WHERE x.night = %(night)s AND x.source = 'rt' AND x.source_key = r.source_ref)
