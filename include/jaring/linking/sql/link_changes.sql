-- The birth blocks (birth date, sex) and the RTs the changed persons (link_changed_person) had and have.
DROP TABLE IF EXISTS link_touched_block;
CREATE TEMP TABLE link_touched_block AS
SELECT was_born AS tgl_lahir, was_sex AS jenis_kelamin FROM link_changed_person WHERE was_born IS NOT NULL
UNION
SELECT tgl_lahir, jenis_kelamin FROM link_changed_person WHERE tgl_lahir IS NOT NULL;

DROP TABLE IF EXISTS link_touched_area;
CREATE TEMP TABLE link_touched_area AS
SELECT was_wilayah AS kode_wilayah, was_rt AS no_rt, was_rw AS no_rw FROM link_changed_person
WHERE was_wilayah IS NOT NULL
UNION
SELECT kode_wilayah, no_rt, no_rw FROM link_changed_person WHERE kode_wilayah IS NOT NULL;
ANALYZE link_changed_person;
ANALYZE link_touched_block;
ANALYZE link_touched_area;
