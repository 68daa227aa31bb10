// Policy evaluation and occupancy (ALGORITHMS.md §1) by BiCGSTAB on the GPU, warm-started, with every
// scalar of the method kept on the GPU (nothing is read back inside an iteration):
//   values:    A V = c,     A = I - gamma P_pi,   c(s) = sum_j pi(j|s) [r(s,j) - tau log(pi(j|s)/mu(j))]
//   occupancy: A^T d = (1 - gamma) rho0           (the transposed CSR; TRANSPOSE = true)
// A x is never formed: the product gathers through the CSR of P weighted by pi. Kernels:
//   kInit      (one workgroup per state, lanes over its actions / incoming entries): c once per
//              evaluation (the entropy term of the fixed policy is not recomputed per iteration),
//              r = b - A x, rh = p = r;
//   kInitDots  (one thread per state): per-workgroup partials of rho = rh.r, max|r|, max|b|;
//   then per BiCGSTAB iteration k (PARITY = k mod 2 picks the ping-pong copies of p and v):
//   kMatP      p_k = r + beta (p_{k-1} - omega v_{k-1}) formed on the fly, v_k = A p_k;
//   kDotV      partials of rh.v_k;
//   kMatS      s = r - alpha v_k formed on the fly, t = A s;
//   kDotT      partials of t.s and t.t;
//   kUpdate    x += alpha p_k + omega s, r = s - omega t, partials of rho_{k+1} and max|r|.
// alpha, beta, omega and the residual are re-reduced from the previous kernels' per-workgroup partials
// by every workgroup that needs them (the same order everywhere, so every workgroup gets the same
// bits): five dispatches per iteration, two of them matrix products.
// Stop rule (f32): max_s |r(s)| <= krylovRel max_s |b(s)|, krylovRel = 2^-22 (a few units of f32 rounding
// of b). The error of x is then at most that over (1 - gamma). An earlier bound divided the target by
// (1 - gamma) as well (f32 rounding of the largest possible |x|), which left V wrong by up to
// 2^-22 max|b| / (1 - gamma)^2: on FrozenLake 4x4 (gamma 0.95, V about 0.02) NPG then stopped at a relative
// gap of 1e-3. Where this target is below what f32 can reach, a solve uses all its recorded iterations and
// the session counts it (evalSolvesAtRecordedCap). A finished solve turns the remaining recorded iterations into no-ops (every kernel tests
// the residual first; kUpdate then writes a zero residual so the test stays true).
// qFromVFinal forms Q = r + gamma P V; occFinish normalises d (its mass goes to SC_MASS).

override TRANSPOSE: bool = false;
override PARITY: u32 = 0u;
override FIRST: bool = false;
// lanes per state in the products (a power of two <= WG): WG / LANES states per workgroup, so short
// action rows do not leave most of a 64-lane workgroup idle
override LANES: u32 = 64u;

// vectors of the Krylov region (S floats each) and per-workgroup partial arrays (kG floats each)
const KV_R: u32 = 0u;
const KV_RH: u32 = 1u;
const KV_P: u32 = 2u;
const KV_V: u32 = 4u;
const KV_S: u32 = 6u;
const KV_T: u32 = 7u;
const KV_B: u32 = 8u;
const KV_COUNT: u32 = 9u;
const KP_RHV: u32 = 0u;
const KP_TS: u32 = 1u;
const KP_TT: u32 = 2u;
const KP_RHO: u32 = 3u;
const KP_RES: u32 = 5u;
const KP_B: u32 = 7u;

fn kv(i: u32) -> u32 { return P.wK + i * P.S; }
fn kp(i: u32) -> u32 { return P.wK + KV_COUNT * P.S + i * P.kG; }
fn xOff() -> u32 { return select(P.wV, P.wDA, TRANSPOSE); }

/** Sum over the LANES lanes of lid's state (segmented tree reduction); the same value in each of them. */
fn segSum(lid: u32, v: f32) -> f32 {
  cred[lid] = v;
  workgroupBarrier();
  for (var w = LANES / 2u; w > 0u; w = w / 2u) {
    if ((lid % LANES) < w) { cred[lid] += cred[lid + w]; }
    workgroupBarrier();
  }
  let r = cred[lid - lid % LANES];
  workgroupBarrier();
  return r;
}

