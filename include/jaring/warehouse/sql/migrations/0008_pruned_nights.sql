-- Nights whose rows of a table the retention removed (jaring.warehouse.db.prune, after JARING_KEEP_NIGHTS
-- nights): reconciling such a night again needs its sources again. A night's re-ingest clears its mark.
CREATE TABLE IF NOT EXISTS ops.pruned_night (
    night      date        NOT NULL,
    table_name text        NOT NULL,
    pruned_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (night, table_name)
);
