-- The RT ledger rows of night D, with what linking reads of them.
DROP TABLE IF EXISTS link_rt_row;
CREATE TEMP TABLE link_rt_row AS
SELECT source_ref, nik, nama, nama_key, kpj, kode_kelurahan, no_rt, no_rw
FROM staging.rt_row WHERE night = %(night)s;
ANALYZE link_rt_row;
