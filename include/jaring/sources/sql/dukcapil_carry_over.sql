-- Night D's registry from the previous night's: every person, quarantined record and reported record the
-- night's events do not replace (%(refs)s: the source_refs of the persons the events are about).
INSERT INTO staging.person (night, nik, no_kk, nama, nama_key, tgl_lahir, jenis_kelamin, stat_hbkel,
                            status_kawin, jenis_pkrjn, kode_wilayah, no_rt, no_rw, status, tgl_mati, tgl_pindah)
SELECT %(night)s, nik, no_kk, nama, nama_key, tgl_lahir, jenis_kelamin, stat_hbkel, status_kawin, jenis_pkrjn,
       kode_wilayah, no_rt, no_rw, status, tgl_mati, tgl_pindah
FROM staging.person
WHERE night = %(previous)s AND 'dukcapil:' || nik <> ALL(%(refs)s);

INSERT INTO quarantine.record (night, source, source_ref, reason, expectation, raw_record)
SELECT %(night)s, source, source_ref, reason, expectation, raw_record
FROM quarantine.record
WHERE night = %(previous)s AND source = 'dukcapil' AND source_ref <> ALL(%(refs)s);

INSERT INTO staging.invalid_record (night, source, source_ref, reason)
SELECT %(night)s, source, source_ref, reason
FROM staging.invalid_record
WHERE night = %(previous)s AND source = 'dukcapil' AND source_ref <> ALL(%(refs)s);

SELECT count(*) FROM staging.person WHERE night = %(night)s
