-- DEATH_BENEFIT_UNCLAIMED: a participant (any status) linked to a dead person, covered at death
-- (paid for the month of death or the month before, and TGL_KEPESERTAAN <= TGL_MATI), with no JKM
-- claim for that KPJ as of D in a status other than DITOLAK. Evidence: the heirs on the family
-- card (same NO_KK, living) and the children under 23 who may claim the scholarship (PP 82/2019:
-- at most 2 children, only when the contributions ran for at least 3 years before the death).
-- covered, rejected and heirs are MATERIALIZED: computed once each, where the planner, taking `dead` for one
-- row, would aggregate the heirs again for every dead participant.
INSERT INTO work.rc_finding
WITH dead AS (
    SELECT * FROM rc_participant c
    WHERE c.person_nik IS NOT NULL AND c.status = 'MATI' AND c.tgl_mati IS NOT NULL
      AND c.tgl_kepesertaan <= c.tgl_mati
), covered AS MATERIALIZED (
    SELECT d.kpj, jsonb_agg(DISTINCT pay.bulan ORDER BY pay.bulan) AS months
    FROM dead d
    JOIN rc_dead_payment pay ON pay.kpj = d.kpj
    WHERE pay.bulan IN (to_char(d.tgl_mati, 'YYYY-MM'), to_char(d.tgl_mati - interval '1 month', 'YYYY-MM'))
    GROUP BY d.kpj
), rejected AS MATERIALIZED (
    SELECT cl.kpj, jsonb_agg(cl.no_klaim ORDER BY cl.no_klaim) AS claims
    FROM staging.claim cl
    WHERE cl.night = %(night)s AND cl.jenis_klaim = 'JKM' AND cl.status = 'DITOLAK'
      AND cl.tgl_pengajuan <= %(night)s
    GROUP BY cl.kpj
), heir AS (
    SELECT d.kpj, h.nik, h.nama, h.stat_hbkel, h.tgl_lahir,
           extract(year FROM age(%(night)s::date, h.tgl_lahir))::int AS umur
    FROM (SELECT DISTINCT kpj, person_nik, no_kk FROM dead) d
    JOIN staging.person h ON h.night = %(night)s AND h.no_kk = d.no_kk
    WHERE h.nik <> d.person_nik AND h.status = 'HIDUP'
), heirs AS MATERIALIZED (
    SELECT kpj,
           jsonb_agg(jsonb_build_object('nik', nik, 'nama', nama, 'stat_hbkel', stat_hbkel,
                                        'tgl_lahir', tgl_lahir, 'umur', umur) ORDER BY tgl_lahir, nik) AS heirs,
           coalesce(jsonb_agg(jsonb_build_object('nik', nik, 'nama', nama, 'tgl_lahir', tgl_lahir, 'umur', umur)
                              ORDER BY tgl_lahir, nik)
                    FILTER (WHERE stat_hbkel = 'ANAK' AND umur < 23), '[]'::jsonb) AS children
    FROM heir GROUP BY kpj
)
SELECT 'DEATH_BENEFIT_UNCLAIMED', d.kpj, d.person_nik, d.kpj, NULL, 'bpjs', 'bpjs:' || d.kpj, 'TINGGI',
       d.nama, d.kode_wilayah, d.no_rt, d.no_rw, NULL,
       jsonb_build_object(
           'registry_nik', d.person_nik, 'tgl_mati', d.tgl_mati, 'covered_at_death', true,
           'paid_months_at_death', cv.months, 'tgl_kepesertaan', d.tgl_kepesertaan,
           'status_kepesertaan', d.status_kepesertaan, 'payer', d.pembiayaan,
           'jkm_benefit', %(jkm_benefit)s, 'rejected_claims', coalesce(rj.claims, '[]'::jsonb),
           'no_kk', d.no_kk, 'heirs', coalesce(hs.heirs, '[]'::jsonb),
           'scholarship_children', coalesce(hs.children, '[]'::jsonb),
           'scholarship_max_children', 2,
           'three_years_contributions', d.tgl_mati >= (d.tgl_kepesertaan + interval '3 years')::date,
           'scholarship_children_payable', CASE
               WHEN d.tgl_mati >= (d.tgl_kepesertaan + interval '3 years')::date
               THEN least(jsonb_array_length(coalesce(hs.children, '[]'::jsonb)), 2) ELSE 0 END)
FROM dead d
JOIN covered cv ON cv.kpj = d.kpj
LEFT JOIN rejected rj ON rj.kpj = d.kpj
LEFT JOIN heirs hs ON hs.kpj = d.kpj
WHERE NOT EXISTS (
    SELECT 1 FROM staging.claim cl
    WHERE cl.night = %(night)s AND cl.kpj = d.kpj AND cl.jenis_klaim = 'JKM' AND cl.status <> 'DITOLAK'
      AND cl.tgl_pengajuan <= %(night)s)
