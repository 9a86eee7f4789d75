-- A new attempt of a step of night D: its row says `running` until the attempt records its end,
-- so a killed step or a lost connection leaves `running`, never the previous attempt's `success`.
INSERT INTO ops.step_run (night, step, attempt, status, started_at)
SELECT %(night)s, %(step)s, coalesce(max(attempt), 0) + 1, 'running', now()
FROM ops.step_run WHERE night = %(night)s AND step = %(step)s
RETURNING attempt
