// Fokker–Planck / Scharfetter–Gummel flow step (ALGORITHMS.md §2) on the action graph (grid neighbours
// along each axis, edge length h_e; CSR over actions in `graph`: nbrPtr at gNbr, (k, bits(1/h^2)) pairs
// at gNbrEdge):
//   q(i -> k) = w(s) (tau / h^2) B((Phi_i - Phi_k) / tau),  B(x) = x / (e^x - 1),  Phi = Q + tau log mu
//   pi_i += dt sum_k [pi_k q(k -> i) - pi_i q(i -> k)]        (explicit Euler)
//   dt = cfl / max_{s,i} sum_k q(i -> k)                       (fpRate: one atomicMax per workgroup into
//                                                              ctrl[RATE]; every fpStep thread derives dt from it,
//                                                              the metric row's kernel clears it)
// The flux of an edge is computed from the same two products on both sides, so the update is
// antisymmetric and mass is conserved up to the final rounding of each cell.

/** B(x) = x / (e^x - 1), B(0) = 1, without cancellation (Kahan's log(u)/(u - 1)) or overflow. */
fn bernoulli(x: f32) -> f32 {
  if (x > 60.0) { return x * exp(-x); }
  if (x < -60.0) { return -x; }
  if (abs(x) < 1e-3) { return 1.0 - 0.5 * x + x * x / 12.0; }
  let u = exp(x);
  return log(u) / (u - 1.0);
}

/** w(s) as of the last Phi refresh (kept after Phi at wPhi + SN). */
fn weightOf(s: u32) -> f32 {
  if (P.weighting == 1u) { return work[P.wPhi + P.SN + s]; }
  return 1.0;
}

fn phi(sj: u32) -> f32 { return work[P.wPhi + sj]; }

/** Phi = Q + tau log mu at (s, j) as of now (the reference's refresh, every qEvery steps). */
fn phiFresh(sj: u32) -> f32 { return work[P.wQ + sj] + P.tau * log(mu(sj % P.N)); }

/**
 * Exit rates and their maximum. REFRESH: this step re-reads Phi = Q + tau log mu and w(s) = d(s) / (1 - gamma)
 * (computed in place from Q and d) and keeps them at wPhi for fpStep and the next qEvery - 1 steps (the
 * refresh pass is fused here: each thread writes its own Phi entry, neighbours are recomputed, not read).
 */
override REFRESH: bool = false;

@compute @workgroup_size(WG)
fn fpRate(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let sj = linearIndex(gid, nwg);
  var rate = 0.0;
  if (sj < P.SN) {
    let s = sj / P.N;
    let i = sj % P.N;
    let o = s * P.N;
    work[P.wPiOld + sj] = pi[sj];
    var ws = 0.0;
    var phiI = 0.0;
    if (REFRESH) {
      ws = work[P.wD + s] / (1.0 - P.gamma);
      phiI = phiFresh(sj);
      work[P.wPhi + sj] = phiI;
      if (i == 0u) { work[P.wPhi + P.SN + s] = ws; }
    } else {
      ws = weightOf(s);
      phiI = phi(sj);
    }
    if (P.weighting != 1u) { ws = 1.0; }
    let w = ws * P.tau;
    for (var e = graph[P.gNbr + i]; e < graph[P.gNbr + i + 1u]; e++) {
      let k = graph[P.gNbrEdge + 2u * e];
      let ih2 = bitcast<f32>(graph[P.gNbrEdge + 2u * e + 1u]);
      var phiK = 0.0;
      if (REFRESH) { phiK = phiFresh(o + k); } else { phiK = phi(o + k); }
      rate += w * ih2 * bernoulli((phiI - phiK) / P.tau);
    }
  }
  // one atomic per workgroup (rates are >= 0: the workgroup's maximum, then the global one; a NaN/Inf
  // rate becomes 3e38, so dt collapses instead of vanishing from the maximum)
  let m = wgMaxF(lid.x, select(rate, 3.0e38, nonFinite(rate)));
  if (lid.x == 0u) { atomicMax(&ctrl[RATE], maxBits(m)); }
}

/** The step's dt: fixed, or cfl over the largest exit rate of this step (fpRate's maximum in ctrl[RATE]). */
fn stepDt() -> f32 {
  let r = bitcast<f32>(atomicLoad(&ctrl[RATE]));
  var dt = P.dtFixed;
  if (dt <= 0.0) { dt = select(0.0, P.cfl / r, r > 0.0); }
  return dt;
}

@compute @workgroup_size(WG)
fn fpStep(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let sj = linearIndex(gid, nwg);
  if (sj >= P.SN) { return; }
  let s = sj / P.N;
  let i = sj % P.N;
  let o = s * P.N;
  let w = weightOf(s) * P.tau;
  let dt = stepDt();
  if (sj == 0u) { setScal(SC_DT, dt); }
  let pii = work[P.wPiOld + sj];
  var flux = 0.0;
  for (var e = graph[P.gNbr + i]; e < graph[P.gNbr + i + 1u]; e++) {
    let k = graph[P.gNbrEdge + 2u * e];
    let ih2 = bitcast<f32>(graph[P.gNbrEdge + 2u * e + 1u]);
    let x = (phi(sj) - phi(o + k)) / P.tau;
    // net flow k -> i minus i -> k
    flux += w * ih2 * (work[P.wPiOld + o + k] * bernoulli(-x) - pii * bernoulli(x));
  }
  pi[sj] = pii + dt * flux;
  if (i == 0u) { work[P.wStCost + s] = 0.0; }
}
