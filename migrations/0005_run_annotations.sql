-- Run annotations (issue 9): tags and markdown notes next to the existing label, and what every export
-- carries: the app version that computed the run and a hash of its configuration.
--   tags        JSON array of distinct non-empty strings, e.g. ["baseline","radius-sweep"]
--   notes       markdown, '' when none
--   app_version the workbench version that created the run (NULL for runs of earlier schema versions)
--   config_hash sha-256 (hex) of the canonical JSON of {mdp content hash, method, resolved options, seed,
--               max_iterations}: two runs with the same hash were asked the same question (the backend is
--               not part of it; NULL for runs of earlier schema versions until the service fills it in)
ALTER TABLE runs ADD COLUMN tags TEXT NOT NULL DEFAULT '[]';
ALTER TABLE runs ADD COLUMN notes TEXT NOT NULL DEFAULT '';
ALTER TABLE runs ADD COLUMN app_version TEXT;
ALTER TABLE runs ADD COLUMN config_hash TEXT;
CREATE INDEX runs_by_config_hash ON runs (config_hash) WHERE config_hash IS NOT NULL;
