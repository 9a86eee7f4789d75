-- The DTSEN release as read, a night in a table of its own, as the other city-sized tables since 0010
-- (jaring.warehouse.partitions): a night is filled without its key's index (206k individuals a night, copied
-- from the night before when the release is unchanged) and keyed once full. The nights already written move
-- into their partitions.
DO $$
DECLARE
    n date;
    part text;
BEGIN
    ALTER TABLE raw.dtsen_individu RENAME TO dtsen_individu_before_0015;
    ALTER TABLE raw.dtsen_individu_before_0015 RENAME CONSTRAINT dtsen_individu_pkey TO dtsen_individu_before_0015_pkey;
    CREATE TABLE raw.dtsen_individu (LIKE raw.dtsen_individu_before_0015 INCLUDING DEFAULTS) PARTITION BY LIST (night);
    FOR n IN SELECT DISTINCT night FROM raw.dtsen_individu_before_0015 ORDER BY 1 LOOP
        part := 'dtsen_individu_' || to_char(n, 'YYYYMMDD');
        EXECUTE format('CREATE TABLE raw.%I (LIKE raw.dtsen_individu INCLUDING DEFAULTS)', part);
        EXECUTE format('INSERT INTO raw.%I SELECT * FROM raw.dtsen_individu_before_0015 WHERE night = %L', part, n);
        EXECUTE format('ALTER TABLE raw.%I ADD PRIMARY KEY (night, id_individu)', part);
        EXECUTE format('ALTER TABLE raw.dtsen_individu ATTACH PARTITION raw.%I FOR VALUES IN (%L)', part, n);
    END LOOP;
    DROP TABLE raw.dtsen_individu_before_0015;
END
$$;

ANALYZE raw.dtsen_individu;
