-- The latest attempt of each step of night D.
SELECT DISTINCT ON (step) step, status, counts, message
FROM ops.step_run
WHERE night = %(night)s
ORDER BY step, attempt DESC
