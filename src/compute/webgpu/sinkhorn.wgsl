// Entropic JKO step with the generalised Sinkhorn iteration in the log domain (ALGORITHMS.md §4), one
// workgroup per state (jkoStep) or, for small action sets, one invocation per state (jkoStepThread), all
// inner iterations inside one dispatch (states are independent):
//   L_j   = LSE_k(lb_k + G_jk),  G = -C / blur           log (K b)_j
//   err   = sum_j |exp(la_j + L_j) - pi_k(j)|            marginal error of the current plan
//   la_j  = log pi_k(j) - L_j                            a <- pi_k / (K b)
//   lk_k  = LSE_j(la_j + G_jk)                           log (K^T a)_k
//   lp_k  = (blur lk_k + 2 eta tau log mu_k + 2 eta Q_k) / (blur + 2 eta tau), normalised (log-sum-exp)
//   lb_k  = lp_k - lk_k                                  b <- prox(K^T a) / (K^T a)
// and pi_{k+1} = exp(lp). G^T = -C^T / blur is precomputed once per session (aux at aG, row k = G_{., k},
// read by the lanes j of L at consecutive addresses); the lanes k of lk read row j of C (consecutive) times
// the precomputed -1/blur. On a line (LINEP = p: C = |x_j - x_k|^p on sorted 1-D positions) neither is
// read: the cost is formed from the positions where it is used, all lanes reading the same x_j at a step.
// Nothing is divided per inner iteration.
// Stop rule (f32): err <= max(tol, floor), floor = 8 u sum_j pi_k(j) (1 + |la_j| + |L_j|) with
// u = 2^-24: la_j + L_j = log pi_k(j) is formed from two terms each rounded to u |.|, so exp of it
// carries that relative error, and no iteration can push the computed err below it; an error that falls
// by less than 10% over 64 iterations has stagnated at the f32 floor and also stops. An inner loop that
// reaches maxInner shows as INNER_MAX = maxInner in the row; the host reports it.
// The step's transport cost sum_jk exp(la_j + G_jk + lb_k) C_jk goes to stCost; the inner iterations used
// go to INNER_MAX (max over states). log b is kept at wPhi per state and warm-starts the next step.
// When three rows of N floats do not fit in workgroup storage (GLOBAL_ROWS), la, lb and lk live in the
// work buffer (3 N floats per state at wScratch) instead: same code, global instead of shared memory.

override MAXN: u32 = 64u;
override GLOBAL_ROWS: bool = false;
// 1 or 2: the cost is |x_j - x_k|^LINEP on the sorted positions at oLinePos, computed where it is used (no
// cost matrix is read: at N = 1024 the matrix read per state and inner iteration is 2 N^2 floats, the
// positions N); 0: the precomputed G^T and the cost matrix
override LINEP: u32 = 0u;
// jkoStepThread: one state per invocation, its three rows in private arrays of THREAD_MAXN (sinkhorn.ts
// SINKHORN_THREAD_MAXN); jkoStep: the rows of its one state in workgroup memory (or global, GLOBAL_ROWS)
override THREAD: bool = false;
const THREAD_MAXN: u32 = 16u;
// HELD: the rows an inner iteration re-reads are held too (pi_old, the prox's constant part c_k, the
// unnormalised log prox lp_k and a line cost's positions): in workgroup memory of MAXH = N floats each, or
// private in jkoStepThread, so an inner iteration reads no global memory on a line (the cost matrix rows
// otherwise); pi is written once per step.
// Without HELD (three rows only fit) pi_old and Q are read and lp kept in pi at every inner iteration.
override HELD: bool = false;
override MAXH: u32 = 1u;

var<workgroup> la: array<f32, MAXN>;
var<workgroup> lb: array<f32, MAXN>;
var<workgroup> lk: array<f32, MAXN>;
var<workgroup> flag: u32;
var<private> pla: array<f32, THREAD_MAXN>;
var<private> plb: array<f32, THREAD_MAXN>;
var<private> plk: array<f32, THREAD_MAXN>;
var<workgroup> hpo: array<f32, MAXH>;
var<workgroup> hc: array<f32, MAXH>;
var<workgroup> hlp: array<f32, MAXH>;
// the positions of a line cost (LINEP), held with the rest: every inner iteration reads them 2 N times
var<workgroup> hx: array<f32, MAXH>;
var<private> px: array<f32, THREAD_MAXN>;
var<private> ppo: array<f32, THREAD_MAXN>;
var<private> pc: array<f32, THREAD_MAXN>;
var<private> plp: array<f32, THREAD_MAXN>;

