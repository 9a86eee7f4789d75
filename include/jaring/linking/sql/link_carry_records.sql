-- Night %(previous)s's links (or their absence) of the BPJS participants and DTSEN individuals linking
-- again would decide the same way: the record as it was, its NIK holder unchanged (steps 1 and 3), nobody
-- of its birth block changed (step 2). Their links are carried over (the last statement); link_records.sql
-- then leaves them out of the records to link.
DROP TABLE IF EXISTS link_same_record, link_unchanged;
-- Each source's records as they were: joined to night %(previous)s's on their key (unique a night), every
-- field equal, NULL to NULL included. PostgreSQL hashes the key alone and shares the scans with a parallel
-- worker, which no statement reading a temporary table may: the exclusions come in the next statement
-- (both nights compared whole as one set, by a text key: 0.55 s a city night; 0.35 s in two)
CREATE TEMP TABLE link_same_record AS
SELECT 'bpjs'::text AS source, d.kpj::text AS source_key, d.nik, d.tgl_lahir, d.jenis_kelamin
FROM staging.participant d
JOIN staging.participant p ON p.night = %(previous)s AND p.kpj = d.kpj
 AND (p.nik, p.nama, p.nama_key, p.tgl_lahir, p.jenis_kelamin)
     IS NOT DISTINCT FROM (d.nik, d.nama, d.nama_key, d.tgl_lahir, d.jenis_kelamin)
WHERE d.night = %(night)s
UNION ALL
SELECT 'dtsen', d.id_individu::text, d.nik, d.tgl_lahir, d.jenis_kelamin
FROM staging.dtsen_individual d
JOIN staging.dtsen_individual p ON p.night = %(previous)s AND p.id_individu = d.id_individu
 AND (p.nik, p.nama, p.nama_key, p.tgl_lahir, p.jenis_kelamin)
     IS NOT DISTINCT FROM (d.nik, d.nama, d.nama_key, d.tgl_lahir, d.jenis_kelamin)
WHERE d.night = %(night)s;

CREATE TEMP TABLE link_unchanged AS
SELECT same.source, same.source_key
FROM link_same_record same
WHERE NOT EXISTS (SELECT 1 FROM link_changed_person c WHERE c.nik = same.nik)
  AND NOT EXISTS (SELECT 1 FROM link_touched_block b
                  WHERE b.tgl_lahir = same.tgl_lahir AND b.jenis_kelamin = same.jenis_kelamin);

ANALYZE link_unchanged;

INSERT INTO recon.link (night, source, source_key, nik, method, step, score)
SELECT %(night)s, l.source, l.source_key, l.nik, l.method, l.step, l.score
FROM recon.link l
JOIN link_unchanged u ON u.source = l.source AND u.source_key = l.source_key
WHERE l.night = %(previous)s;
