-- Each payments listing of night D-1: its digest as it landed (raw.bpjs_listing, bpjs._land_raw).
SELECT listing, digest
FROM raw.bpjs_listing
WHERE night = %(previous)s AND listing LIKE 'iuran:%%'