/** The state of lane lid in a product kernel (WG / LANES states per workgroup). */
fn productState(lid: u32, wid: vec3<u32>, nwg: vec3<u32>) -> u32 {
  return wgIndex(wid, nwg) * (WG / LANES) + lid / LANES;
}

/** The scalars of an iteration, re-reduced from the per-workgroup partials (uniform in the workgroup). */
struct KScalars {
  rho: f32,
  rhv: f32,
  ts: f32,
  tt: f32,
  res: f32,
  bmax: f32,
};

var<workgroup> ksum: array<vec4<f32>, WG>;
var<workgroup> kmax: array<vec2<f32>, WG>;

/**
 * The scalars a kernel needs in ONE tree pass (sums and maxima side by side): the residual max|r| and
 * max|b| always, rho_k and rh.v_k when `dots`, t.s and t.t when `tdots` (the others stay 0 and their
 * partials are not read). Each component is summed in the same order as a separate tree would, so the
 * bits are those of separate reductions, at the barriers of one.
 */
fn kScalars(lid: u32, dots: bool, tdots: bool) -> KScalars {
  var a = vec4<f32>(0.0);
  var m = vec2<f32>(0.0);
  for (var i = lid; i < P.kG; i += WG) {
    if (dots) { a += vec4<f32>(work[kp(KP_RHO + PARITY) + i], work[kp(KP_RHV) + i], 0.0, 0.0); }
    if (tdots) { a += vec4<f32>(0.0, 0.0, work[kp(KP_TS) + i], work[kp(KP_TT) + i]); }
    m = max(m, vec2<f32>(work[kp(KP_RES + PARITY) + i], work[kp(KP_B) + i]));
  }
  ksum[lid] = a;
  kmax[lid] = m;
  workgroupBarrier();
  for (var w = WG / 2u; w > 0u; w = w / 2u) {
    if (lid < w) {
      ksum[lid] += ksum[lid + w];
      kmax[lid] = max(kmax[lid], kmax[lid + w]);
    }
    workgroupBarrier();
  }
  let sv = workgroupUniformLoad(&ksum[0]);
  let mv = workgroupUniformLoad(&kmax[0]);
  return KScalars(sv.x, sv.y, sv.z, sv.w, mv.x, mv.y);
}

/** True when the residual of this iteration's start is at the f32 target (same value in every lane). */
fn solvedBy(k: KScalars) -> bool {
  return k.res <= P.krylovRel * k.bmax;
}

/** Two sums of one tree pass (uniform). */
fn wgSum2(lid: u32, a: f32, b: f32) -> vec2<f32> {
  ksum[lid] = vec4<f32>(a, b, 0.0, 0.0);
  workgroupBarrier();
  for (var w = WG / 2u; w > 0u; w = w / 2u) {
    if (lid < w) { ksum[lid] += ksum[lid + w]; }
    workgroupBarrier();
  }
  return workgroupUniformLoad(&ksum[0]).xy;
}

// which vector y the product A y reads at a neighbour: 0 = x, 1 = p_k on the fly, 2 = s on the fly
fn yAt(mode: u32, i: u32, beta: f32, omega: f32, alpha: f32) -> f32 {
  if (mode == 0u) { return work[xOff() + i]; }
  if (mode == 1u) {
    if (FIRST) { return work[kv(KV_R) + i]; }
    let q = 1u - PARITY;
    return work[kv(KV_R) + i] + beta * (work[kv(KV_P + q) + i] - omega * work[kv(KV_V + q) + i]);
  }
  return work[kv(KV_R) + i] - alpha * work[kv(KV_V + PARITY) + i];
}

/**
 * Lane `lane`'s share of (P_pi y)(s) (or (P_pi^T y)(s) when TRANSPOSE): the LANES lanes of s stride over
 * its actions (their CSR rows) or over the entries into s.
 */
