-- The files seen in the inbox tonight, copied in before they are merged into raw.rt_file_version.
DROP TABLE IF EXISTS pg_temp.rt_seen;
CREATE TEMP TABLE rt_seen (LIKE raw.rt_file_version) ON COMMIT DROP;
