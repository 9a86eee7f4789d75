-- Findings about one BPJS participant (key kpj) and DUPLICATE_PARTICIPANT (key registry nik).
-- Precedence (findings.md): DECEASED_STILL_ACTIVE (person MATI), MOVED_OUT_OF_CITY (person HIDUP,
-- outside the city) and NO_LONGER_ELIGIBLE (person HIDUP, in the city; eligible_findings.sql) exclude each
-- other by their conditions; the first two suppress PREMIUM_ARREARS; an unlinked participant gets only
-- its identity finding (every other code below needs person_nik).

INSERT INTO work.rc_finding
WITH dead AS (
    SELECT * FROM rc_participant c
    WHERE c.status_kepesertaan = 'AKTIF' AND c.person_nik IS NOT NULL AND c.status = 'MATI'
), paid_after AS (
    SELECT d.kpj, jsonb_agg(DISTINCT pay.bulan ORDER BY pay.bulan) AS months
    FROM dead d
    JOIN rc_dead_payment pay ON pay.kpj = d.kpj
    WHERE pay.bulan > to_char(d.tgl_mati, 'YYYY-MM')
    GROUP BY d.kpj
)
SELECT 'DECEASED_STILL_ACTIVE', c.kpj, c.person_nik, c.kpj, NULL, 'bpjs', 'bpjs:' || c.kpj, 'TINGGI',
       c.nama, c.kode_wilayah, c.no_rt, c.no_rw, NULL,
       jsonb_build_object(
           'registry_nik', c.person_nik, 'participant_nik', coalesce(c.participant_nik, c.nik_raw),
           'tgl_mati', c.tgl_mati, 'payer', c.pembiayaan, 'tgl_kepesertaan', c.tgl_kepesertaan,
           'link_method', c.method, 'months_paid_after_death', coalesce(a.months, '[]'::jsonb))
FROM dead c
LEFT JOIN paid_after a ON a.kpj = c.kpj;

INSERT INTO work.rc_finding
SELECT 'MOVED_OUT_OF_CITY', c.kpj, c.person_nik, c.kpj, NULL, 'bpjs', 'bpjs:' || c.kpj, 'SEDANG',
       c.nama, c.kode_wilayah, c.no_rt, c.no_rw, NULL,
       jsonb_build_object(
           'registry_nik', c.person_nik, 'tgl_pindah', c.tgl_pindah, 'kode_wilayah_baru', c.kode_wilayah,
           'payer', c.pembiayaan, 'kode_wilayah_bpjs', c.participant_wilayah,
           'monthly_premium', coalesce(c.iuran_bulanan, %(premium)s))
FROM rc_participant c
WHERE c.status_kepesertaan = 'AKTIF' AND c.pembiayaan = %(apbd_payer)s AND c.person_nik IS NOT NULL
  AND c.status = 'HIDUP' AND c.kode_wilayah IS NOT NULL AND c.kode_wilayah NOT LIKE %(city_prefix)s || '%%';

-- Identity findings (any participant of the roster, AKTIF or not).
INSERT INTO work.rc_finding
SELECT 'NIK_NOT_IN_REGISTRY', c.kpj, NULL, c.kpj, NULL, 'bpjs', 'bpjs:' || c.kpj, 'SEDANG',
       c.participant_nama, c.participant_wilayah, NULL, NULL, NULL,
       jsonb_build_object(
           'participant_nik', coalesce(c.participant_nik, c.nik_raw), 'nama_bpjs', c.participant_nama,
           'tgl_lahir_bpjs', c.participant_tgl_lahir, 'payer', c.pembiayaan,
           'status_kepesertaan', c.status_kepesertaan)
FROM rc_participant c
WHERE c.person_nik IS NULL AND c.holder_nik IS NULL;

INSERT INTO work.rc_finding
SELECT 'NIK_MISMATCH', c.kpj, c.person_nik, c.kpj, NULL, 'bpjs', 'bpjs:' || c.kpj, 'SEDANG',
       c.nama, c.kode_wilayah, c.no_rt, c.no_rw, NULL,
       jsonb_build_object(
           'registry_nik', c.person_nik, 'participant_nik', coalesce(c.participant_nik, c.nik_raw),
           'participant_nik_in_registry', c.holder_nik IS NOT NULL,
           'nama_dukcapil', c.nama, 'nama_bpjs', c.participant_nama, 'tgl_lahir', c.tgl_lahir,
           'payer', c.pembiayaan, 'status_kepesertaan', c.status_kepesertaan)
FROM rc_participant c
WHERE c.step = 2;

