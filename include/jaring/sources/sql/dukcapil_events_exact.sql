-- Whether night D's events can be applied to the previous night's registry exactly as a full pull would
-- see it: no event touches a NIK held by two records (quarantined together), and no birth brings a NIK
-- the registry already had.
SELECT NOT EXISTS (
    SELECT 1 FROM quarantine.record
    WHERE night = %(previous)s AND source = 'dukcapil' AND expectation = 'nik_unique'
      AND source_ref = ANY(%(refs)s)
) AND NOT EXISTS (
    SELECT 1 FROM staging.person WHERE night = %(previous)s AND nik = ANY(%(born)s)
) AND NOT EXISTS (
    SELECT 1 FROM quarantine.record
    WHERE night = %(previous)s AND source = 'dukcapil' AND source_ref = ANY(%(born_refs)s)
)
