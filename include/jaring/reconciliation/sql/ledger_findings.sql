-- PAYMENT_NOT_REMITTED / PAYMENT_AMOUNT_MISMATCH: the IURAN rows of a linked person for month M
-- (due by D) against BPJS payments for M received by D on every KPJ linked to that person.
-- Several ledger rows of one person and month add up; rows whose amount could not be read count
-- for PAYMENT_NOT_REMITTED but not in the amount compared (none readable: no mismatch).
-- Materialised and analysed in steps: as one statement the planner saw one row per CTE and chose
-- nested loops that rescanned the aggregates thousands of times. The sums are taken for every person and
-- month (about 100k at city scale), the evidence (which rows, which KPJs) only for the few hundred that
-- become findings: built for all, its arrays took half of these statements' time.
CREATE TEMP TABLE rc_ledger AS
    SELECT l.nik, r.bulan,
           sum(r.jumlah) AS ledger_amount, bool_or(r.jumlah IS NOT NULL) AS amount_known,
           min(r.source_ref) AS source_ref, min(r.kode_kelurahan) AS ledger_kelurahan,
           max(r.tgl_bayar) AS tgl_bayar_ledger
    FROM staging.rt_row r
    JOIN recon.link l ON l.night = r.night AND l.source = 'rt' AND l.source_key = r.source_ref
    -- plain columns against values: the planner counts the rows from their statistics (the due date as an
    -- expression of bulan was taken for 1 row in 500, and 107k rows were joined by index one by one)
    WHERE r.night = %(night)s AND r.sheet = 'IURAN' AND r.bulan <= %(due_through)s
    GROUP BY l.nik, r.bulan;

ANALYZE rc_ledger;

CREATE TEMP TABLE rc_received AS
    SELECT l.nik, pay.bulan, sum(pay.jumlah) AS bpjs_amount
    FROM recon.link l
    JOIN staging.payment pay ON pay.night = l.night AND pay.kpj = l.source_key AND pay.tgl_bayar <= %(night)s
    WHERE l.night = %(night)s AND l.source = 'bpjs'
      AND (l.nik, pay.bulan) IN (SELECT nik, bulan FROM rc_ledger)
    GROUP BY l.nik, pay.bulan;

ANALYZE rc_received;

-- the persons and months that are findings: nothing received, or another amount
CREATE TEMP TABLE rc_unmatched AS
    SELECT lg.*, rc.bpjs_amount
    FROM rc_ledger lg
    LEFT JOIN rc_received rc ON rc.nik = lg.nik AND rc.bulan = lg.bulan
    WHERE rc.nik IS NULL
       OR (lg.amount_known AND lg.ledger_amount <> rc.bpjs_amount);

ANALYZE rc_unmatched;

INSERT INTO work.rc_finding
WITH ledger AS (
    SELECT u.nik, u.bulan, jsonb_agg(r.source_ref ORDER BY r.source_ref) AS ledger_refs,
           jsonb_agg(DISTINCT r.kpj) FILTER (WHERE r.kpj IS NOT NULL) AS ledger_kpjs
    FROM rc_unmatched u
    JOIN recon.link l ON l.night = %(night)s AND l.source = 'rt' AND l.nik = u.nik
    JOIN staging.rt_row r ON r.night = l.night AND r.source_ref = l.source_key AND r.bulan = u.bulan
    WHERE r.sheet = 'IURAN'
    GROUP BY u.nik, u.bulan
),
paid AS (
    SELECT u.nik, u.bulan, jsonb_agg(DISTINCT pay.kpj) AS kpjs
    FROM rc_unmatched u
    JOIN recon.link l ON l.night = %(night)s AND l.source = 'bpjs' AND l.nik = u.nik
    JOIN staging.payment pay ON pay.night = l.night AND pay.kpj = l.source_key AND pay.bulan = u.bulan
                            AND pay.tgl_bayar <= %(night)s
    WHERE u.bpjs_amount IS NOT NULL
    GROUP BY u.nik, u.bulan
),
kpjs AS (
    SELECT nik, jsonb_agg(source_key ORDER BY source_key) AS kpjs
    FROM recon.link WHERE night = %(night)s AND source = 'bpjs'
      AND nik IN (SELECT nik FROM rc_unmatched)
    GROUP BY nik
)
SELECT CASE WHEN u.bpjs_amount IS NULL THEN 'PAYMENT_NOT_REMITTED' ELSE 'PAYMENT_AMOUNT_MISMATCH' END,
       u.nik || '|' || u.bulan, u.nik, NULL, u.bulan, 'rt', u.source_ref,
       CASE WHEN u.bpjs_amount IS NULL THEN 'TINGGI' ELSE 'SEDANG' END,
       p.nama, p.kode_wilayah, p.no_rt, p.no_rw, u.ledger_kelurahan,
       jsonb_build_object(
           'registry_nik', u.nik, 'ledger_amount', u.ledger_amount, 'bpjs_amount', coalesce(u.bpjs_amount, 0),
           'ledger_refs', lg.ledger_refs, 'tgl_bayar_ledger', u.tgl_bayar_ledger,
           'ledger_kpjs', coalesce(lg.ledger_kpjs, '[]'::jsonb),
           'kpjs', coalesce(k.kpjs, '[]'::jsonb), 'kpjs_paid', coalesce(pd.kpjs, '[]'::jsonb))
FROM rc_unmatched u
JOIN staging.person p ON p.night = %(night)s AND p.nik = u.nik
JOIN ledger lg ON lg.nik = u.nik AND lg.bulan = u.bulan
LEFT JOIN paid pd ON pd.nik = u.nik AND pd.bulan = u.bulan
LEFT JOIN kpjs k ON k.nik = u.nik;
