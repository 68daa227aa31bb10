// Entropic JKO step with the generalised Sinkhorn iteration in the log domain (ALGORITHMS.md §4), one
// workgroup per state, all inner iterations inside one dispatch (states are independent):
//   L_j   = LSE_k(lb_k - C_jk/eps)                       log (K b)_j
//   err   = sum_j |exp(la_j + L_j) - pi_k(j)|            marginal error of the current plan (stop < tol)
//   la_j  = log pi_k(j) - L_j                            a <- pi_k / (K b)
//   lk_k  = LSE_j(la_j - C_jk/eps)                       log (K^T a)_k
//   lp_k  = (eps lk_k + 2 eta tau log mu_k + 2 eta Q_k) / (eps + 2 eta tau), normalised (log-sum-exp)
//   lb_k  = lp_k - lk_k                                  b <- prox(K^T a) / (K^T a)
// and pi_{k+1} = exp(lp). The step's transport cost sum_jk exp(la_j - C_jk/eps + lb_k) C_jk goes to
// stCost; the inner iterations used go to INNER_MAX (max over states). log b is kept at wPhi per state
// and warm-starts the next step, as in the reference.

override MAXN: u32 = 64u;

var<workgroup> la: array<f32, MAXN>;
var<workgroup> lb: array<f32, MAXN>;
var<workgroup> lk: array<f32, MAXN>;
var<workgroup> sred: array<f32, WG>;
var<workgroup> flag: u32;

fn wsum(lid: u32, v: f32) -> f32 {
  sred[lid] = v;
  workgroupBarrier();
  for (var w = WG / 2u; w > 0u; w = w / 2u) {
    if (lid < w) { sred[lid] += sred[lid + w]; }
    workgroupBarrier();
  }
  let r = sred[0];
  workgroupBarrier();
  return r;
}

fn wmax(lid: u32, v: f32) -> f32 {
  sred[lid] = v;
  workgroupBarrier();
  for (var w = WG / 2u; w > 0u; w = w / 2u) {
    if (lid < w) { sred[lid] = max(sred[lid], sred[lid + w]); }
    workgroupBarrier();
  }
  let r = sred[0];
  workgroupBarrier();
  return r;
}

fn logPiOld(o: u32, j: u32) -> f32 {
  let p = work[P.wPiOld + o + j];
  return select(NEG_BIG, log(p), p > 0.0);
}

/** log (K b)_j */
fn lseKb(j: u32) -> f32 {
  var m = NEG_BIG;
  for (var k = 0u; k < P.N; k++) { m = max(m, lb[k] - cost(j, k) / P.sinkhornBlur); }
  var z = 0.0;
  for (var k = 0u; k < P.N; k++) { z += exp(lb[k] - cost(j, k) / P.sinkhornBlur - m); }
  return m + log(z);
}

@compute @workgroup_size(WG)
fn jkoStep(@builtin(local_invocation_id) lidv: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>,
           @builtin(num_workgroups) nwg: vec3<u32>) {
  let lid = lidv.x;
  let s = wid.x + wid.y * nwg.x;
  if (s >= P.S) { return; }
  let o = s * P.N;
  let N = P.N;
  let twoEta = 2.0 * P.eta;
  let denom = P.sinkhornBlur + twoEta * P.tau;
  for (var j = lid; j < N; j += WG) {
    work[P.wPiOld + o + j] = pi[o + j];
    lb[j] = work[P.wPhi + o + j];
    la[j] = 0.0;
  }
  workgroupBarrier();
  var it = 0u;
  loop {
    // L_j and the marginal error of the current plan (not before the first a-update)
    var errPart = 0.0;
    for (var j = lid; j < N; j += WG) {
      let L = lseKb(j);
      let lpi = logPiOld(o, j);
      if (it > 0u) { errPart += abs(exp(la[j] + L) - work[P.wPiOld + o + j]); }
      la[j] = lpi - L;
    }
    let err = wsum(lid, errPart);
    if (lid == 0u) { flag = select(0u, 1u, (it > 0u && err <= P.sinkTol) || it >= P.maxInner); }
    let stop = workgroupUniformLoad(&flag);
    if (stop != 0u) { break; }
    // log K^T a and the prox
    var mPart = NEG_BIG;
    for (var k = lid; k < N; k += WG) {
      var m = NEG_BIG;
      for (var j = 0u; j < N; j++) { m = max(m, la[j] - cost(j, k) / P.sinkhornBlur); }
      var z = 0.0;
      for (var j = 0u; j < N; j++) { z += exp(la[j] - cost(j, k) / P.sinkhornBlur - m); }
      let lkt = m + log(z);
      lk[k] = lkt;
      let lp = (P.sinkhornBlur * lkt + twoEta * P.tau * log(mu(k)) + twoEta * work[P.wQ + o + k]) / denom;
      lb[k] = lp;
      mPart = max(mPart, lp);
    }
    let mx = wmax(lid, mPart);
    var zPart = 0.0;
    for (var k = lid; k < N; k += WG) { zPart += exp(lb[k] - mx); }
    let lz = mx + log(wsum(lid, zPart));
    for (var k = lid; k < N; k += WG) {
      let lp = lb[k] - lz;
      pi[o + k] = exp(lp);
      lb[k] = lp - lk[k];
    }
    workgroupBarrier();
    it += 1u;
  }
  // transport cost of the plan exp(la_j - C_jk/eps + lb_k)
  var cPart = 0.0;
  for (var j = lid; j < N; j += WG) {
    for (var k = 0u; k < N; k++) {
      let c = cost(j, k);
      if (la[j] > -1e30) { cPart += exp(la[j] - c / P.sinkhornBlur + lb[k]) * c; }
    }
  }
  let cs = wsum(lid, cPart);
  // warm start of the next step: the last log b (finite part; -inf where the prox underflowed)
  for (var k = lid; k < N; k += WG) { work[P.wPhi + o + k] = max(lb[k], -1e30); }
  if (lid == 0u) {
    work[P.wStCost + s] = cs;
    atomicMax(&ctrl[INNER_MAX], it);
  }
}
