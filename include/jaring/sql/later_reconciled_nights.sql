-- The computed nights after night D: reconciling D again makes their history stale.
SELECT DISTINCT night FROM ops.step_run
WHERE step = 'reconcile' AND status = 'success' AND night > %(night)s
ORDER BY night
