-- The release night D-1 staged, when DTSEN landed that night (its verdict accepted it).
SELECT v.night, (SELECT r.periode FROM raw.dtsen_individu r WHERE r.night = v.night LIMIT 1)
FROM ops.validation_result v
WHERE v.suite = 'dtsen' AND v.success AND v.night = %(night)s::date - 1
