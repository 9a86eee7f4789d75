-- The RT ledgers' rows of a night in a table of their own, as the other city-sized tables since 0010
-- (jaring.warehouse.partitions): a night is filled without its key's index (the key's text, a ledger row's
-- source_ref, was inserted into the index row by row: 0.46 s a city night) and keyed once full. The nights
-- already written move into their partitions.
DO $$
DECLARE
    n date;
    part text;
BEGIN
    ALTER TABLE staging.rt_row RENAME TO rt_row_before_0014;
    ALTER TABLE staging.rt_row_before_0014 RENAME CONSTRAINT rt_row_pkey TO rt_row_before_0014_pkey;
    CREATE TABLE staging.rt_row (LIKE staging.rt_row_before_0014 INCLUDING DEFAULTS) PARTITION BY LIST (night);
    FOR n IN SELECT DISTINCT night FROM staging.rt_row_before_0014 ORDER BY 1 LOOP
        part := 'rt_row_' || to_char(n, 'YYYYMMDD');
        EXECUTE format('CREATE TABLE staging.%I (LIKE staging.rt_row INCLUDING DEFAULTS)', part);
        EXECUTE format('INSERT INTO staging.%I SELECT * FROM staging.rt_row_before_0014 WHERE night = %L', part, n);
        EXECUTE format('ALTER TABLE staging.%I ADD PRIMARY KEY (night, source_ref)', part);
        EXECUTE format('ALTER TABLE staging.rt_row ATTACH PARTITION staging.%I FOR VALUES IN (%L)', part, n);
    END LOOP;
    DROP TABLE staging.rt_row_before_0014;
END
$$;

ANALYZE staging.rt_row;
