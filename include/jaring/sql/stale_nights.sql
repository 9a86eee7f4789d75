-- Nights whose history (NEW / PERSISTING / first_seen) is stale: an earlier night was reconciled
-- again after them. Each is listed with the earlier night reconciled most recently after it.
WITH reconciled AS (
    SELECT night, max(finished_at) AS at
    FROM ops.step_run
    WHERE step = 'reconcile' AND status = 'success'
    GROUP BY night
)
SELECT later.night, recomputed.night
FROM reconciled AS later
CROSS JOIN LATERAL (
    SELECT earlier.night
    FROM reconciled AS earlier
    WHERE earlier.night < later.night AND earlier.at > later.at
    ORDER BY earlier.at DESC
    LIMIT 1
) AS recomputed
ORDER BY later.night
