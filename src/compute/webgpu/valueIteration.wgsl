// Soft value iteration / value iteration sweeps (ALGORITHMS.md §1, Jacobi as in the reference):
//   Q = r + gamma P W,   W <- tau log sum_j mu exp(Q/tau)  (max-shifted; max when tau = 0)
// on the iterate W kept at wPhi (the evaluation's V and Q are those of the soft-greedy policy of W).
// viSweepQ writes Q from W (and zeroes the change accumulator ctrl[RATE]); viSweepRow, one workgroup per
// state with lanes over its actions, reads the Q row once for both the new W(s) (the soft maximum) and
// the (soft-)greedy policy of that Q (softGreedyRow), and max-reduces the sup-norm change |W_new - W| into
// ctrl[RATE], which the metric row reads (method 2). Two dispatches per sweep.

@compute @workgroup_size(WG)
fn viSweepQ(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let sj = linearIndex(gid, nwg);
  if (sj == 0u) { atomicStore(&ctrl[RATE], 0u); }
  if (sj >= P.SN) { return; }
  qRow(sj, P.wPhi);
}

@compute @workgroup_size(WG)
fn viSweepRow(@builtin(local_invocation_id) lidv: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let s = wgIndex(wid, nwg);
  if (s >= P.S) { return; }
  let v = softGreedyRow(lidv.x, s * P.N);
  if (lidv.x == 0u) {
    let old = work[P.wPhi + s];
    work[P.wPhi + s] = v;
    atomicMax(&ctrl[RATE], maxBits(v - old));
  }
}
