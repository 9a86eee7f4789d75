-- The BPJS participants and DTSEN individuals of every night, in one shape for linking: a reader picks its
-- night (`WHERE night = …`), and the condition reaches each source's table.
CREATE OR REPLACE TEMP VIEW link_night_record AS
SELECT night, 'bpjs'::text AS source, kpj::text AS source_key, nik, nama, nama_key, tgl_lahir, jenis_kelamin
FROM staging.participant
UNION ALL
SELECT night, 'dtsen', id_individu::text, nik, nama, nama_key, tgl_lahir, jenis_kelamin
FROM staging.dtsen_individual;
