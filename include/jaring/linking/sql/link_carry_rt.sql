-- Night %(previous)s's links (or their absence) of the RT ledger rows linking again would decide the same
-- way: the row as it was, its NIK holder unchanged (step 1), its KPJ linked to the same unchanged person
-- (step 2; night D's BPJS links are written first), nobody of its RT changed (step 3). Their links are
-- carried over (the last statement); link_rt_rows.sql then leaves them out of the rows to link.
DROP TABLE IF EXISTS link_moved_kpj;
CREATE TEMP TABLE link_moved_kpj AS
SELECT coalesce(d.source_key, p.source_key) AS kpj
FROM (SELECT source_key, nik FROM recon.link WHERE night = %(night)s AND source = 'bpjs') AS d
FULL JOIN (SELECT source_key, nik FROM recon.link WHERE night = %(previous)s AND source = 'bpjs') AS p
  ON p.source_key = d.source_key
WHERE d.nik IS DISTINCT FROM p.nik OR d.nik IN (SELECT nik FROM link_changed_person);
ANALYZE link_moved_kpj;

DROP TABLE IF EXISTS link_same_rt_row, link_unchanged_rt;
-- the rows as they were (every field equal, NULL to NULL included), joined on their key in parallel, then
-- the exclusions, as in link_carry_records.sql
CREATE TEMP TABLE link_same_rt_row AS
SELECT d.source_ref, d.nik, d.kpj, d.kode_kelurahan, d.no_rt, d.no_rw
FROM staging.rt_row d
JOIN staging.rt_row p ON p.night = %(previous)s AND p.source_ref = d.source_ref
 AND (p.nik, p.nama, p.nama_key, p.kpj, p.kode_kelurahan, p.no_rt, p.no_rw)
     IS NOT DISTINCT FROM (d.nik, d.nama, d.nama_key, d.kpj, d.kode_kelurahan, d.no_rt, d.no_rw)
WHERE d.night = %(night)s;

CREATE TEMP TABLE link_unchanged_rt AS
SELECT same.source_ref
FROM link_same_rt_row same
WHERE NOT EXISTS (SELECT 1 FROM link_changed_person c WHERE c.nik = same.nik)
  AND NOT EXISTS (SELECT 1 FROM link_moved_kpj k WHERE k.kpj = same.kpj::text)
  AND NOT EXISTS (SELECT 1 FROM link_touched_area a
                  WHERE a.kode_wilayah = same.kode_kelurahan AND a.no_rt = same.no_rt AND a.no_rw = same.no_rw);

ANALYZE link_unchanged_rt;

INSERT INTO recon.link (night, source, source_key, nik, method, step, score)
SELECT %(night)s, l.source, l.source_key, l.nik, l.method, l.step, l.score
FROM recon.link l
JOIN link_unchanged_rt u ON u.source_ref = l.source_key
WHERE l.night = %(previous)s AND l.source = 'rt';
