-- Night %(previous)s's links (or their absence) of the RT ledger rows linking again would decide the same
-- way: the row as it was, its NIK holder unchanged (step 1), its KPJ linked to the same unchanged person
-- (step 2; night D's BPJS links are written first), nobody of its RT changed (step 3). Those leave
-- link_rt_row; the carried links are the last statement.
DROP TABLE IF EXISTS link_moved_kpj;
CREATE TEMP TABLE link_moved_kpj AS
SELECT coalesce(d.source_key, p.source_key) AS kpj
FROM (SELECT source_key, nik FROM recon.link WHERE night = %(night)s AND source = 'bpjs') AS d
FULL JOIN (SELECT source_key, nik FROM recon.link WHERE night = %(previous)s AND source = 'bpjs') AS p
  ON p.source_key = d.source_key
WHERE d.nik IS DISTINCT FROM p.nik OR d.nik IN (SELECT nik FROM link_changed_person);

DROP TABLE IF EXISTS link_unchanged;
CREATE TEMP TABLE link_unchanged AS
SELECT r.source_ref
FROM link_rt_row r
JOIN staging.rt_row p ON p.night = %(previous)s AND p.source_ref = r.source_ref
WHERE (p.nik, p.nama, p.nama_key, p.kpj, p.kode_kelurahan, p.no_rt, p.no_rw)
      IS NOT DISTINCT FROM (r.nik, r.nama, r.nama_key, r.kpj, r.kode_kelurahan, r.no_rt, r.no_rw)
  AND NOT EXISTS (SELECT 1 FROM link_changed_person c WHERE c.nik = r.nik)
  AND NOT EXISTS (SELECT 1 FROM link_moved_kpj k WHERE k.kpj = r.kpj::text)
  AND NOT EXISTS (SELECT 1 FROM link_touched_area a
                  WHERE a.kode_wilayah = r.kode_kelurahan AND a.no_rt = r.no_rt AND a.no_rw = r.no_rw);

DELETE FROM link_rt_row r
USING link_unchanged u
WHERE u.source_ref = r.source_ref;

-- in the primary key's order: appended to its index, not scattered through it
INSERT INTO recon.link (night, source, source_key, nik, method, step, score)
SELECT %(night)s, l.source, l.source_key, l.nik, l.method, l.step, l.score
FROM recon.link l
JOIN link_unchanged u ON u.source_ref = l.source_key
WHERE l.night = %(previous)s AND l.source = 'rt'
ORDER BY l.source_key;