-- Linked by step 3 (exactly one of name / birth date disagrees) or not linked (both disagree).
INSERT INTO work.rc_finding
SELECT 'IDENTITY_MISMATCH', c.kpj, c.holder_nik, c.kpj, NULL, 'bpjs', 'bpjs:' || c.kpj, 'SEDANG',
       coalesce(c.nama, c.participant_nama), coalesce(c.kode_wilayah, c.participant_wilayah),
       c.no_rt, c.no_rw, NULL,
       jsonb_build_object(
           'registry_nik', c.holder_nik, 'linked', c.person_nik IS NOT NULL,
           'disagree', CASE
               WHEN c.person_nik IS NULL THEN jsonb_build_array('nama', 'tgl_lahir')
               WHEN c.participant_tgl_lahir IS NOT DISTINCT FROM c.holder_tgl_lahir THEN jsonb_build_array('nama')
               ELSE jsonb_build_array('tgl_lahir') END,
           'nama_dukcapil', c.holder_nama, 'nama_bpjs', c.participant_nama,
           'tgl_lahir_dukcapil', c.holder_tgl_lahir, 'tgl_lahir_bpjs', c.participant_tgl_lahir,
           'payer', c.pembiayaan, 'status_kepesertaan', c.status_kepesertaan)
FROM rc_participant c
WHERE c.holder_nik IS NOT NULL AND (c.person_nik IS NULL OR c.step = 3);

INSERT INTO work.rc_finding
SELECT 'DUPLICATE_PARTICIPANT', c.person_nik, c.person_nik, NULL, NULL, 'bpjs', NULL,
       CASE WHEN bool_or(c.pembiayaan = %(apbd_payer)s) THEN 'TINGGI' ELSE 'SEDANG' END,
       min(c.nama), min(c.kode_wilayah), min(c.no_rt), min(c.no_rw), NULL,
       jsonb_build_object(
           'registry_nik', c.person_nik,
           'kpjs', jsonb_agg(c.kpj ORDER BY c.kpj),
           'participations', jsonb_agg(jsonb_build_object(
               'kpj', c.kpj, 'payer', c.pembiayaan, 'tgl_kepesertaan', c.tgl_kepesertaan,
               'participant_nik', coalesce(c.participant_nik, c.nik_raw)) ORDER BY c.kpj))
FROM rc_participant c
WHERE c.status_kepesertaan = 'AKTIF' AND c.person_nik IS NOT NULL
GROUP BY c.person_nik
HAVING count(*) >= 2;

-- Arrears: the due months of the window (%(arrears_months)s, computed from D) from the month of
-- TGL_KEPESERTAAN on, with no payment received by D. (The months paid, gathered per KPJ first: one pass over
-- the window's payments, where a NOT EXISTS per month sorted them all.)
INSERT INTO work.rc_finding
WITH paid AS (
    SELECT kpj, array_agg(bulan::text) AS months
    FROM staging.payment
    WHERE night = %(night)s AND tgl_bayar <= %(night)s AND bulan = ANY(%(arrears_months)s::text[])
    GROUP BY kpj
)
SELECT 'PREMIUM_ARREARS', c.kpj, c.person_nik, c.kpj, NULL, 'bpjs', 'bpjs:' || c.kpj,
       CASE WHEN count(*) >= 3 THEN 'TINGGI' ELSE 'SEDANG' END,
       c.nama, c.kode_wilayah, c.no_rt, c.no_rw, NULL,
       jsonb_build_object(
           'registry_nik', c.person_nik, 'payer', c.pembiayaan, 'tgl_kepesertaan', c.tgl_kepesertaan,
           'missing_months', jsonb_agg(m.bulan ORDER BY m.bulan),
           'arrears_amount', count(*) * coalesce(c.iuran_bulanan, %(premium)s))
FROM rc_participant c
LEFT JOIN paid ON paid.kpj = c.kpj
CROSS JOIN unnest(%(arrears_months)s::text[]) AS m(bulan)
WHERE c.status_kepesertaan = 'AKTIF' AND c.person_nik IS NOT NULL
  AND m.bulan >= to_char(c.tgl_kepesertaan, 'YYYY-MM')
  AND NOT (c.status = 'MATI')
  AND NOT (c.pembiayaan = %(apbd_payer)s AND c.status = 'HIDUP' AND c.kode_wilayah IS NOT NULL
           AND c.kode_wilayah NOT LIKE %(city_prefix)s || '%%')
  AND NOT (m.bulan = ANY(coalesce(paid.months, '{}')))
GROUP BY c.kpj, c.person_nik, c.pembiayaan, c.tgl_kepesertaan, c.iuran_bulanan, c.nama, c.kode_wilayah,
         c.no_rt, c.no_rw
