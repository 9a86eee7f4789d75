-- The BPJS participants and DTSEN individuals of night D, in one shape for linking.
DROP TABLE IF EXISTS link_record;
CREATE TEMP TABLE link_record AS
SELECT 'bpjs'::text AS source, kpj::text AS source_key, nik, nama, nama_key, tgl_lahir, jenis_kelamin
FROM staging.participant WHERE night = %(night)s
UNION ALL
SELECT 'dtsen', id_individu::text, nik, nama, nama_key, tgl_lahir, jenis_kelamin
FROM staging.dtsen_individual WHERE night = %(night)s;
ANALYZE link_record;
