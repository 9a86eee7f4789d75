-- How many payments night D-1 staged under each of %(months)s (night D carries a month only when that is
-- every payment of its listing that D-1 did not quarantine).
SELECT bulan, count(*) FROM staging.payment
WHERE night = %(previous)s AND bulan = ANY(%(months)s)
GROUP BY bulan
