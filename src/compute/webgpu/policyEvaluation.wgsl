// Policy evaluation (ALGORITHMS.md §1) by warm-started Jacobi sweeps, with the stopping test on the GPU:
//   sweep:  Q(s,j) = r(s,j) + gamma sum_e p_e V(next_e)                  (qFromV, one thread per (s,j))
//           V(s)   = sum_j pi(j|s) [Q(s,j) - tau log(pi(j|s)/mu(j))]     (vFromPolicy, one per s)
//   check:  residual = max_s |V_new - V_old| (atomicMax of the bits); done when <= evalTol, or when the
//           residual stops decreasing within 4 evalTol + 2.5e-7 max|V| (the f32 rounding floor of the sweep).
// A finished evaluation turns the remaining recorded sweeps into no-ops (they test EV_DONE first), so
// many sweeps can be recorded per submit without a readback. vSoftMax is the soft Bellman optimality
// operator (log-sum-exp with mu, max-shifted; plain max when tau = 0) used by soft value iteration.
// Occupancy d = (1 - gamma) rho0 + gamma P_pi^T d by the same scheme over the transposed CSR, in
// ping-pong pairs A -> B -> A; occFinish normalises it (the mass is kept: J_plain needs it).
// Small problems (evalFused / occFused) run every sweep inside ONE workgroup with barriers between the
// half-steps and the same stopping rule: one dispatch per evaluation instead of three per sweep.

@compute @workgroup_size(WG)
fn evalBegin(@builtin(global_invocation_id) gid: vec3<u32>) {
  if (gid.x == 0u) {
    atomicStore(&ctrl[EV_DONE], 0u);
    atomicStore(&ctrl[EV_RES], 0u);
    atomicStore(&ctrl[EV_SWEEPS], 0u);
    atomicStore(&ctrl[VMAX], 0u);
  }
}

@compute @workgroup_size(WG)
fn qFromV(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let sj = linearIndex(gid, nwg);
  if (sj >= P.SN || atomicLoad(&ctrl[EV_DONE]) != 0u) { return; }
  qRow(sj, P.wV);
}

@compute @workgroup_size(WG)
fn qFromVFinal(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let sj = linearIndex(gid, nwg);
  if (sj >= P.SN) { return; }
  qRow(sj, P.wV);
}

@compute @workgroup_size(WG)
fn vFromPolicy(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let s = linearIndex(gid, nwg);
  if (s >= P.S || atomicLoad(&ctrl[EV_DONE]) != 0u) { return; }
  let o = s * P.N;
  var v = 0.0;
  for (var j = 0u; j < P.N; j++) {
    let p = pi[o + j];
    if (p > 0.0) {
      v += p * work[P.wQ + o + j] - P.tau * xlogx(p, mu(j));
    }
  }
  let old = work[P.wV + s];
  work[P.wV + s] = v;
  atomicMax(&ctrl[EV_RES], maxBits(v - old));
  atomicMax(&ctrl[VMAX], maxBits(v));
}

/** Soft Bellman optimality: V(s) = tau log sum_j mu_j exp(Q/tau) (tau > 0) or max_j Q (tau = 0). */
fn softMaxRow(s: u32) -> f32 {
  let o = s * P.N;
  var m = NEG_BIG;
  for (var j = 0u; j < P.N; j++) {
    m = max(m, work[P.wQ + o + j]);
  }
  if (P.tau <= 0.0) { return m; }
  var acc = 0.0;
  for (var j = 0u; j < P.N; j++) {
    acc += mu(j) * exp((work[P.wQ + o + j] - m) / P.tau);
  }
  return m + P.tau * log(acc);
}

@compute @workgroup_size(WG)
fn vSoftMax(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let s = linearIndex(gid, nwg);
  if (s >= P.S || atomicLoad(&ctrl[EV_DONE]) != 0u) { return; }
  let v = softMaxRow(s);
  let old = work[P.wV + s];
  work[P.wV + s] = v;
  atomicMax(&ctrl[EV_RES], maxBits(v - old));
}

