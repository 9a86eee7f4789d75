-- Eligible people and those of them enrolled (an AKTIF participant linked), by kecamatan of domicile.
SELECT left(kode_wilayah, 6) AS kecamatan, count(*) AS eligible, count(*) FILTER (WHERE enrolled) AS enrolled,
       count(*) FILTER (WHERE NOT enrolled AND quota_rank <= %(quota_left)s) AS within_quota
FROM rc_eligible
GROUP BY 1 ORDER BY 1