fn gatherPart(s: u32, lane: u32, mode: u32, beta: f32, omega: f32, alpha: f32) -> f32 {
  var acc = 0.0;
  if (s >= P.S) { return 0.0; }
  if (TRANSPOSE) {
    let e0 = graph[P.gTPtr + s];
    let e1 = graph[P.gTPtr + s + 1u];
    for (var e = e0 + lane; e < e1; e += LANES) {
      let sj = graph[P.gTSrc + e];
      acc += pi[sj] * bitcast<f32>(graph[P.gTProb + e]) * yAt(mode, sj / P.N, beta, omega, alpha);
    }
  } else {
    let o = s * P.N;
    for (var j = lane; j < P.N; j += LANES) {
      let p = pi[o + j];
      if (p > 0.0) {
        var a = 0.0;
        for (var e = graph[P.gRowPtr + o + j]; e < graph[P.gRowPtr + o + j + 1u]; e++) {
          a += probAt(e) * yAt(mode, graph[P.gNext + e], beta, omega, alpha);
        }
        acc += p * a;
      }
    }
  }
  return acc;
}

@compute @workgroup_size(WG)
fn kInit(@builtin(local_invocation_id) lidv: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let lid = lidv.x;
  let s = productState(lid, wid, nwg);
  let lane = lid % LANES;
  var bPart = 0.0;
  if (!TRANSPOSE && s < P.S) {
    let o = s * P.N;
    for (var j = lane; j < P.N; j += LANES) {
      let p = pi[o + j];
      if (p > 0.0) { bPart += p * reward(o + j) - P.tau * xlogx(p, mu(j)); }
    }
  }
  let bsum = segSum(lid, bPart);
  let g = segSum(lid, gatherPart(s, lane, 0u, 0.0, 0.0, 0.0));
  if (lane == 0u && s < P.S) {
    let bs = select(bsum, (1.0 - P.gamma) * model[P.oRho0 + s], TRANSPOSE);
    let r = bs - (work[xOff() + s] - P.gamma * g);
    work[kv(KV_B) + s] = bs;
    work[kv(KV_R) + s] = r;
    work[kv(KV_RH) + s] = r;
  }
}

@compute @workgroup_size(WG)
fn kInitDots(@builtin(local_invocation_id) lidv: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let lid = lidv.x;
  let g = wgIndex(wid, nwg);
  let s = g * WG + lid;
  var rr = 0.0;
  var rm = 0.0;
  var bm = 0.0;
  if (s < P.S) {
    let r = work[kv(KV_R) + s];
    rr = r * r;
    rm = select(abs(r), 3.0e38, nonFinite(r));
    bm = abs(work[kv(KV_B) + s]);
  }
  let a = wgSum(lid, rr);
  let b = wgMaxF(lid, rm);
  let c = wgMaxF(lid, bm);
  if (lid == 0u) {
    work[kp(KP_RHO) + g] = a;
    work[kp(KP_RES) + g] = b;
    work[kp(KP_B) + g] = c;
    if (g == 0u) {
      atomicStore(&ctrl[select(EV_SWEEPS, OC_SWEEPS, TRANSPOSE)], 0u);
    }
  }
}

/** rho_k / rh.v_k (0 at a breakdown). */
fn alphaOf(k: KScalars) -> f32 {
  return select(0.0, k.rho / k.rhv, k.rhv != 0.0);
}

fn omegaOf(k: KScalars) -> f32 {
  return select(0.0, k.ts / k.tt, k.tt > 0.0);
}

@compute @workgroup_size(WG)
fn kMatP(@builtin(local_invocation_id) lidv: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let lid = lidv.x;
  let s = productState(lid, wid, nwg);
  let k = kScalars(lid, !FIRST, !FIRST);
  if (solvedBy(k)) { return; }
  var beta = 0.0;
  var omega = 0.0;
  if (!FIRST) {
    // beta = (rho_k / rho_{k-1}) (alpha_{k-1} / omega_{k-1}); alpha_{k-1} = rho_{k-1} / rh.v_{k-1}
    let rho = k.rho;
    let rhv = k.rhv;
    omega = omegaOf(k);
    // restart along r (beta = 0) at a breakdown
    beta = select(0.0, rho / rhv / omega, rhv != 0.0 && omega != 0.0);
    if (nonFinite(beta)) { beta = 0.0; }
  }
  let g = segSum(lid, gatherPart(s, lid % LANES, 1u, beta, omega, 0.0));
  if (lid % LANES == 0u && s < P.S) {
    let p = yAt(1u, s, beta, omega, 0.0);
    work[kv(KV_P + PARITY) + s] = p;
    work[kv(KV_V + PARITY) + s] = p - P.gamma * g;
  }
}

