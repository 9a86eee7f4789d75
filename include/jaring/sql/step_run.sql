-- Record one step of a night in ops.step_run (a rerun of the step replaces its row).
INSERT INTO ops.step_run (night, step, status, started_at, finished_at, counts, message)
VALUES (%(night)s, %(step)s, %(status)s, %(started)s, now(), %(counts)s, %(message)s)
ON CONFLICT (night, step) DO UPDATE SET
    status = EXCLUDED.status, started_at = EXCLUDED.started_at, finished_at = EXCLUDED.finished_at,
    counts = EXCLUDED.counts, message = EXCLUDED.message
