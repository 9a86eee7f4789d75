-- The working tables a reconciliation shares between its two sessions (jaring.reconciliation.run): its
-- findings so far and the DTSEN and RT evidence, unlogged, made by each run and dropped at its end (or by
-- the next run, when one failed). A reconciliation's own working tables stay temporary.
CREATE SCHEMA IF NOT EXISTS work;
