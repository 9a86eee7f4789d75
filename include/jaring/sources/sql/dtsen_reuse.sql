-- Night D's DTSEN is night %(previous)s's release, unchanged: its raw and staged rows, quarantined and
-- reported records and its verdict, stamped with night D (the release is not read again).
INSERT INTO raw.dtsen_individu (night, periode, id_individu, id_keluarga, nik, nama, tgl_lahir, jenis_kelamin,
                                hub_kk, status_pekerjaan, lapangan_usaha, desil, kode_wilayah)
SELECT %(night)s, periode, id_individu, id_keluarga, nik, nama, tgl_lahir, jenis_kelamin, hub_kk,
       status_pekerjaan, lapangan_usaha, desil, kode_wilayah
FROM raw.dtsen_individu WHERE night = %(previous)s;

INSERT INTO staging.dtsen_individual (night, periode, id_individu, id_keluarga, nik, nik_raw, nama, nama_key,
                                      tgl_lahir, jenis_kelamin, hub_kk, status_pekerjaan, lapangan_usaha, desil,
                                      kode_wilayah)
SELECT %(night)s, periode, id_individu, id_keluarga, nik, nik_raw, nama, nama_key, tgl_lahir, jenis_kelamin,
       hub_kk, status_pekerjaan, lapangan_usaha, desil, kode_wilayah
FROM staging.dtsen_individual WHERE night = %(previous)s;

INSERT INTO quarantine.record (night, source, source_ref, reason, expectation, raw_record)
SELECT %(night)s, source, source_ref, reason, expectation, raw_record
FROM quarantine.record WHERE night = %(previous)s AND source = 'dtsen';

INSERT INTO staging.invalid_record (night, source, source_ref, reason)
SELECT %(night)s, source, source_ref, reason
FROM staging.invalid_record WHERE night = %(previous)s AND source = 'dtsen';

INSERT INTO ops.validation_result (night, suite, success, blocking, warnings, counts, report)
SELECT %(night)s, suite, success, blocking, warnings, counts, report
FROM ops.validation_result WHERE night = %(previous)s AND suite = 'dtsen';

SELECT (SELECT count(*) FROM raw.dtsen_individu WHERE night = %(night)s),
       (SELECT count(*) FROM staging.dtsen_individual WHERE night = %(night)s),
       (SELECT count(*) FROM quarantine.record WHERE night = %(night)s AND source = 'dtsen')