/** pi_old(j) of the step (held, or the copy in the work buffer). */
fn getPOld(o: u32, j: u32) -> f32 {
  if (THREAD) { return ppo[j]; }
  if (HELD) { return hpo[j]; }
  return work[P.wPiOld + o + j];
}
/** The unnormalised log prox lp_k during an iteration, pi_{k+1} after its normalisation (held, or in pi). */
fn getLp(o: u32, k: u32) -> f32 {
  if (THREAD) { return plp[k]; }
  if (HELD) { return hlp[k]; }
  return pi[o + k];
}
fn setLp(o: u32, k: u32, v: f32) {
  if (THREAD) { plp[k] = v; } else if (HELD) { hlp[k] = v; } else { pi[o + k] = v; }
}
/** The prox's constant part 2 eta (tau log mu_k + Q_k - max Q) (held, or formed from Q). */
fn proxConst(o: u32, k: u32, qmax: f32) -> f32 {
  if (THREAD) { return pc[k]; }
  if (HELD) { return hc[k]; }
  return proxConstOf(o, k, qmax);
}
fn proxConstOf(o: u32, k: u32, qmax: f32) -> f32 {
  let twoEta = 2.0 * P.eta;
  return twoEta * P.tau * log(mu(k)) + twoEta * (work[P.wQ + o + k] - qmax);
}

fn rowBase(s: u32) -> u32 { return P.wScratch + 3u * s * P.N; }
fn getLa(s: u32, j: u32) -> f32 { if (THREAD) { return pla[j]; } if (GLOBAL_ROWS) { return work[rowBase(s) + j]; } return la[j]; }
fn getLb(s: u32, j: u32) -> f32 { if (THREAD) { return plb[j]; } if (GLOBAL_ROWS) { return work[rowBase(s) + P.N + j]; } return lb[j]; }
fn getLk(s: u32, j: u32) -> f32 { if (THREAD) { return plk[j]; } if (GLOBAL_ROWS) { return work[rowBase(s) + 2u * P.N + j]; } return lk[j]; }
fn setLa(s: u32, j: u32, v: f32) { if (THREAD) { pla[j] = v; } else if (GLOBAL_ROWS) { work[rowBase(s) + j] = v; } else { la[j] = v; } }
fn setLb(s: u32, j: u32, v: f32) { if (THREAD) { plb[j] = v; } else if (GLOBAL_ROWS) { work[rowBase(s) + P.N + j] = v; } else { lb[j] = v; } }
fn setLk(s: u32, j: u32, v: f32) { if (THREAD) { plk[j] = v; } else if (GLOBAL_ROWS) { work[rowBase(s) + 2u * P.N + j] = v; } else { lk[j] = v; } }

/** G^T row k (the lanes j of L read consecutive words) and G row j (the lanes k of lk). */
fn posAt(j: u32) -> f32 {
  if (THREAD) { return px[j]; }
  if (HELD) { return hx[j]; }
  return model[P.oLinePos + j];
}
fn lineCostAt(j: u32, k: u32) -> f32 {
  let d = abs(posAt(j) - posAt(k));
  return select(d, d * d, LINEP == 2u);
}
fn costAt(j: u32, k: u32) -> f32 {
  if (LINEP != 0u) { return lineCostAt(j, k); }
  return cost(j, k);
}
fn gT(j: u32, k: u32) -> f32 {
  if (LINEP != 0u) { return lineCostAt(k, j) * P.negInvBlur; }
  return bitcast<f32>(aux[P.aG + k * P.N + j]);
}
fn g(j: u32, k: u32) -> f32 { return costAt(j, k) * P.negInvBlur; }

/** Make the row writes of the other lanes visible (workgroup or storage memory). */
fn rowBarrier() {
  if (GLOBAL_ROWS) { storageBarrier(); }
  workgroupBarrier();
}

fn logPiOld(o: u32, j: u32) -> f32 {
  let p = getPOld(o, j);
  return select(NEG_BIG, log(p), p > 0.0);
}

/** log (K b)_j */
fn lseKb(s: u32, j: u32) -> f32 {
  var m = NEG_BIG;
  for (var k = 0u; k < P.N; k++) { m = max(m, getLb(s, k) + gT(j, k)); }
  var z = 0.0;
  for (var k = 0u; k < P.N; k++) { z += exp(getLb(s, k) + gT(j, k) - m); }
  return m + log(z);
}

const U32F: f32 = 5.9604645e-8;

// The per-entry steps of one inner iteration, shared by both kernels (each does its own loops over j or k
// and its own reductions: a workgroup tree in jkoStep, a serial sum in jkoStepThread).