@compute @workgroup_size(WG)
fn kDotV(@builtin(local_invocation_id) lidv: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let lid = lidv.x;
  let g = wgIndex(wid, nwg);
  if (solvedBy(kScalars(lid, false, false))) { return; }
  let s = g * WG + lid;
  var a = 0.0;
  if (s < P.S) { a = work[kv(KV_RH) + s] * work[kv(KV_V + PARITY) + s]; }
  let t = wgSum(lid, a);
  if (lid == 0u) { work[kp(KP_RHV) + g] = t; }
}

@compute @workgroup_size(WG)
fn kMatS(@builtin(local_invocation_id) lidv: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let lid = lidv.x;
  let s = productState(lid, wid, nwg);
  let k = kScalars(lid, true, false);
  if (solvedBy(k)) { return; }
  let alpha = alphaOf(k);
  let g = segSum(lid, gatherPart(s, lid % LANES, 2u, 0.0, 0.0, alpha));
  if (lid % LANES == 0u && s < P.S) {
    let sv = yAt(2u, s, 0.0, 0.0, alpha);
    work[kv(KV_S) + s] = sv;
    work[kv(KV_T) + s] = sv - P.gamma * g;
  }
}

@compute @workgroup_size(WG)
fn kDotT(@builtin(local_invocation_id) lidv: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let lid = lidv.x;
  let g = wgIndex(wid, nwg);
  if (solvedBy(kScalars(lid, false, false))) { return; }
  let s = g * WG + lid;
  var ts = 0.0;
  var tt = 0.0;
  if (s < P.S) {
    let t = work[kv(KV_T) + s];
    ts = t * work[kv(KV_S) + s];
    tt = t * t;
  }
  let ab = wgSum2(lid, ts, tt);
  if (lid == 0u) {
    work[kp(KP_TS) + g] = ab.x;
    work[kp(KP_TT) + g] = ab.y;
  }
}

@compute @workgroup_size(WG)
fn kUpdate(@builtin(local_invocation_id) lidv: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let lid = lidv.x;
  let g = wgIndex(wid, nwg);
  let next = 1u - PARITY;
  let k = kScalars(lid, true, true);
  if (solvedBy(k)) {
    // keep the next iteration's test true
    if (lid == 0u) { work[kp(KP_RES + next) + g] = 0.0; }
    return;
  }
  let alpha = alphaOf(k);
  let omega = omegaOf(k);
  let s = g * WG + lid;
  var rho = 0.0;
  var rm = 0.0;
  if (s < P.S) {
    let sv = work[kv(KV_S) + s];
    let x = work[xOff() + s] + alpha * work[kv(KV_P + PARITY) + s] + omega * sv;
    work[xOff() + s] = x;
    let r = sv - omega * work[kv(KV_T) + s];
    work[kv(KV_R) + s] = r;
    rho = work[kv(KV_RH) + s] * r;
    rm = select(abs(r), 3.0e38, nonFinite(r));
  }
  let a = wgSum(lid, rho);
  let b = wgMaxF(lid, rm);
  if (lid == 0u) {
    work[kp(KP_RHO + next) + g] = a;
    work[kp(KP_RES + next) + g] = b;
    if (g == 0u) { atomicAdd(&ctrl[select(EV_SWEEPS, OC_SWEEPS, TRANSPOSE)], 1u); }
  }
}

@compute @workgroup_size(WG)
fn qFromVFinal(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let sj = linearIndex(gid, nwg);
  if (sj >= P.SN) { return; }
  qRow(sj, P.wV);
}

/**
 * The soft-greedy (tau > 0) or greedy (tau = 0, lowest index) policy of the current Q: one workgroup
 * per state, lanes over its actions, tree reductions for the maximum and the normaliser.
 */
