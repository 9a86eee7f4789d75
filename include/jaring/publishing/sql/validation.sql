-- How each source's checks went on night D (no record values: the suite, its verdict, the rules that blocked it).
SELECT suite, success, blocking
FROM ops.validation_result
WHERE night = %(night)s
ORDER BY suite