/** The soft-greedy (tau > 0) or greedy (tau = 0, lowest index) policy of the current Q. */
@compute @workgroup_size(WG)
fn greedyPolicy(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let s = linearIndex(gid, nwg);
  if (s >= P.S) { return; }
  let o = s * P.N;
  var m = NEG_BIG;
  var arg = 0u;
  for (var j = 0u; j < P.N; j++) {
    let q = work[P.wQ + o + j];
    if (q > m) { m = q; arg = j; }
  }
  if (P.tau <= 0.0) {
    for (var j = 0u; j < P.N; j++) { pi[o + j] = select(0.0, 1.0, j == arg); }
    return;
  }
  var z = 0.0;
  for (var j = 0u; j < P.N; j++) {
    let w = mu(j) * exp((work[P.wQ + o + j] - m) / P.tau);
    pi[o + j] = w;
    z += w;
  }
  for (var j = 0u; j < P.N; j++) { pi[o + j] = pi[o + j] / z; }
}

@compute @workgroup_size(1)
fn evalCheck() {
  if (atomicLoad(&ctrl[EV_DONE]) != 0u) { return; }
  let res = atomicLoad(&ctrl[EV_RES]);
  let prev = atomicLoad(&ctrl[EV_LAST]);
  let n = atomicAdd(&ctrl[EV_SWEEPS], 1u);
  atomicStore(&ctrl[EV_LAST], res);
  atomicStore(&ctrl[EV_RES], 0u);
  // converged, or stalled at the f32 rounding floor (no decrease, within 4 tol)
  let flo = 4.0 * P.evalTol + roundingFloor(bitcast<f32>(atomicLoad(&ctrl[VMAX])));
  let stalled = n > 0u && res >= prev && bitcast<f32>(res) <= flo;
  if (res <= bitcast<u32>(P.evalTol) || stalled) { atomicStore(&ctrl[EV_DONE], 1u); }
}

@compute @workgroup_size(WG)
fn occBegin(@builtin(global_invocation_id) gid: vec3<u32>) {
  if (gid.x == 0u) {
    atomicStore(&ctrl[OC_DONE], 0u);
    atomicStore(&ctrl[OC_RES], 0u);
    atomicStore(&ctrl[OC_SWEEPS], 0u);
  }
}

fn occRow(s: u32, src: u32, dst: u32) {
  let e0 = graph[P.gTPtr + s];
  let e1 = graph[P.gTPtr + s + 1u];
  var acc = 0.0;
  for (var e = e0; e < e1; e++) {
    let sj = graph[P.gTSrc + e];
    let src0 = sj / P.N;
    acc += work[src + src0] * pi[sj] * bitcast<f32>(graph[P.gTProb + e]);
  }
  let v = (1.0 - P.gamma) * model[P.oRho0 + s] + P.gamma * acc;
  atomicMax(&ctrl[OC_RES], maxBits(v - work[src + s]));
  work[dst + s] = v;
}

@compute @workgroup_size(WG)
fn occSweepAB(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let s = linearIndex(gid, nwg);
  if (s >= P.S || atomicLoad(&ctrl[OC_DONE]) != 0u) { return; }
  occRow(s, P.wDA, P.wDB);
}

@compute @workgroup_size(WG)
fn occSweepBA(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let s = linearIndex(gid, nwg);
  if (s >= P.S || atomicLoad(&ctrl[OC_DONE]) != 0u) { return; }
  occRow(s, P.wDB, P.wDA);
}

@compute @workgroup_size(1)
fn occCheck() {
  if (atomicLoad(&ctrl[OC_DONE]) != 0u) { return; }
  let res = atomicLoad(&ctrl[OC_RES]);
  let prev = atomicLoad(&ctrl[OC_LAST]);
  let n = atomicAdd(&ctrl[OC_SWEEPS], 2u);
  atomicStore(&ctrl[OC_LAST], res);
  atomicStore(&ctrl[OC_RES], 0u);
  let stalled = n > 0u && res >= prev && bitcast<f32>(res) <= 4.0 * P.occTol + roundingFloor(1.0);
  if (res <= bitcast<u32>(P.occTol) || stalled) { atomicStore(&ctrl[OC_DONE], 1u); }
}

var<workgroup> red: array<f32, WG>;

/** d <- dA / sum(dA) after keeping the previous normalised d in dOld; the mass goes to SC_MASS. */
@compute @workgroup_size(WG)
fn occFinish(@builtin(local_invocation_id) lid: vec3<u32>) {
  var acc = 0.0;
  for (var s = lid.x; s < P.S; s += WG) {
    acc += work[P.wDA + s];
    work[P.wDOld + s] = work[P.wD + s];
  }
  red[lid.x] = acc;
  workgroupBarrier();
  for (var w = WG / 2u; w > 0u; w = w / 2u) {
    if (lid.x < w) { red[lid.x] += red[lid.x + w]; }
    workgroupBarrier();
  }
  let mass = red[0];
  for (var s = lid.x; s < P.S; s += WG) {
    work[P.wD + s] = select(0.0, work[P.wDA + s] / mass, mass > 0.0);
  }
  if (lid.x == 0u) { setScal(SC_MASS, mass); }
}

