-- Rows a validation rule quarantines: their reader reasons follow them, and they leave staging.
INSERT INTO quarantine.record (night, source, source_ref, reason, expectation, raw_record)
SELECT i.night, i.source, i.source_ref, i.reason, NULL, NULL
FROM staging.invalid_record i
WHERE i.night = %(night)s AND i.source = 'rt' AND i.source_ref = ANY(%(refs)s)
ON CONFLICT DO NOTHING;
DELETE FROM staging.invalid_record WHERE night = %(night)s AND source = 'rt' AND source_ref = ANY(%(refs)s);
DELETE FROM staging.rt_row WHERE night = %(night)s AND source_ref = ANY(%(refs)s);
