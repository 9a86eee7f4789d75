-- The working tables of this session's lane (temporary, dropped at the end of the run).

-- Every participant of night D with its link, the linked person (domicile as of D)
-- and the registry person holding the participant's own NIK, if any. The persons are looked up first, by
-- NIK (joined directly, the planner hashed all 630k persons of the night twice for 39k participants).
DROP TABLE IF EXISTS rc_participant;
CREATE TEMP TABLE rc_participant AS
WITH person AS MATERIALIZED (
    SELECT nik, nama, tgl_lahir, no_kk, kode_wilayah, no_rt, no_rw, status, tgl_mati, tgl_pindah
    FROM staging.person
    WHERE night = %(night)s
      AND nik IN (SELECT nik FROM staging.participant WHERE night = %(night)s
                  UNION ALL
                  SELECT nik FROM recon.link WHERE night = %(night)s AND source = 'bpjs')
)
SELECT p.kpj, p.nik AS participant_nik, p.nik_raw, p.nama AS participant_nama,
       p.tgl_lahir AS participant_tgl_lahir, p.status_kepesertaan, p.tgl_kepesertaan, p.tgl_nonaktif,
       p.pembiayaan, p.kode_wilayah AS participant_wilayah, p.iuran_bulanan,
       l.nik AS person_nik, l.step, l.method,
       r.nama, r.tgl_lahir, r.no_kk, r.kode_wilayah, r.no_rt, r.no_rw, r.status, r.tgl_mati, r.tgl_pindah,
       h.nik AS holder_nik, h.nama AS holder_nama, h.tgl_lahir AS holder_tgl_lahir,
       h.kode_wilayah AS holder_wilayah, h.no_rt AS holder_rt, h.no_rw AS holder_rw
FROM staging.participant p
LEFT JOIN recon.link l ON l.night = p.night AND l.source = 'bpjs' AND l.source_key = p.kpj::text
LEFT JOIN person r ON r.nik = l.nik
LEFT JOIN person h ON h.nik = p.nik
WHERE p.night = %(night)s;
ANALYZE rc_participant;

-- The payments received by D of the participants linked to a dead person (DECEASED_STILL_ACTIVE,
-- DEATH_BENEFIT_UNCLAIMED): night D's payments read once for the hundred or so, not hashed whole for each.
DROP TABLE IF EXISTS rc_dead_payment;
CREATE TEMP TABLE rc_dead_payment AS
SELECT pay.kpj, pay.bulan
FROM staging.payment pay
WHERE pay.night = %(night)s AND pay.tgl_bayar <= %(night)s
  AND pay.kpj IN (SELECT kpj FROM rc_participant WHERE person_nik IS NOT NULL AND status = 'MATI');
ANALYZE rc_dead_payment;
