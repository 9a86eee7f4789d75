-- Every attempt of every step of night D, in the order they started.
SELECT step, attempt, status, started_at, finished_at, counts, message
FROM ops.step_run
WHERE night = %(night)s
ORDER BY started_at, step, attempt
