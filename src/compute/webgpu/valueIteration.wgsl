// Soft value iteration / value iteration sweeps (ALGORITHMS.md §1, Jacobi as in the reference):
//   Q = r + gamma P W,   W <- tau log sum_j mu exp(Q/tau)  (max-shifted; max when tau = 0)
// on the iterate W kept at wPhi (the evaluation's V and Q are those of the soft-greedy policy of W).
// viSweepQ writes Q from W, viSweepV updates W and the sup-norm change (EV_RES -> SC_EXTRA by viCheck).

@compute @workgroup_size(WG)
fn viSweepQ(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let sj = linearIndex(gid, nwg);
  if (sj >= P.SN) { return; }
  qRow(sj, P.wPhi);
}

@compute @workgroup_size(WG)
fn viSweepV(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let s = linearIndex(gid, nwg);
  if (s >= P.S) { return; }
  let o = s * P.N;
  var m = NEG_BIG;
  for (var j = 0u; j < P.N; j++) { m = max(m, work[P.wQ + o + j]); }
  var v = m;
  if (P.tau > 0.0) {
    var acc = 0.0;
    for (var j = 0u; j < P.N; j++) { acc += mu(j) * exp((work[P.wQ + o + j] - m) / P.tau); }
    v = m + P.tau * log(acc);
  }
  let old = work[P.wPhi + s];
  work[P.wPhi + s] = v;
  atomicMax(&ctrl[RATE], maxBits(v - old));
}

@compute @workgroup_size(1)
fn viCheck() {
  setScal(SC_EXTRA, bitcast<f32>(atomicLoad(&ctrl[RATE])));
  atomicStore(&ctrl[RATE], 0u);
}
