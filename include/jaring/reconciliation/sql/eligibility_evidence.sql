-- policy.md "Eligible person": the DTSEN and RT evidence per linked person, made beside the participants'
-- findings by the reconciliation's second session (`work`: the first reads them in eligibility.sql).

-- DTSEN evidence per linked person (DTSEN repeats NIKs, so a person may have several individuals):
-- qualifies if any of them does; the person's desil is the lowest non-null desil among them; the
-- individual shown is the best one (a qualifying one first, then the lowest desil).
CREATE UNLOGGED TABLE work.rc_dtsen AS
SELECT DISTINCT ON (l.nik) l.nik, min(d.desil) OVER (PARTITION BY l.nik) AS desil, d.status_pekerjaan,
       d.id_individu,
       coalesce(d.desil <= %(max_desil)s AND d.status_pekerjaan = ANY(%(informal)s::smallint[]), false) AS qualifies
FROM recon.link l
JOIN staging.dtsen_individual d ON d.night = l.night AND d.id_individu::text = l.source_key
WHERE l.night = %(night)s AND l.source = 'dtsen'
ORDER BY l.nik, 5 DESC, d.desil NULLS LAST, d.id_individu;
ANALYZE work.rc_dtsen;

-- RT proposals (USULAN, any month up to D) under a category active in D's year, per linked person.
CREATE UNLOGGED TABLE work.rc_proposal AS
SELECT l.nik,
       (array_agg(r.source_ref ORDER BY r.bulan DESC, r.source_ref))[1] AS source_ref,
       (array_agg(upper(btrim(r.kategori)) ORDER BY r.bulan DESC, r.source_ref))[1] AS kategori,
       (array_agg(r.kode_kelurahan ORDER BY r.bulan DESC, r.source_ref))[1] AS kode_kelurahan
FROM staging.rt_row r
JOIN recon.link l ON l.night = r.night AND l.source = 'rt' AND l.source_key = r.source_ref
WHERE r.night = %(night)s AND r.sheet = 'USULAN' AND r.bulan <= %(month)s
  AND upper(btrim(r.kategori)) = ANY(%(categories)s::text[])
GROUP BY l.nik;
ANALYZE work.rc_proposal;
