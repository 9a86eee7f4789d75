-- Night D-1, when its links may be carried into night D: its latest successful reconcile started after
-- every attempt of a step that stages its sources had ended, so its recon.link was computed from its
-- staged rows as they are now. No row: night D links every record.
SELECT %(night)s::date - 1
WHERE (SELECT max(started_at) FROM ops.step_run
       WHERE night = %(night)s::date - 1 AND step = 'reconcile' AND status = 'success')
    > (SELECT max(coalesce(finished_at, 'infinity')) FROM ops.step_run
       WHERE night = %(night)s::date - 1 AND split_part(step, '[', 1) = ANY(%(staging_steps)s))
