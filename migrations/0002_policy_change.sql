-- The step's largest change of one policy entry, max |pi_new - pi_old| (NULL for the initial row).
-- The stall detector of the run driver reads it; it is also a trace column a user can plot.
ALTER TABLE trace_points ADD COLUMN policy_change REAL;