/** Start of a step for entry j: pi_old saved (and held, as the step's result if no iteration runs), the warm-start log b, a = 1. */
fn stepStart(s: u32, o: u32, j: u32) {
  let p = pi[o + j];
  work[P.wPiOld + o + j] = p;
  if (THREAD) {
    ppo[j] = p;
    plp[j] = p;
    if (LINEP != 0u) { px[j] = model[P.oLinePos + j]; }
  } else if (HELD) {
    hpo[j] = p;
    hlp[j] = p;
    if (LINEP != 0u) { hx[j] = model[P.oLinePos + j]; }
  }
  setLb(s, j, work[P.wPhi + o + j]);
  setLa(s, j, 0.0);
}

/** Hold the prox's constant part of entry k (after max Q is known). */
fn stepHoldConst(o: u32, k: u32, qmax: f32) {
  if (THREAD) { pc[k] = proxConstOf(o, k, qmax); } else if (HELD) { hc[k] = proxConstOf(o, k, qmax); }
}

/** la_j = log pi_old(j) - L_j; returns the marginal error and f32-floor terms of the plan before it (it > 0). */
fn stepA(s: u32, o: u32, j: u32, it: u32) -> vec2<f32> {
  let L = lseKb(s, j);
  let lpi = logPiOld(o, j);
  let p = getPOld(o, j);
  let a = getLa(s, j);
  var r = vec2<f32>(0.0);
  if (it > 0u) { r = vec2<f32>(abs(exp(a + L) - p), p * (1.0 + abs(a) + abs(L))); }
  setLa(s, j, lpi - L);
  return r;
}

/**
 * The loop's end test from the iteration's marginal error and floor: 1 converged (or stagnated: less than
 * 10% decrease over 64 iterations, the f32 floor), 2 at maxInner, 0 go on. `checkpoint`: err 64 back.
 */
fn stopCode(it: u32, err: f32, flo: f32, checkpoint: ptr<function, f32>) -> u32 {
  var stop = 0u;
  if (it > 0u && err <= max(P.sinkTol, flo)) { stop = 1u; }
  if (it > 0u && it % 64u == 0u) {
    if (err > 0.9 * *checkpoint) { stop = 1u; }
    *checkpoint = err;
  }
  if (it >= P.maxInner) { stop = 2u; }
  return stop;
}

/**
 * lk_k = log (K^T a)_k and the unnormalised log prox lp_k, held or kept in pi (the invocation that writes
 * entry k is the one that reads it back); returns lp_k.
 */
fn stepProx(s: u32, o: u32, k: u32, qmax: f32) -> f32 {
  var m = NEG_BIG;
  for (var j = 0u; j < P.N; j++) { m = max(m, getLa(s, j) + g(j, k)); }
  var z = 0.0;
  for (var j = 0u; j < P.N; j++) { z += exp(getLa(s, j) + g(j, k) - m); }
  let lkt = m + log(z);
  setLk(s, k, lkt);
  let lp = (P.sinkhornBlur * lkt + proxConst(o, k, qmax)) / (P.sinkhornBlur + 2.0 * P.eta * P.tau);
  setLp(o, k, lp);
  return lp;
}

/** pi_k = exp(lp_k - mx) / zs and lb_k = log pi_k - lk_k. */
fn stepB(s: u32, o: u32, k: u32, mx: f32, zs: f32, lzs: f32) {
  let sh = getLp(o, k) - mx;
  setLp(o, k, exp(sh) / zs);
  setLb(s, k, (sh - lzs) - getLk(s, k));
}

/** Row j's share of the step's transport cost sum_k exp(la_j + G_jk + lb_k) C_jk (C = -blur G). */
fn transportPart(s: u32, j: u32) -> f32 {
  var c = 0.0;
  let a = getLa(s, j);
  if (a > -1e30) {
    for (var k = 0u; k < P.N; k++) {
      let gk = g(j, k);
      c += exp(a + gk + getLb(s, k)) * (-P.sinkhornBlur * gk);
    }
  }
  return c;
}

/** End of a step: the warm start of the next step, the last log b (finite part; -inf where the prox underflowed). */
fn stepEnd(s: u32, o: u32, k: u32) {
  work[P.wPhi + o + k] = max(getLb(s, k), -1e30);
  // the step's policy (held: written once, here)
  if (THREAD || HELD) { pi[o + k] = getLp(o, k); }
}

// Q enters the prox shifted by its row maximum (a constant per state, removed by the normalisation
// anyway): 2 eta Q / (blur + 2 eta tau) is then of the size of the advantages' spread, not of |Q|,
// so its f32 rounding does not swamp the policy when 2 eta |Q| is large (Taxi: 2 eta |Q| ~ 2e5).
// The unnormalised log prox is shifted by its row maximum before exp, and pi = exp(lp - mx) / Z is
// normalised by division: forming lz = mx + log Z first would round to ulp(|lp|), which for 2 eta |Q| ~ 1e5
// is a row-sum error of 1e-4.

