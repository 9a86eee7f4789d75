-- BPJS's share of night D: the codes whose "goes to" includes BPJS, and BPJS's own invalid records.
SELECT finding_code, nik, kpj, period, source_ref, details
FROM recon.finding
WHERE night = %(night)s
  AND (finding_code = ANY(%(codes)s) OR (finding_code = 'INVALID_SOURCE_RECORD' AND source = 'bpjs'))
