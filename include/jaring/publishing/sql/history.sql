-- Findings per code for each night of the window ending at night D (the 30-night chart).
SELECT night, finding_code, count(*) AS n
FROM recon.finding
WHERE night > %(night)s - %(nights)s AND night <= %(night)s
GROUP BY night, finding_code
ORDER BY night, finding_code
