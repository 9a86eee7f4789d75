-- A suite's verdict of night D, replacing the one stored before (kept for the Data Docs).
DELETE FROM ops.validation_result WHERE night = %(night)s AND suite = %(suite)s;
INSERT INTO ops.validation_result (night, suite, success, blocking, warnings, counts, report)
VALUES (%(night)s, %(suite)s, %(success)s, %(blocking)s, %(warnings)s, %(counts)s, %(report)s);
