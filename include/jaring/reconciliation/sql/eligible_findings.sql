-- ELIGIBLE_NOT_ENROLLED: every eligible person without an AKTIF participant, with the quota rank.
-- %(quota_left)s = quota(year of D) - AKTIF APBD participants, at least 0.
INSERT INTO work.rc_finding
SELECT 'ELIGIBLE_NOT_ENROLLED', e.nik, e.nik, NULL, NULL,
       CASE WHEN e.via_dtsen THEN 'dtsen' ELSE 'rt' END,
       CASE WHEN e.via_dtsen THEN 'dtsen:' || e.id_individu ELSE e.proposal_ref END,
       CASE WHEN e.quota_rank <= %(quota_left)s THEN 'SEDANG' ELSE 'RENDAH' END,
       e.nama, e.kode_wilayah, e.no_rt, e.no_rw,
       CASE WHEN e.via_rt THEN e.proposal_kelurahan END,
       jsonb_build_object(
           'registry_nik', e.nik, 'umur', e.umur, 'desil', e.desil, 'status_pekerjaan', e.status_pekerjaan,
           'eligible_by_dtsen', e.via_dtsen, 'rt_proposal', e.kategori, 'rt_proposal_ref', e.proposal_ref,
           'quota_rank', e.quota_rank, 'within_quota', e.quota_rank <= %(quota_left)s,
           'quota', %(quota)s, 'quota_left', %(quota_left)s)
FROM rc_eligible e
WHERE NOT e.enrolled;

-- NO_LONGER_ELIGIBLE: an AKTIF participant paid by the city whose person (alive, in the city) is not eligible;
-- excluded by DECEASED_STILL_ACTIVE and MOVED_OUT_OF_CITY through its conditions (participant_findings.sql).
INSERT INTO work.rc_finding
SELECT 'NO_LONGER_ELIGIBLE', c.kpj, c.person_nik, c.kpj, NULL, 'bpjs', 'bpjs:' || c.kpj, 'SEDANG',
       c.nama, c.kode_wilayah, c.no_rt, c.no_rw, NULL,
       jsonb_build_object(
           'registry_nik', c.person_nik, 'payer', c.pembiayaan,
           'umur', extract(year FROM age(%(night)s::date, c.tgl_lahir))::int,
           'age_range', jsonb_build_array(%(age_min)s, %(age_max)s),
           'desil', d.desil, 'status_pekerjaan', d.status_pekerjaan, 'in_dtsen', d.nik IS NOT NULL,
           'rt_proposal', pr.kategori)
FROM rc_participant c
LEFT JOIN work.rc_dtsen d ON d.nik = c.person_nik
LEFT JOIN work.rc_proposal pr ON pr.nik = c.person_nik
WHERE c.status_kepesertaan = 'AKTIF' AND c.pembiayaan = %(apbd_payer)s AND c.person_nik IS NOT NULL
  AND c.status = 'HIDUP' AND c.kode_wilayah LIKE %(city_prefix)s || '%%'
  AND NOT EXISTS (SELECT 1 FROM rc_eligible e WHERE e.nik = c.person_nik);
