-- AKTIF participants by payer (PEMBIAYAAN) on night D.
SELECT pembiayaan, count(*) FROM rc_participant
WHERE status_kepesertaan = 'AKTIF'
GROUP BY pembiayaan ORDER BY pembiayaan
