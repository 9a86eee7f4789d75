-- policy.md "Eligible person" and "Priority for the quota", as of night D.

-- DTSEN evidence per linked person (DTSEN repeats NIKs, so a person may have several individuals):
-- qualifies if any of them does; the person's desil is the lowest non-null desil among them; the
-- individual shown is the best one (a qualifying one first, then the lowest desil).
DROP TABLE IF EXISTS rc_dtsen;
CREATE TEMP TABLE rc_dtsen AS
SELECT DISTINCT ON (l.nik) l.nik, min(d.desil) OVER (PARTITION BY l.nik) AS desil, d.status_pekerjaan,
       d.id_individu,
       coalesce(d.desil <= %(max_desil)s AND d.status_pekerjaan = ANY(%(informal)s::smallint[]), false) AS qualifies
FROM recon.link l
JOIN staging.dtsen_individual d ON d.night = l.night AND d.id_individu::text = l.source_key
WHERE l.night = %(night)s AND l.source = 'dtsen'
ORDER BY l.nik, 5 DESC, d.desil NULLS LAST, d.id_individu;
ANALYZE rc_dtsen;

-- RT proposals (USULAN, any month up to D) under a category active in D's year, per linked person.
DROP TABLE IF EXISTS rc_proposal;
CREATE TEMP TABLE rc_proposal AS
SELECT l.nik,
       (array_agg(r.source_ref ORDER BY r.bulan DESC, r.source_ref))[1] AS source_ref,
       (array_agg(upper(btrim(r.kategori)) ORDER BY r.bulan DESC, r.source_ref))[1] AS kategori,
       (array_agg(r.kode_kelurahan ORDER BY r.bulan DESC, r.source_ref))[1] AS kode_kelurahan
FROM staging.rt_row r
JOIN recon.link l ON l.night = r.night AND l.source = 'rt' AND l.source_key = r.source_ref
WHERE r.night = %(night)s AND r.sheet = 'USULAN' AND r.bulan <= %(month)s
  AND upper(btrim(r.kategori)) = ANY(%(categories)s::text[])
GROUP BY l.nik;
ANALYZE rc_proposal;

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
    SELECT nik FROM rc_dtsen WHERE qualifies
    UNION
    SELECT nik FROM rc_proposal
), in_range AS MATERIALIZED (
    SELECT p.nik, p.nama, p.kode_wilayah, p.no_rt, p.no_rw, p.tgl_lahir,
           extract(year FROM age(%(night)s::date, p.tgl_lahir))::int AS umur,
           d.desil, d.status_pekerjaan, coalesce(d.qualifies, false) AS via_dtsen, d.id_individu,
           pr.nik IS NOT NULL AS via_rt, pr.kategori, pr.source_ref AS proposal_ref,
           pr.kode_kelurahan AS proposal_kelurahan,
           e.nik IS NOT NULL AS enrolled
    FROM candidate c
    JOIN staging.person p ON p.night = %(night)s AND p.nik = c.nik
    LEFT JOIN rc_dtsen d ON d.nik = p.nik
    LEFT JOIN rc_proposal pr ON pr.nik = p.nik
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
