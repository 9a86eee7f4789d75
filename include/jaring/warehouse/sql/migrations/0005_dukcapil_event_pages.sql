-- The pages of /v1/peristiwa an incremental night applied to the previous night's registry
-- (jaring.sources.dukcapil): its `data` arrays as received, replaced with the night's other registry rows.
CREATE TABLE IF NOT EXISTS raw.dukcapil_event_page (
    night   date    NOT NULL,
    page    integer NOT NULL,
    records jsonb   NOT NULL,
    PRIMARY KEY (night, page)
);
