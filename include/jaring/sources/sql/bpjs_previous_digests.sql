-- Each listing of night D-1: the sha256 of its pages' JSON texts joined by newlines, as bpjs._land_raw
-- digests night D's (the `json` column keeps the text exactly as it was stored).
SELECT listing, encode(sha256(convert_to(string_agg(records::text, E'\n' ORDER BY seq), 'UTF8')), 'hex')
FROM raw.bpjs_page
WHERE night = %(previous)s AND listing LIKE 'iuran:%%'
GROUP BY listing
