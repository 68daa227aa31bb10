-- Run ownership and leases, run ids never reused, the 'stalled' status, MDP content hashes.
--
-- runs is rebuilt (SQLite cannot change a CHECK constraint or add AUTOINCREMENT in place): create the
-- new table, copy every row with its id, drop the old one, rename, recreate the indexes. The runner
-- (src/main/db/openDatabase.ts) switches foreign_keys OFF around the migration transaction, so dropping
-- the old table does not cascade into trace_points / policy_snapshots, and checks every foreign key
-- before it commits. AUTOINCREMENT makes SQLite keep the largest id ever used in sqlite_sequence, so
-- the id of a deleted run is never given to a later run.
--
-- Ownership: `owner` names the process (or page) that computes the run, "<kind>:<host>:<pid>:<random>".
-- The owner renews a lease with every append (and runs:heartbeat in quiet periods): heartbeat_at is
-- the last renewal, lease_expires_at when the run counts as abandoned. Start-up recovery and the
-- periodic sweep mark 'interrupted' only queued/running runs whose lease has expired (lease_lapsed = 1
-- records that it was the lease, so the owner can still re-claim the run when it comes back).
CREATE TABLE runs_new (
  id               INTEGER PRIMARY KEY AUTOINCREMENT,
  experiment_id    INTEGER REFERENCES experiments (id) ON DELETE SET NULL,
  mdp_id           INTEGER NOT NULL REFERENCES mdps (id) ON DELETE RESTRICT,
  method           TEXT    NOT NULL,
  label            TEXT    NOT NULL DEFAULT '',
  options          TEXT    NOT NULL,
  backend          TEXT    NOT NULL CHECK (backend IN ('reference', 'webgpu')),
  backend_segments TEXT    NOT NULL DEFAULT '[]',
  seed             INTEGER NOT NULL,
  max_iterations   INTEGER NOT NULL,
  status           TEXT    NOT NULL DEFAULT 'queued'
                   CHECK (status IN ('queued', 'running', 'completed', 'failed', 'cancelled', 'interrupted', 'stalled')),
  iterations       INTEGER NOT NULL DEFAULT 0,
  last_iteration   INTEGER,
  error            TEXT,
  diagnostics      TEXT    NOT NULL DEFAULT '{}',
  final            TEXT,
  created_at       TEXT    NOT NULL,
  started_at       TEXT,
  finished_at      TEXT,
  wall_ms          REAL,
  owner            TEXT,
  heartbeat_at     TEXT,
  lease_expires_at TEXT,
  lease_lapsed     INTEGER NOT NULL DEFAULT 0 CHECK (lease_lapsed IN (0, 1))
);
INSERT INTO runs_new (id, experiment_id, mdp_id, method, label, options, backend, backend_segments, seed,
  max_iterations, status, iterations, last_iteration, error, diagnostics, final, created_at, started_at,
  finished_at, wall_ms)
SELECT id, experiment_id, mdp_id, method, label, options, backend, backend_segments, seed,
  max_iterations, status, iterations, last_iteration, error, diagnostics, final, created_at, started_at,
  finished_at, wall_ms
FROM runs;
DROP TABLE runs;
ALTER TABLE runs_new RENAME TO runs;
CREATE INDEX runs_by_mdp ON runs (mdp_id, id);
CREATE INDEX runs_by_experiment ON runs (experiment_id, id) WHERE experiment_id IS NOT NULL;
CREATE INDEX runs_by_status ON runs (status) WHERE status IN ('queued', 'running');

-- sha-256 (hex) of the canonical JSON of the document (keys sorted, no spaces): an identical design
-- saved again is the stored one, not a copy. Rows of earlier versions are hashed by the service when
-- it opens the database (SQLite has no sha-256).
ALTER TABLE mdps ADD COLUMN content_hash TEXT;
CREATE INDEX mdps_by_content_hash ON mdps (content_hash) WHERE content_hash IS NOT NULL;
