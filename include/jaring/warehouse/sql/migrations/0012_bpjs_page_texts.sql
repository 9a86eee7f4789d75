-- A BPJS page's JSON text is kept once, however many nights it came in: most months' pages are the
-- same every night (a city night's 110 MB of pages, of which a few MB are new). raw.bpjs_page_text holds
-- each text by its sha256 (of its UTF-8 bytes, as jaring.sources.bpjs._land_raw computes it); a night's
-- page names its text. raw.bpjs_page_landed reads a night's pages as they landed. The retention forgets
-- a text once no night kept names it (db.CONTENT_TABLES).
CREATE TABLE raw.bpjs_page_text (
    sha256  text PRIMARY KEY,
    records json COMPRESSION lz4 NOT NULL
);

INSERT INTO raw.bpjs_page_text (sha256, records)
SELECT DISTINCT ON (sha256) sha256, records
FROM (SELECT encode(sha256(convert_to(records::text, 'UTF8')), 'hex') AS sha256, records FROM raw.bpjs_page) AS page
ORDER BY sha256;

ALTER TABLE raw.bpjs_page RENAME TO bpjs_page_before_0012;
ALTER TABLE raw.bpjs_page_before_0012 RENAME CONSTRAINT bpjs_page_pkey TO bpjs_page_before_0012_pkey;

CREATE TABLE raw.bpjs_page (
    night   date    NOT NULL,
    listing text    NOT NULL,          -- peserta | iuran:YYYY-MM | klaim
    seq     integer NOT NULL,          -- page number within the listing, from 1
    sha256  text    NOT NULL REFERENCES raw.bpjs_page_text,
    PRIMARY KEY (night, listing, seq)
);
CREATE INDEX bpjs_page_sha256 ON raw.bpjs_page (sha256);  -- the retention's look for texts no night names

INSERT INTO raw.bpjs_page (night, listing, seq, sha256)
SELECT night, listing, seq, encode(sha256(convert_to(records::text, 'UTF8')), 'hex')
FROM raw.bpjs_page_before_0012;

DROP TABLE raw.bpjs_page_before_0012;

CREATE VIEW raw.bpjs_page_landed AS
SELECT p.night, p.listing, p.seq, t.records
FROM raw.bpjs_page p
JOIN raw.bpjs_page_text t USING (sha256);
