-- The agencies' raw pages as json, not jsonb: the text as it came (fields in their order; jsonb re-sorts
-- them and re-encodes every value) and no binary form to build: with lz4 instead of pglz, a city night's
-- 110 MB of BPJS pages land in about 1 s instead of 4.5 (jaring.sources.bpjs, jaring.sources.dukcapil).
-- Rewrites the pages already kept, once.
ALTER TABLE raw.dukcapil_page ALTER COLUMN records TYPE json, ALTER COLUMN records SET COMPRESSION lz4;
ALTER TABLE raw.dukcapil_event_page ALTER COLUMN records TYPE json, ALTER COLUMN records SET COMPRESSION lz4;
ALTER TABLE raw.bpjs_page ALTER COLUMN records TYPE json, ALTER COLUMN records SET COMPRESSION lz4;
