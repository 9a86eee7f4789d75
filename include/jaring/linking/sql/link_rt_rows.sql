-- The RT ledger rows of night D left to link, with what linking reads of them: every one but those whose
-- previous night's links were carried (link_unchanged_rt; empty when none was).
CREATE TEMP TABLE IF NOT EXISTS link_unchanged_rt (source_ref text);
DROP TABLE IF EXISTS link_rt_row;
CREATE TEMP TABLE link_rt_row AS
SELECT source_ref, nik, nama, nama_key, kpj, kode_kelurahan, no_rt, no_rw
FROM staging.rt_row r
WHERE night = %(night)s
  AND NOT EXISTS (SELECT 1 FROM link_unchanged_rt u WHERE u.source_ref = r.source_ref);
ANALYZE link_rt_row;
