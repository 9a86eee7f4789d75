-- A row when night D's registry is night %(previous)s's as it is now with only the persons of
-- staging.person_change replaced: D's latest registry ingest (%(step)s) succeeded applying the day's
-- events to %(previous)s's registry, and began after every attempt at %(previous)s's registry had ended.
SELECT 1
FROM ops.step_run d
WHERE d.night = %(night)s AND d.step = %(step)s AND d.status = 'success'
  AND d.counts ->> 'mode' = 'events' AND d.counts ->> 'previous_night' = %(previous)s::date::text
  AND d.attempt = (SELECT max(attempt) FROM ops.step_run WHERE night = %(night)s AND step = %(step)s)
  AND d.started_at > (SELECT coalesce(max(coalesce(finished_at, 'infinity')), '-infinity')
                      FROM ops.step_run WHERE night = %(previous)s AND step = %(step)s)
