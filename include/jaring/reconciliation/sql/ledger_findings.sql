-- PAYMENT_NOT_REMITTED / PAYMENT_AMOUNT_MISMATCH: the IURAN rows of a linked person for month M
-- (due by D) against BPJS payments for M received by D on every KPJ linked to that person.
-- Several ledger rows of one person and month add up; rows whose amount could not be read count
-- for PAYMENT_NOT_REMITTED but not in the amount compared (none readable: no mismatch).
-- Materialised and analysed in steps: as one statement the planner saw one row per CTE and chose
-- nested loops that rescanned the aggregates thousands of times.
CREATE TEMP TABLE rc_ledger AS
    SELECT l.nik, r.bulan,
           sum(r.jumlah) AS ledger_amount, bool_or(r.jumlah IS NOT NULL) AS amount_known,
           min(r.source_ref) AS source_ref, jsonb_agg(r.source_ref ORDER BY r.source_ref) AS ledger_refs,
           min(r.kode_kelurahan) AS ledger_kelurahan,
           jsonb_agg(DISTINCT r.kpj) FILTER (WHERE r.kpj IS NOT NULL) AS ledger_kpjs,
           max(r.tgl_bayar) AS tgl_bayar_ledger
    FROM staging.rt_row r
    JOIN recon.link l ON l.night = r.night AND l.source = 'rt' AND l.source_key = r.source_ref
    -- plain columns against values: the planner counts the rows from their statistics (the due date as an
    -- expression of bulan was taken for 1 row in 500, and 107k rows were joined by index one by one)
    WHERE r.night = %(night)s AND r.sheet = 'IURAN' AND r.bulan <= %(due_through)s
    GROUP BY l.nik, r.bulan;

ANALYZE rc_ledger;

CREATE TEMP TABLE rc_received AS
    SELECT l.nik, pay.bulan, sum(pay.jumlah) AS bpjs_amount,
           jsonb_agg(DISTINCT pay.kpj) AS kpjs
    FROM recon.link l
    JOIN staging.payment pay ON pay.night = l.night AND pay.kpj = l.source_key AND pay.tgl_bayar <= %(night)s
    WHERE l.night = %(night)s AND l.source = 'bpjs'
      AND (l.nik, pay.bulan) IN (SELECT nik, bulan FROM rc_ledger)
    GROUP BY l.nik, pay.bulan;

ANALYZE rc_received;

INSERT INTO rc_finding
WITH kpjs AS (
    SELECT nik, jsonb_agg(source_key ORDER BY source_key) AS kpjs
    FROM recon.link WHERE night = %(night)s AND source = 'bpjs'
      AND nik IN (SELECT nik FROM rc_ledger)
    GROUP BY nik
)
SELECT CASE WHEN rc.nik IS NULL THEN 'PAYMENT_NOT_REMITTED' ELSE 'PAYMENT_AMOUNT_MISMATCH' END,
       lg.nik || '|' || lg.bulan, lg.nik, NULL, lg.bulan, 'rt', lg.source_ref,
       CASE WHEN rc.nik IS NULL THEN 'TINGGI' ELSE 'SEDANG' END,
       p.nama, p.kode_wilayah, p.no_rt, p.no_rw, lg.ledger_kelurahan,
       jsonb_build_object(
           'registry_nik', lg.nik, 'ledger_amount', lg.ledger_amount, 'bpjs_amount', coalesce(rc.bpjs_amount, 0),
           'ledger_refs', lg.ledger_refs, 'tgl_bayar_ledger', lg.tgl_bayar_ledger,
           'ledger_kpjs', coalesce(lg.ledger_kpjs, '[]'::jsonb),
           'kpjs', coalesce(k.kpjs, '[]'::jsonb), 'kpjs_paid', coalesce(rc.kpjs, '[]'::jsonb))
FROM rc_ledger lg
JOIN staging.person p ON p.night = %(night)s AND p.nik = lg.nik
LEFT JOIN rc_received rc ON rc.nik = lg.nik AND rc.bulan = lg.bulan
LEFT JOIN kpjs k ON k.nik = lg.nik
WHERE rc.nik IS NULL
   OR (lg.amount_known AND lg.ledger_amount <> rc.bpjs_amount)
