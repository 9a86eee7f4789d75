-- What routes night D's findings to their audiences (audiences.audiences_of), and nothing else: planning
-- the parts of publishing reads this instead of the night's whole rows.
SELECT finding_code, source, source_ref, kode_wilayah, ledger_kelurahan, details ->> %(payer)s AS payer
FROM recon.finding
WHERE night = %(night)s
