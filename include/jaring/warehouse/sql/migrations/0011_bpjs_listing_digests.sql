-- Each BPJS listing's digest as night D landed it (jaring.sources.bpjs._land_raw: the sha256 of its pages'
-- JSON texts joined by newlines). The next night compares its own digests with these to carry a month's
-- payments over; computed again from raw.bpjs_page, that read every page of the night before (0.3-0.4 s of
-- an incremental city night).
CREATE TABLE IF NOT EXISTS raw.bpjs_listing (
    night   date NOT NULL,
    listing text NOT NULL,          -- peserta | iuran:YYYY-MM | klaim
    digest  text NOT NULL,
    PRIMARY KEY (night, listing)
);

-- the nights landed before: their digests from their pages, as the carry computed them until now
INSERT INTO raw.bpjs_listing (night, listing, digest)
SELECT night, listing, encode(sha256(convert_to(string_agg(records::text, E'\n' ORDER BY seq), 'UTF8')), 'hex')
FROM raw.bpjs_page
GROUP BY night, listing
ON CONFLICT DO NOTHING;
