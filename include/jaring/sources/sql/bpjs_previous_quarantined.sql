-- The ID_BAYAR of every BPJS record night D-1 quarantined: judged again on night D, never carried over.
SELECT DISTINCT raw_record ->> 'ID_BAYAR'
FROM quarantine.record
WHERE night = %(previous)s AND source = 'bpjs' AND raw_record ->> 'ID_BAYAR' IS NOT NULL
