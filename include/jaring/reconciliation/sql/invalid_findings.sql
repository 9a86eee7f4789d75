-- INVALID_SOURCE_RECORD: staging.invalid_record (used but reported) and quarantine.record (not
-- used) of night D; one finding per source record, every reason listed. The person is the one
-- the record was linked to, if any; an RT record otherwise shows its ledger's RT.
-- ledger_kelurahan of an RT record: its ledger's, from the file name; for a whole file not named in the
-- inbox's form, the city kelurahan its path names (the reader keeps it in raw_record.kode_kelurahan). When
-- no kelurahan is known it stays NULL: the RT cannot be found, so publishing sends the finding to the
-- programme's owner (Dinas Sosial, who hands out the template) — source stays 'rt'.
INSERT INTO work.rc_finding
WITH invalid AS (
    SELECT source, source_ref,
           jsonb_agg(DISTINCT reason) AS reasons, bool_or(quarantined) AS quarantined,
           max(file_kelurahan) AS file_kelurahan
    FROM (
        SELECT source, source_ref, reason, false AS quarantined, NULL::text AS file_kelurahan
        FROM staging.invalid_record WHERE night = %(night)s
        UNION ALL
        SELECT source, source_ref, reason, true,
               CASE WHEN source = 'rt' AND source_ref LIKE '%%#file' THEN raw_record->>'kode_kelurahan' END
        FROM quarantine.record WHERE night = %(night)s
    ) u
    GROUP BY source, source_ref
), located AS (
    SELECT i.*,
           coalesce(substring(i.source_ref FROM '/([0-9]{10})-RT[0-9]+-RW[0-9]+'), i.file_kelurahan)
               AS ledger_kelurahan,
           substring(i.source_ref FROM '/[0-9]{10}-RT([0-9]{3})-RW[0-9]{3}') AS ledger_rt,
           substring(i.source_ref FROM '/[0-9]{10}-RT[0-9]{3}-RW([0-9]{3})') AS ledger_rw,
           CASE i.source WHEN 'bpjs' THEN substr(i.source_ref, 6) END AS kpj,
           CASE i.source
               WHEN 'rt' THEN i.source_ref
               WHEN 'bpjs' THEN substr(i.source_ref, 6)
               WHEN 'dtsen' THEN substr(i.source_ref, 7) END AS link_key,
           CASE i.source WHEN 'dukcapil' THEN substr(i.source_ref, 10) END AS registry_nik
    FROM invalid i
)
SELECT 'INVALID_SOURCE_RECORD', x.source || '|' || x.source_ref, p.nik,
       CASE WHEN length(x.kpj) = 11 THEN x.kpj END, NULL, x.source, x.source_ref, 'RENDAH',
       coalesce(p.nama, sp.nama, sd.nama), coalesce(p.kode_wilayah, x.ledger_kelurahan, sp.kode_wilayah, sd.kode_wilayah),
       CASE WHEN p.nik IS NOT NULL THEN p.no_rt ELSE x.ledger_rt END,
       CASE WHEN p.nik IS NOT NULL THEN p.no_rw ELSE x.ledger_rw END,
       x.ledger_kelurahan,
       jsonb_build_object('reason', x.reasons, 'quarantined', x.quarantined, 'registry_nik', p.nik)
FROM located x
LEFT JOIN recon.link l ON l.night = %(night)s AND l.source = x.source AND l.source_key = x.link_key
LEFT JOIN staging.person p ON p.night = %(night)s AND p.nik = coalesce(l.nik, x.registry_nik)
LEFT JOIN staging.participant sp ON sp.night = %(night)s AND x.source = 'bpjs' AND sp.kpj = x.kpj
-- by its key as a number: compared as text, every individual of the night was sorted to find a few hundred
LEFT JOIN staging.dtsen_individual sd
  ON sd.night = %(night)s AND x.source = 'dtsen'
 AND sd.id_individu = CASE WHEN x.link_key ~ '^[0-9]{1,18}$' THEN x.link_key::bigint END