// ---- single-workgroup evaluation (small problems) -------------------------------------------------

var<workgroup> ered: array<f32, WG>;
var<workgroup> eflag: u32;

fn wgMax(lid: u32, v: f32) -> f32 {
  ered[lid] = v;
  workgroupBarrier();
  for (var w = WG / 2u; w > 0u; w = w / 2u) {
    if (lid < w) { ered[lid] = max(ered[lid], ered[lid + w]); }
    workgroupBarrier();
  }
  let r = ered[0];
  workgroupBarrier();
  return r;
}

/** The sweeps of qFromV / vFromPolicy / evalCheck until converged (or P.maxSweeps), then the final Q. */
@compute @workgroup_size(WG)
fn evalFused(@builtin(local_invocation_id) lidv: vec3<u32>) {
  let lid = lidv.x;
  var n = 0u;
  var prev = 3.0e38;
  loop {
    for (var sj = lid; sj < P.SN; sj += WG) { qRow(sj, P.wV); }
    storageBarrier();
    var r = 0.0;
    var vm = 0.0;
    for (var s = lid; s < P.S; s += WG) {
      let o = s * P.N;
      var v = 0.0;
      for (var j = 0u; j < P.N; j++) {
        let p = pi[o + j];
        if (p > 0.0) { v += p * work[P.wQ + o + j] - P.tau * xlogx(p, mu(j)); }
      }
      let d = abs(v - work[P.wV + s]);
      r = max(r, select(d, 3.0e38, nonFinite(d)));
      vm = max(vm, select(abs(v), 0.0, nonFinite(v)));
      work[P.wV + s] = v;
    }
    let res = wgMax(lid, r);
    let vmax = wgMax(lid, vm);
    n++;
    if (lid == 0u) {
      let stalled = n > 1u && res >= prev && res <= 4.0 * P.evalTol + roundingFloor(vmax);
      eflag = select(0u, 1u, res <= P.evalTol || stalled || n >= P.maxSweeps);
      atomicStore(&ctrl[EV_LAST], bitcast<u32>(res));
      atomicStore(&ctrl[EV_SWEEPS], n);
    }
    prev = res;
    storageBarrier();
    if (workgroupUniformLoad(&eflag) != 0u) { break; }
  }
  for (var sj = lid; sj < P.SN; sj += WG) { qRow(sj, P.wV); }
}

fn occValue(s: u32, src: u32) -> f32 {
  let e0 = graph[P.gTPtr + s];
  let e1 = graph[P.gTPtr + s + 1u];
  var acc = 0.0;
  for (var e = e0; e < e1; e++) {
    let sj = graph[P.gTSrc + e];
    acc += work[src + sj / P.N] * pi[sj] * bitcast<f32>(graph[P.gTProb + e]);
  }
  return (1.0 - P.gamma) * model[P.oRho0 + s] + P.gamma * acc;
}

/** Occupancy sweeps A -> B -> A until converged (or P.maxSweeps); the result is in dA. */
@compute @workgroup_size(WG)
fn occFused(@builtin(local_invocation_id) lidv: vec3<u32>) {
  let lid = lidv.x;
  var n = 0u;
  var prev = 3.0e38;
  loop {
    for (var s = lid; s < P.S; s += WG) { work[P.wDB + s] = occValue(s, P.wDA); }
    storageBarrier();
    var r = 0.0;
    for (var s = lid; s < P.S; s += WG) {
      let v = occValue(s, P.wDB);
      let d = abs(v - work[P.wDB + s]);
      r = max(r, select(d, 3.0e38, nonFinite(d)));
      work[P.wDA + s] = v;
    }
    let res = wgMax(lid, r);
    n += 2u;
    if (lid == 0u) {
      let stalled = n > 2u && res >= prev && res <= 4.0 * P.occTol + roundingFloor(1.0);
      eflag = select(0u, 1u, res <= P.occTol || stalled || n >= P.maxSweeps);
      atomicStore(&ctrl[OC_LAST], bitcast<u32>(res));
      atomicStore(&ctrl[OC_SWEEPS], n);
    }
    prev = res;
    storageBarrier();
    if (workgroupUniformLoad(&eflag) != 0u) { break; }
  }
}
