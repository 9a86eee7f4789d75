-- The tables that hold a whole city each night keep each night in a table of its own, `<table>_<yyyymmdd>`,
-- a LIST partition by night keyed by its own primary key (jaring.warehouse.partitions: a night is filled
-- without an index and keyed once full; the retention drops a night's table). The nights already written
-- move into their partitions.
DO $$
DECLARE
    t record;
    n date;
    part text;
    before text;
BEGIN
    FOR t IN SELECT * FROM (VALUES ('staging', 'person', 'night, nik'),
                                   ('staging', 'payment', 'night, id_bayar'),
                                   ('staging', 'dtsen_individual', 'night, id_individu'),
                                   ('recon', 'link', 'night, source, source_key')) AS v (nsp, tbl, pk)
    LOOP
        before := t.tbl || '_before_0010';
        EXECUTE format('ALTER TABLE %I.%I RENAME TO %I', t.nsp, t.tbl, before);
        EXECUTE format('CREATE TABLE %I.%I (LIKE %I.%I INCLUDING DEFAULTS) PARTITION BY LIST (night)',
                       t.nsp, t.tbl, t.nsp, before);
        FOR n IN EXECUTE format('SELECT DISTINCT night FROM %I.%I ORDER BY 1', t.nsp, before) LOOP
            part := t.tbl || '_' || to_char(n, 'YYYYMMDD');
            EXECUTE format('CREATE TABLE %I.%I (LIKE %I.%I INCLUDING DEFAULTS)', t.nsp, part, t.nsp, t.tbl);
            EXECUTE format('INSERT INTO %I.%I SELECT * FROM %I.%I WHERE night = %L', t.nsp, part, t.nsp, before, n);
            EXECUTE format('ALTER TABLE %I.%I ADD PRIMARY KEY (%s)', t.nsp, part, t.pk);
            EXECUTE format('ALTER TABLE %I.%I ATTACH PARTITION %I.%I FOR VALUES IN (%L)', t.nsp, t.tbl, t.nsp, part, n);
        END LOOP;
        EXECUTE format('DROP TABLE %I.%I', t.nsp, before);
    END LOOP;
END
$$;

-- the partitioned tables' own statistics, which the planner estimates their joins with
ANALYZE staging.person, staging.payment, staging.dtsen_individual, recon.link;
