-- Experiments own their runs (issue 9), the run's initial policy, and ids that survive an export.
--
-- Default experiments. Every run belongs to one experiment; a run created without one joins its MDP's
-- default experiment (is_default = 1, at most one per MDP, created on demand by the service). The
-- runs that earlier versions stored without an experiment are moved into one default experiment per
-- MDP here. runs.experiment_id stays nullable in the table (rebuilding runs again is not worth it); the
-- services never leave it NULL (experiments:delete moves or deletes the runs, runs:update with
-- experimentId null means "the MDP's default").
ALTER TABLE experiments ADD COLUMN is_default INTEGER NOT NULL DEFAULT 0 CHECK (is_default IN (0, 1));
-- uid: a random 128-bit hex id, the same in every database the experiment is exported to (bundle
-- import finds an experiment it already has by it)
ALTER TABLE experiments ADD COLUMN uid TEXT;
UPDATE experiments SET uid = lower(hex(randomblob(16))) WHERE uid IS NULL;
CREATE UNIQUE INDEX experiments_by_uid ON experiments (uid) WHERE uid IS NOT NULL;
INSERT INTO experiments (name, notes, mdp_id, created_at, is_default, uid)
  SELECT 'Default: ' || m.name, '', m.id, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), 1, lower(hex(randomblob(16)))
  FROM mdps m WHERE EXISTS (SELECT 1 FROM runs r WHERE r.mdp_id = m.id AND r.experiment_id IS NULL);
CREATE UNIQUE INDEX experiments_default_per_mdp ON experiments (mdp_id) WHERE is_default = 1;
UPDATE runs SET experiment_id = (SELECT e.id FROM experiments e WHERE e.mdp_id = runs.mdp_id AND e.is_default = 1)
  WHERE experiment_id IS NULL;
-- An MDP can be deleted only without runs; its (then empty) default experiment goes with it.
CREATE TRIGGER mdps_delete_default_experiment BEFORE DELETE ON mdps
BEGIN
  DELETE FROM experiments WHERE mdp_id = OLD.id AND is_default = 1
    AND NOT EXISTS (SELECT 1 FROM runs r WHERE r.experiment_id = experiments.id);
END;

-- runs.uid: a random 128-bit hex id given at creation and kept by bundle export / import, so importing
-- the same bundle twice adds nothing.
ALTER TABLE runs ADD COLUMN uid TEXT;
UPDATE runs SET uid = lower(hex(randomblob(16))) WHERE uid IS NULL;
CREATE UNIQUE INDEX runs_by_uid ON runs (uid) WHERE uid IS NOT NULL;

-- The run's initial policy, so a re-run starts where the run started:
--   init         JSON {"kind":"uniform"} | {"kind":"random","seed":N} | {"kind":"policy","source":"..."};
--                NULL for runs of earlier schema versions (unknown)
--   init_policy  for kind 'policy': the S * N float64 values, row-major, little-endian (NULL otherwise)
ALTER TABLE runs ADD COLUMN init TEXT;
ALTER TABLE runs ADD COLUMN init_policy BLOB;
