-- The night-keyed tables a single step writes whole (the agencies' raw answers, the staged sources, the
-- links) hold one partition per night: replacing night D is a TRUNCATE of its partition, a query of night D
-- reads that night alone however many nights are kept, and forgetting a night is a DROP (jaring.warehouse.db:
-- night partitions are made by `clear_night`, dropped by `prune` after JARING_KEEP_NIGHTS nights).
-- `<table>_default` takes the rows of a night that has no partition yet (a writer that did not clear it).
-- Moves the rows already kept, once.

-- Nights whose rows of a table the retention removed: reconciling such a night again needs its sources again.
CREATE TABLE IF NOT EXISTS ops.pruned_night (
    night      date        NOT NULL,
    table_name text        NOT NULL,
    pruned_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (night, table_name)
);

DO $$
DECLARE
    qualified text;
    schema_name text;
    table_name text;
    old_name text;
    night date;
BEGIN
    FOREACH qualified IN ARRAY ARRAY['raw.dukcapil_page', 'raw.dukcapil_event_page', 'raw.bpjs_page',
                                     'raw.dtsen_individu', 'staging.person', 'staging.participant',
                                     'staging.payment', 'staging.claim', 'staging.dtsen_individual',
                                     'staging.rt_row', 'recon.link'] LOOP
        schema_name := split_part(qualified, '.', 1);
        table_name := split_part(qualified, '.', 2);
        old_name := table_name || '_unpartitioned';
        EXECUTE format('ALTER TABLE %I.%I RENAME TO %I', schema_name, table_name, old_name);
        EXECUTE format('ALTER INDEX %I.%I RENAME TO %I', schema_name, table_name || '_pkey', old_name || '_pkey');
        EXECUTE format('CREATE TABLE %I.%I (LIKE %I.%I INCLUDING ALL) PARTITION BY LIST (night)',
                       schema_name, table_name, schema_name, old_name);
        EXECUTE format('CREATE TABLE %I.%I PARTITION OF %I.%I DEFAULT',
                       schema_name, table_name || '_default', schema_name, table_name);
        FOR night IN EXECUTE format('SELECT DISTINCT night FROM %I.%I', schema_name, old_name) LOOP
            EXECUTE format('CREATE TABLE %I.%I PARTITION OF %I.%I FOR VALUES IN (%L)', schema_name,
                           table_name || '_' || to_char(night, 'YYYYMMDD'), schema_name, table_name, night);
        END LOOP;
        EXECUTE format('INSERT INTO %I.%I SELECT * FROM %I.%I', schema_name, table_name, schema_name, old_name);
        EXECUTE format('DROP TABLE %I.%I', schema_name, old_name);
    END LOOP;
END
$$;