/** One workgroup per state, lanes over its actions (tree reductions). */
@compute @workgroup_size(WG)
fn jkoStep(@builtin(local_invocation_id) lidv: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>,
           @builtin(num_workgroups) nwg: vec3<u32>) {
  let lid = lidv.x;
  let s = wgIndex(wid, nwg);
  if (s >= P.S) { return; }
  let o = s * P.N;
  let N = P.N;
  for (var j = lid; j < N; j += WG) { stepStart(s, o, j); }
  var qPart = NEG_BIG;
  for (var k = lid; k < N; k += WG) { qPart = max(qPart, work[P.wQ + o + k]); }
  let qmax = wgMaxF(lid, qPart);
  for (var k = lid; k < N; k += WG) { stepHoldConst(o, k, qmax); }
  rowBarrier();
  var it = 0u;
  var checkpoint = 3.0e38;
  loop {
    // L_j and the marginal error of the current plan (not before the first a-update)
    var part = vec2<f32>(0.0);
    for (var j = lid; j < N; j += WG) { part += stepA(s, o, j, it); }
    rowBarrier();
    let err = wgSum(lid, part.x);
    let flo = 8.0 * U32F * wgSum(lid, part.y);
    if (lid == 0u) { flag = stopCode(it, err, flo, &checkpoint); }
    let stop = workgroupUniformLoad(&flag);
    if (stop != 0u) { break; }
    // log K^T a and the prox
    var mPart = NEG_BIG;
    for (var k = lid; k < N; k += WG) { mPart = max(mPart, stepProx(s, o, k, qmax)); }
    let mx = wgMaxF(lid, mPart);
    var zPart = 0.0;
    for (var k = lid; k < N; k += WG) { zPart += exp(getLp(o, k) - mx); }
    let zs = wgSum(lid, zPart);
    let lzs = log(zs);
    for (var k = lid; k < N; k += WG) { stepB(s, o, k, mx, zs, lzs); }
    rowBarrier();
    it += 1u;
  }
  var cPart = 0.0;
  for (var j = lid; j < N; j += WG) { cPart += transportPart(s, j); }
  let cs = wgSum(lid, cPart);
  for (var k = lid; k < N; k += WG) { stepEnd(s, o, k); }
  if (lid == 0u) {
    work[P.wStCost + s] = cs;
    atomicMax(&ctrl[INNER_MAX], it);
  }
}

/**
 * Small action sets (N <= THREAD_MAXN, rows in private arrays; pipeline constant THREAD): one state per
 * invocation, every loop serial and no barrier at all. A workgroup per state would leave most of its lanes idle at
 * small N (Taxi: N = 6) and pay a barrier per reduction; an emulated adapter pays per invocation for each.
 */
@compute @workgroup_size(WG)
fn jkoStepThread(@builtin(local_invocation_id) lidv: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>,
                 @builtin(num_workgroups) nwg: vec3<u32>) {
  let s = wgIndex(wid, nwg) * WG + lidv.x;
  if (s >= P.S) { return; }
  let o = s * P.N;
  let N = P.N;
  var qmax = NEG_BIG;
  for (var j = 0u; j < N; j++) {
    stepStart(s, o, j);
    qmax = max(qmax, work[P.wQ + o + j]);
  }
  for (var k = 0u; k < N; k++) { stepHoldConst(o, k, qmax); }
  var it = 0u;
  var checkpoint = 3.0e38;
  loop {
    var part = vec2<f32>(0.0);
    for (var j = 0u; j < N; j++) { part += stepA(s, o, j, it); }
    if (stopCode(it, part.x, 8.0 * U32F * part.y, &checkpoint) != 0u) { break; }
    var mx = NEG_BIG;
    for (var k = 0u; k < N; k++) { mx = max(mx, stepProx(s, o, k, qmax)); }
    var zs = 0.0;
    for (var k = 0u; k < N; k++) { zs += exp(getLp(o, k) - mx); }
    let lzs = log(zs);
    for (var k = 0u; k < N; k++) { stepB(s, o, k, mx, zs, lzs); }
    it += 1u;
  }
  var cs = 0.0;
  for (var j = 0u; j < N; j++) { cs += transportPart(s, j); }
  for (var k = 0u; k < N; k++) { stepEnd(s, o, k); }
  work[P.wStCost + s] = cs;
  atomicMax(&ctrl[INNER_MAX], it);
}
