-- The programme's figures of night D (written by the reconciliation).
SELECT figures FROM recon.figures WHERE night = %(night)s
