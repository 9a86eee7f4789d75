-- The same coverage by kelurahan of domicile, for each kelurahan's own report.
SELECT kode_wilayah AS kelurahan, count(*) AS eligible, count(*) FILTER (WHERE enrolled) AS enrolled,
       count(*) FILTER (WHERE NOT enrolled AND quota_rank <= %(quota_left)s) AS within_quota
FROM rc_eligible
GROUP BY 1 ORDER BY 1
