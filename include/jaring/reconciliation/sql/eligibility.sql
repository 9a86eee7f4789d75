-- policy.md "Eligible person" and "Priority for the quota", as of night D (the evidence: eligibility_evidence.sql).

-- Persons with an AKTIF participant linked to them (any payer).
DROP TABLE IF EXISTS rc_enrolled;
CREATE TEMP TABLE rc_enrolled AS
SELECT DISTINCT person_nik AS nik FROM rc_participant
WHERE person_nik IS NOT NULL AND status_kepesertaan = 'AKTIF';
ANALYZE rc_enrolled;

-- Quota rank of the eligible not enrolled: lower desil first (no DTSEN desil ranks after every
-- desil, so after desil 5), RT proposals before non-proposals, older first, then NIK.
DROP TABLE IF EXISTS rc_eligible;
CREATE TEMP TABLE rc_eligible AS
WITH candidate AS (
    SELECT nik FROM work.rc_dtsen WHERE qualifies
    UNION
    SELECT nik FROM work.rc_proposal
), in_range AS MATERIALIZED (
    SELECT p.nik, p.nama, p.kode_wilayah, p.no_rt, p.no_rw, p.tgl_lahir,
           extract(year FROM age(%(night)s::date, p.tgl_lahir))::int AS umur,
           d.desil, d.status_pekerjaan, coalesce(d.qualifies, false) AS via_dtsen, d.id_individu,
           pr.nik IS NOT NULL AS via_rt, pr.kategori, pr.source_ref AS proposal_ref,
           pr.kode_kelurahan AS proposal_kelurahan,
           e.nik IS NOT NULL AS enrolled
    FROM candidate c
    JOIN staging.person p ON p.night = %(night)s AND p.nik = c.nik
    LEFT JOIN work.rc_dtsen d ON d.nik = p.nik
    LEFT JOIN work.rc_proposal pr ON pr.nik = p.nik
    LEFT JOIN rc_enrolled e ON e.nik = p.nik
    -- LIKE a prefix and the birth-date range keep the planner's estimates sane (left(kode_wilayah, 4) was taken
    -- for 1 person in 200, and the 418k in range were hashed before the 57k candidates); the age test below
    -- is the rule
    WHERE p.status = 'HIDUP' AND p.kode_wilayah LIKE %(city_prefix)s || '%%'
      AND p.tgl_lahir > (%(night)s::date - make_interval(years => %(age_max)s + 1))::date - 2
      AND p.tgl_lahir <= (%(night)s::date - make_interval(years => %(age_min)s))::date + 2
)
SELECT e.*,
       CASE WHEN NOT e.enrolled THEN row_number() OVER (
           PARTITION BY e.enrolled
           ORDER BY coalesce(e.desil, 11), e.via_rt DESC, e.tgl_lahir, e.nik) END AS quota_rank
FROM in_range e
WHERE e.umur BETWEEN %(age_min)s AND %(age_max)s;
ANALYZE rc_eligible;