@compute @workgroup_size(WG)
fn greedyPolicy(@builtin(local_invocation_id) lidv: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let s = wgIndex(wid, nwg);
  if (s >= P.S) { return; }
  _ = softGreedyRow(lidv.x, s * P.N);
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

// ---- direct solve for S <= DIRECT_MAX (policyEvaluation.ts: directSolve) ----------------------------
// The dense system in the Krylov region (unused on this path), row-major S x (S + 1) with the right-hand
// side in column S: M = [A | b] for the values, [A^T | (1 - gamma) rho0] for the occupancy.
//   kDenseRow   one workgroup per state t, lanes over its actions: row t of A (A(t, u) = delta(t, u)
//               - gamma sum_j pi(j|t) P(u|t, j)) accumulated per lane in workgroup memory, then summed
//               over the lanes per column; stored as row t of M, or as column t (TRANSPOSE);
//   kDenseSolve ONE workgroup (S^3 work, not S*N): Gauss-Jordan without pivoting, exact to f32 rounding
//               (A = I - gamma P_pi is strictly diagonally dominant by rows, A^T by columns: elimination
//               without pivoting is backward stable on both and never meets a zero pivot); x -> V or dA.
const DIRECT_MAX: u32 = 60u;
const DM: u32 = 61u;

var<workgroup> dacc: array<f32, 3904>; // WG * DM
var<workgroup> dm: array<f32, 3660>; // DIRECT_MAX * DM

fn mAt(i: u32, c: u32) -> u32 { return P.wK + i * (P.S + 1u) + c; }

@compute @workgroup_size(WG)
fn kDenseRow(@builtin(local_invocation_id) lidv: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let l = lidv.x;
  let t = wgIndex(wid, nwg);
  if (t >= P.S) { return; }
  for (var u = 0u; u <= P.S; u++) { dacc[l * DM + u] = 0.0; }
  let o = t * P.N;
  var bPart = 0.0;
  for (var j = l; j < P.N; j += WG) {
    let p = pi[o + j];
    if (p > 0.0) {
      if (!TRANSPOSE) { bPart += p * reward(o + j) - P.tau * xlogx(p, mu(j)); }
      for (var e = graph[P.gRowPtr + o + j]; e < graph[P.gRowPtr + o + j + 1u]; e++) {
        let u = graph[P.gNext + e];
        dacc[l * DM + u] += p * probAt(e);
      }
    }
  }
  dacc[l * DM + P.S] = bPart;
  workgroupBarrier();
  if (l <= P.S) {
    var acc = 0.0;
    for (var k = 0u; k < WG; k++) { acc += dacc[k * DM + l]; }
    if (l == P.S) {
      work[mAt(t, P.S)] = select(acc, (1.0 - P.gamma) * model[P.oRho0 + t], TRANSPOSE);
    } else {
      let a = select(0.0, 1.0, l == t) - P.gamma * acc;
      work[select(mAt(t, l), mAt(l, t), TRANSPOSE)] = a;
    }
  }
}

@compute @workgroup_size(WG)
fn kDenseSolve(@builtin(local_invocation_id) lidv: vec3<u32>) {
  let i = lidv.x;
  let S = P.S;
  for (var k = i; k < S * DM; k += WG) {
    let r = k / DM;
    let c = k % DM;
    if (c <= S) { dm[k] = work[mAt(r, c)]; }
  }
  workgroupBarrier();
  for (var k = 0u; k < S; k++) {
    // row i != k subtracts f times row k (row k is not written in step k; its own column first)
    if (i < S && i != k) {
      let f = dm[i * DM + k] / dm[k * DM + k];
      for (var c = k; c <= S; c++) { dm[i * DM + c] -= f * dm[k * DM + c]; }
    }
    workgroupBarrier();
  }
  if (i < S) {
    let x = dm[i * DM + S] / dm[i * DM + i];
    work[xOff() + i] = x;
  }
  if (i == 0u) { atomicStore(&ctrl[select(EV_SWEEPS, OC_SWEEPS, TRANSPOSE)], 0u); }
}
