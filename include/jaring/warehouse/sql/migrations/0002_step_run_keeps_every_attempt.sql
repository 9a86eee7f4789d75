-- ops.step_run becomes a journal: one row per attempt of a step (running, then success or failed),
-- instead of one row per step that each rerun overwrote.
ALTER TABLE ops.step_run ADD COLUMN attempt integer NOT NULL DEFAULT 1;
ALTER TABLE ops.step_run DROP CONSTRAINT step_run_pkey;
ALTER TABLE ops.step_run ADD PRIMARY KEY (night, step, attempt);
ALTER TABLE ops.step_run ALTER COLUMN attempt DROP DEFAULT;
COMMENT ON COLUMN ops.step_run.status IS 'running | success | failed';
