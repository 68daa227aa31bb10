-- Wasserstein Workbench schema, version 1.
-- Forward-only: never edit a migration that has shipped; add NNNN_name.sql instead. The runner
-- (src/main/db/openDatabase.ts) applies every pending file in ONE transaction and then sets
-- PRAGMA user_version to the highest number. Do not write BEGIN/COMMIT or PRAGMA user_version here.
-- Timestamps are ISO-8601 UTC strings (new Date().toISOString()).

CREATE TABLE mdps (
  id          INTEGER PRIMARY KEY,
  name        TEXT    NOT NULL,
  -- the MdpDocument as JSON (format wasserstein-workbench/mdp)
  document    TEXT    NOT NULL,
  states      INTEGER NOT NULL CHECK (states >= 1),
  actions     INTEGER NOT NULL CHECK (actions >= 1),
  action_kind TEXT    NOT NULL CHECK (action_kind IN ('discrete', 'box')),
  preset      TEXT,
  created_at  TEXT    NOT NULL,
  updated_at  TEXT    NOT NULL
);

CREATE TABLE experiments (
  id         INTEGER PRIMARY KEY,
  name       TEXT NOT NULL,
  notes      TEXT NOT NULL DEFAULT '',
  mdp_id     INTEGER REFERENCES mdps (id) ON DELETE SET NULL,
  created_at TEXT NOT NULL
);

CREATE TABLE runs (
  id               INTEGER PRIMARY KEY,
  experiment_id    INTEGER REFERENCES experiments (id) ON DELETE SET NULL,
  -- an MDP with runs cannot be deleted (the service reports a conflict); delete its runs first
  mdp_id           INTEGER NOT NULL REFERENCES mdps (id) ON DELETE RESTRICT,
  method           TEXT    NOT NULL,
  label            TEXT    NOT NULL DEFAULT '',
  -- resolved MethodOptions as JSON (all keys, defaults filled)
  options          TEXT    NOT NULL,
  backend          TEXT    NOT NULL CHECK (backend IN ('reference', 'webgpu')),
  -- JSON [{from, backend, reason?}]
  backend_segments TEXT    NOT NULL DEFAULT '[]',
  seed             INTEGER NOT NULL,
  max_iterations   INTEGER NOT NULL,
  status           TEXT    NOT NULL DEFAULT 'queued'
                   CHECK (status IN ('queued', 'running', 'completed', 'failed', 'cancelled', 'interrupted')),
  -- number of trace points stored
  iterations       INTEGER NOT NULL DEFAULT 0,
  -- highest iteration stored (appendTrace requires the next batch to start above it)
  last_iteration   INTEGER,
  error            TEXT,
  -- JSON object of number | string | boolean | null
  diagnostics      TEXT    NOT NULL DEFAULT '{}',
  -- JSON IterationMetrics of the last stored point, or NULL
  final            TEXT,
  created_at       TEXT    NOT NULL,
  started_at       TEXT,
  finished_at      TEXT,
  wall_ms          REAL
);
CREATE INDEX runs_by_mdp ON runs (mdp_id, id);
CREATE INDEX runs_by_experiment ON runs (experiment_id, id) WHERE experiment_id IS NOT NULL;
CREATE INDEX runs_by_status ON runs (status) WHERE status IN ('queued', 'running');

-- One row per stored iteration. WITHOUT ROWID with the primary key (run_id, iteration): the table is
-- a B-tree clustered by run, so one run's trace is one contiguous range scan (comparisons of many long
-- runs read exactly their rows, in order). Non-finite values are stored as NULL.
CREATE TABLE trace_points (
  run_id         INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  iteration      INTEGER NOT NULL,
  J              REAL,
  Jplain         REAL,
  gap            REAL,
  tv             REAL,
  entropy        REAL,
  transport_cost REAL,
  kl             REAL,
  trust_slack    REAL,
  trust_violated INTEGER,
  lambda         REAL,
  eval_residual  REAL,
  t              REAL,
  wall_ms        REAL,
  PRIMARY KEY (run_id, iteration)
) WITHOUT ROWID;

-- Policies at chosen iterations: S * N float64 values, row-major, little-endian.
CREATE TABLE policy_snapshots (
  run_id    INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  iteration INTEGER NOT NULL,
  S         INTEGER NOT NULL,
  N         INTEGER NOT NULL,
  policy    BLOB    NOT NULL CHECK (length(policy) = 8 * S * N),
  PRIMARY KEY (run_id, iteration)
);
