-- ELIGIBLE_NOT_ENROLLED: every eligible person without an AKTIF participant, with the quota rank.
-- %(quota_left)s = quota(year of D) - AKTIF APBD participants, at least 0.
INSERT INTO rc_finding
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
WHERE NOT e.enrolled
