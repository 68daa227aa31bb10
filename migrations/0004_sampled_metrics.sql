-- Sampled estimators (issue 15): per update, the state-action steps sampled so far, the estimated
-- advantage's bias and RMS error against the exact one under the occupancy, and for the trust regions the
-- move's cost under the sampled and the exact occupancy with whether each exceeds the radius (0/1).
-- NULL for runs on the exact evaluation.
ALTER TABLE trace_points ADD COLUMN samples REAL;
ALTER TABLE trace_points ADD COLUMN estimator_bias REAL;
ALTER TABLE trace_points ADD COLUMN estimator_rms REAL;
ALTER TABLE trace_points ADD COLUMN sampled_move_cost REAL;
ALTER TABLE trace_points ADD COLUMN exact_move_cost REAL;
ALTER TABLE trace_points ADD COLUMN sampled_violation REAL;
ALTER TABLE trace_points ADD COLUMN exact_violation REAL;
