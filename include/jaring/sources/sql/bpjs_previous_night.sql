-- Night D-1 when all of BPJS landed then (each of its suites accepted): the night whose unchanged months
-- night D carries over.
SELECT night FROM ops.validation_result
WHERE night = %(night)s::date - 1 AND suite IN ('bpjs_peserta', 'bpjs_iuran', 'bpjs_klaim')
GROUP BY night
HAVING count(*) = 3 AND bool_and(success)
