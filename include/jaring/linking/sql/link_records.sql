-- The BPJS participants and DTSEN individuals of night D left to link: every one but those whose previous
-- night's links were carried (link_unchanged; empty when none was).
CREATE TEMP TABLE IF NOT EXISTS link_unchanged (source text, source_key text);
DROP TABLE IF EXISTS link_record;
CREATE TEMP TABLE link_record AS
SELECT source, source_key, nik, nama, nama_key, tgl_lahir, jenis_kelamin
FROM (
    SELECT 'bpjs'::text AS source, kpj::text AS source_key, nik, nama, nama_key, tgl_lahir, jenis_kelamin
    FROM staging.participant WHERE night = %(night)s
    UNION ALL
    SELECT 'dtsen', id_individu::text, nik, nama, nama_key, tgl_lahir, jenis_kelamin
    FROM staging.dtsen_individual WHERE night = %(night)s
) AS r
WHERE NOT EXISTS (SELECT 1 FROM link_unchanged u WHERE u.source = r.source AND u.source_key = r.source_key);
ANALYZE link_record;
