-- How an attempt ended: success with its counts, or failed with its (masked) message.
UPDATE ops.step_run
SET status = %(status)s, finished_at = now(), counts = %(counts)s, message = %(message)s
WHERE night = %(night)s AND step = %(step)s AND attempt = %(attempt)s
