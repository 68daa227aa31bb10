// Policy evaluation and occupancy (ALGORITHMS.md §1) by BiCGSTAB on the GPU, warm-started, with every
// scalar of the method kept on the GPU (nothing is read back inside an iteration):
//   values:    A V = c,     A = I - gamma P_pi,   c(s) = sum_j pi(j|s) [r(s,j) - tau log(pi(j|s)/mu(j))]
//   occupancy: A^T d = (1 - gamma) rho0           (the transposed CSR)
// The two systems are independent, so they are solved side by side: every kernel below does its step of
// both (system t = 0 the values, t = 1 the occupancy), which halves the dispatches of an evaluation.
// A x is never formed: the product gathers through the CSR of P weighted by pi. Kernels:
//   kInit      (WG / LANES states per workgroup, lanes over its actions / incoming entries): c once per
//              evaluation (the entropy term of the fixed policy is not recomputed per iteration),
//              r = b - A x, rh = p = r;
//   kInitDots  (one thread per state): per-workgroup partials of rho = rh.r, max|r|, max|b|, max|x|;
//   then per BiCGSTAB iteration k (PARITY = k mod 2 picks the ping-pong copies of p and v; k is counted
//   on the GPU, see iterA/iterB, so one pipeline per kernel serves every iteration):
//   kMatP      p_k = r + beta (p_{k-1} - omega v_{k-1}) formed on the fly, v_k = A p_k;
//   kDotV      partials of rh.v_k;
//   kMatS      s = r - alpha v_k formed on the fly, t = A s;
//   kDotT      partials of t.s and t.t;
//   kUpdate    x += alpha p_k + omega s, r = s - omega t, partials of rho_{k+1} and max|r|.
// alpha, beta, omega and the residual are re-reduced from the previous kernels' per-workgroup partials
// by every workgroup that needs them (the same order everywhere, so every workgroup gets the same
// bits): five dispatches per iteration for both systems, two of them matrix products.
// Stop rule (f32): max_s |r(s)| <= krylovRel max_s |b(s)|, krylovRel = 2^-22 (a few units of f32 rounding
// of b); for the occupancy krylovRel max(max_s |b(s)|, max_s |d0(s)|), d0 the warm start (see solvedBy).
// The error of x is then at most that over (1 - gamma). An earlier bound divided the target by
// (1 - gamma) as well (f32 rounding of the largest possible |x|), which left V wrong by up to
// 2^-22 max|b| / (1 - gamma)^2: on FrozenLake 4x4 (gamma 0.95, V about 0.02) NPG then stopped at a relative
// gap of 1e-3.
// Where the target is still below what f32 can reach, a solve uses all its recorded iterations and the
// session counts it (evalSolvesAtRecordedCap). The first kMatP that finds the residual at the target
// raises the solve's flag (KP_DONE, cleared by kInitDots): every later kernel skips that system after one
// barrier (liveMask, both flags at once), before any reduction. Once both solves have finished, kMatP
// closes the gate: kDotV, kMatS, kDotT and kUpdate are dispatched indirectly from it and launch no
// workgroups, so a recorded iteration after convergence costs one short kMatP and four empty dispatches
// (an emulated adapter charges every launched workgroup with a barrier; a GPU launches none).
// qFromVFinal forms Q = r + gamma P V; occFinish normalises d (its mass goes to SC_MASS).

// the direct solve's kernels (kDenseRow, kDenseSolve): the occupancy's transposed system
override TRANSPOSE: bool = false;
// this iteration's k mod 2 and k == 0 for the system at hand, read from the GPU's iteration counters
var<private> PARITY: u32 = 0u;
var<private> FIRST: bool = false;
// lanes per state in the products (a power of two <= WG): WG / LANES states per workgroup, so short
// action rows do not leave most of a 64-lane workgroup idle
override LANES: u32 = 64u;

// The two systems are solved side by side, each kernel doing its step of both: t = 0 the values
// (A V = c), t = 1 the occupancy (A^T d = (1 - gamma) rho0). Each has its own block of the Krylov region
// (sysFloats floats; policyEvaluation.ts krylovFloats): vectors of S floats and per-workgroup partial
// arrays of kG floats.
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
// max|x| of the warm start (kInitDots), and one word: the solve-finished flag (0 from kInitDots on; set by
// the first kMatP that finds the residual at the target; every later kernel of the solve returns at once)
const KP_X: u32 = 8u;
const KP_DONE: u32 = 9u;
const KP_COUNT: u32 = 10u;

fn sysFloats() -> u32 { return KV_COUNT * P.S + KP_COUNT * P.kG + 2u; }
fn kv(t: u32, i: u32) -> u32 { return P.wK + t * sysFloats() + i * P.S; }
fn kp(t: u32, i: u32) -> u32 { return P.wK + t * sysFloats() + KV_COUNT * P.S + i * P.kG; }
fn xOff(t: u32) -> u32 { return select(P.wV, P.wDA, t == 1u); }
fn sweepsWord(t: u32) -> u32 { return select(EV_SWEEPS, OC_SWEEPS, t == 1u); }

// The iteration counters after the flag (words kp(t, KP_DONE) + 1 and + 2), zeroed by kInitDots. Each is
// written only by a kernel that does not read it, by one lane of workgroup 0: iterA = k, read by kMatP,
// kDotV and kMatS, set to iterB + 1 by kDotT; iterB = k, set by kMatS, read by kUpdate. So one pipeline
// per kernel serves every iteration (no pipeline per parity).
fn iterA(t: u32) -> u32 { return bitcast<u32>(work[kp(t, KP_DONE) + 1u]); }
fn iterB(t: u32) -> u32 { return bitcast<u32>(work[kp(t, KP_DONE) + 2u]); }
fn setIteration(k: u32) {
  PARITY = k % 2u;
  FIRST = k == 0u;
}

/** Sum over the LANES lanes of lid's state (segmented tree reduction); the same value in each of them. */
fn segSum(lid: u32, v: f32) -> f32 {
  if (LANES == 1u) { return v; }
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
  xmax: f32,
};

var<workgroup> ksum: array<vec4<f32>, WG>;
var<workgroup> kmax: array<vec4<f32>, WG>;
var<workgroup> kdone: u32;

/**
 * The systems whose solve still runs: bit t set while system t's finished flag is clear (uniform in the
 * workgroup; one barrier for both). A finished solve's remaining recorded steps are skipped, before any
 * reduction, and a kernel with neither system left returns at once.
 */
fn liveMask(lid: u32) -> u32 {
  if (lid == 0u) {
    var m = 0u;
    for (var t = 0u; t < 2u; t++) {
      if (bitcast<u32>(work[kp(t, KP_DONE)]) == 0u) { m |= 1u << t; }
    }
    kdone = m;
  }
  return workgroupUniformLoad(&kdone);
}
fn isLive(live: u32, t: u32) -> bool { return (live & (1u << t)) != 0u; }

/**
 * One tree pass over the first `width` lanes (a power of two; lanes beyond it are not read) of the sums in
 * ksum and the maxima in kmax, side by side: each component is combined in the same order as a separate
 * tree would, so the bits are those of separate reductions, at the barriers of one. `width` must be
 * uniform. Returns [sums, maxima] of lane 0, uniform in the workgroup.
 */
fn kTreeReduce(lid: u32, a: vec4<f32>, m: vec4<f32>, width: u32) -> array<vec4<f32>, 2> {
  ksum[lid] = a;
  kmax[lid] = m;
  workgroupBarrier();
  for (var w = width / 2u; w > 0u; w = w / 2u) {
    if (lid < w) {
      ksum[lid] += ksum[lid + w];
      kmax[lid] = max(kmax[lid], kmax[lid + w]);
    }
    workgroupBarrier();
  }
  return array<vec4<f32>, 2>(workgroupUniformLoad(&ksum[0]), workgroupUniformLoad(&kmax[0]));
}

/** A sum in .x and three maxima in .yzw over the workgroup's lanes, one tree (uniform results). */
fn wgSumMax3(lid: u32, a: f32, m: vec3<f32>) -> vec4<f32> {
  let r = kTreeReduce(lid, vec4<f32>(a, 0.0, 0.0, 0.0), vec4<f32>(m, 0.0), WG);
  return vec4<f32>(r[0].x, r[1].xyz);
}

/**
 * The scalars a kernel needs in ONE tree pass: the residual max|r|, max|b| and max|x0| always, rho_k and
 * rh.v_k when `dots`, t.s and t.t when `tdots` (the others stay 0 and their partials are not read).
 */
fn kScalars(t: u32, lid: u32, dots: bool, tdots: bool) -> KScalars {
  var a = vec4<f32>(0.0);
  var m = vec4<f32>(0.0);
  for (var i = lid; i < P.kG; i += WG) {
    if (dots) { a += vec4<f32>(work[kp(t, KP_RHO + PARITY) + i], work[kp(t, KP_RHV) + i], 0.0, 0.0); }
    if (tdots) { a += vec4<f32>(0.0, 0.0, work[kp(t, KP_TS) + i], work[kp(t, KP_TT) + i]); }
    m = max(m, vec4<f32>(work[kp(t, KP_RES + PARITY) + i], work[kp(t, KP_B) + i], work[kp(t, KP_X) + i], 0.0));
  }
  // kTree = the partial count rounded up to a power of two (at most WG): lanes beyond it hold zeros,
  // so the shorter tree gives the bits of the full one with fewer barriers
  let r = kTreeReduce(lid, a, m, P.kTree);
  return KScalars(r[0].x, r[0].y, r[0].z, r[0].w, r[1].x, r[1].y, r[1].z);
}

/**
 * True when the residual of system t's iteration start is at the f32 target (same value in every lane):
 * krylovRel (2^-22) times max|b|, and for the occupancy (t = 1) times the larger of max|b| and max|x| of
 * the warm start. For the occupancy, b = (1 - gamma) rho0 is smaller than d by about 1 / (1 - gamma) (and
 * by the spread of rho0), so 2^-22 max|b| lies below the f32 floor of its true residual (b - A d rounds to
 * about 2 u max|d|, u = 2^-24): only BiCGSTAB's recursively updated residual, drifting away from the true
 * one, ever meets it, and a warm start whose policy did not change re-ran those iterations every update
 * (Taxi: 10 per update). d only weights states (metrics, trust regions, the OT dual), relative to its
 * largest entry. The values keep the strict target: iterations past the floor of the true residual still
 * make V more accurate in practice (FrozenLake 8x8, NPG: the final gap 1.7e-7 with it, 2.9e-7 with the
 * floor term, against a convergence tolerance of 1.7e-7).
 */
fn solvedBy(t: u32, k: KScalars) -> bool {
  let scale = select(k.bmax, max(k.bmax, k.xmax), t == 1u);
  return k.res <= P.krylovRel * scale;
}

/** Two sums of one tree pass (uniform). */
fn wgSum2(lid: u32, a: f32, b: f32) -> vec2<f32> {
  return kTreeReduce(lid, vec4<f32>(a, b, 0.0, 0.0), vec4<f32>(0.0), WG)[0].xy;
}

// which vector y the product A y of system t reads at a neighbour: 0 = x, 1 = p_k on the fly, 2 = s on the fly
fn yAt(t: u32, mode: u32, i: u32, beta: f32, omega: f32, alpha: f32) -> f32 {
  if (mode == 0u) { return work[xOff(t) + i]; }
  if (mode == 1u) {
    if (FIRST) { return work[kv(t, KV_R) + i]; }
    let q = 1u - PARITY;
    return work[kv(t, KV_R) + i] + beta * (work[kv(t, KV_P + q) + i] - omega * work[kv(t, KV_V + q) + i]);
  }
  return work[kv(t, KV_R) + i] - alpha * work[kv(t, KV_V + PARITY) + i];
}

/**
 * Lane `lane`'s share of (P_pi y)(s) (t = 0) or (P_pi^T y)(s) (t = 1): the LANES lanes of s stride over
 * its actions (their CSR rows) or over the entries into s (the transposed CSR).
 */
fn gatherPart(t: u32, s: u32, lane: u32, mode: u32, beta: f32, omega: f32, alpha: f32) -> f32 {
  var acc = 0.0;
  if (s >= P.S) { return 0.0; }
  if (t == 1u) {
    let e0 = graph[P.gTPtr + s];
    let e1 = graph[P.gTPtr + s + 1u];
    for (var e = e0 + lane; e < e1; e += LANES) {
      let sj = graph[P.gTSrc + e];
      acc += pi[sj] * bitcast<f32>(graph[P.gTProb + e]) * yAt(t, mode, sj / P.N, beta, omega, alpha);
    }
  } else {
    let o = s * P.N;
    for (var j = lane; j < P.N; j += LANES) {
      let p = pi[o + j];
      if (p > 0.0) {
        var a = 0.0;
        for (var e = graph[P.gRowPtr + o + j]; e < graph[P.gRowPtr + o + j + 1u]; e++) {
          a += probAt(e) * yAt(t, mode, graph[P.gNext + e], beta, omega, alpha);
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
  // the values' right-hand side c(s) (the entropy term of the fixed policy, once per evaluation)
  var bPart = 0.0;
  if (s < P.S) {
    let o = s * P.N;
    for (var j = lane; j < P.N; j += LANES) {
      let p = pi[o + j];
      if (p > 0.0) { bPart += p * reward(o + j) - P.tau * xlogx(p, mu(j)); }
    }
  }
  let bsum = segSum(lid, bPart);
  for (var t = 0u; t < 2u; t++) {
    let g = segSum(lid, gatherPart(t, s, lane, 0u, 0.0, 0.0, 0.0));
    if (lane == 0u && s < P.S) {
      let bs = select(bsum, (1.0 - P.gamma) * model[P.oRho0 + s], t == 1u);
      let r = bs - (work[xOff(t) + s] - P.gamma * g);
      work[kv(t, KV_B) + s] = bs;
      work[kv(t, KV_R) + s] = r;
      work[kv(t, KV_RH) + s] = r;
    }
  }
}

@compute @workgroup_size(WG)
fn kInitDots(@builtin(local_invocation_id) lidv: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let lid = lidv.x;
  let g = wgIndex(wid, nwg);
  let s = g * WG + lid;
  for (var t = 0u; t < 2u; t++) {
    var rr = 0.0;
    var rm = 0.0;
    var bm = 0.0;
    var xm = 0.0;
    if (s < P.S) {
      let r = work[kv(t, KV_R) + s];
      rr = r * r;
      rm = select(abs(r), 3.0e38, nonFinite(r));
      bm = abs(work[kv(t, KV_B) + s]);
      let x = work[xOff(t) + s];
      xm = select(abs(x), 0.0, nonFinite(x));
    }
    let a = wgSumMax3(lid, rr, vec3<f32>(rm, bm, xm));
    if (lid == 0u) {
      work[kp(t, KP_RHO) + g] = a.x;
      work[kp(t, KP_RES) + g] = a.y;
      work[kp(t, KP_B) + g] = a.z;
      work[kp(t, KP_X) + g] = a.w;
      if (g == 0u) {
        atomicStore(&ctrl[sweepsWord(t)], 0u);
        work[kp(t, KP_DONE)] = 0.0;
        work[kp(t, KP_DONE) + 1u] = bitcast<f32>(0u);
        work[kp(t, KP_DONE) + 2u] = bitcast<f32>(0u);
      }
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

// The gate (binding 8, bound by kMatP only): the indirect arguments of kDotV, kDotT and kUpdate (per-state
// workgroups, P.gateGx x P.gateGy) and of kMatS (product workgroups, P.gateWx x P.gateWy), zero once
// both solves have finished. Written by kMatP's first lane for the kernels after it.
@group(0) @binding(8) var<storage, read_write> gate: array<u32>;

@compute @workgroup_size(WG)
fn kMatP(@builtin(local_invocation_id) lidv: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let lid = lidv.x;
  let s = productState(lid, wid, nwg);
  let writer = lid == 0u && wgIndex(wid, nwg) == 0u;
  var running = false;
  let live = liveMask(lid);
  if (live == 0u) { return; }
  for (var t = 0u; t < 2u; t++) {
    if (!isLive(live, t)) { continue; }
    setIteration(iterA(t));
    let k = kScalars(t, lid, !FIRST, !FIRST);
    if (solvedBy(t, k)) {
      // every workgroup found the same bits; the first one raises the flag for the kernels after it
      if (writer) { work[kp(t, KP_DONE)] = 1.0; }
      continue;
    }
    running = true;
    var beta = 0.0;
    var omega = 0.0;
    if (!FIRST) {
      // beta = (rho_k / rho_{k-1}) (alpha_{k-1} / omega_{k-1}); alpha_{k-1} = rho_{k-1} / rh.v_{k-1}
      omega = omegaOf(k);
      // restart along r (beta = 0) at a breakdown
      beta = select(0.0, k.rho / k.rhv / omega, k.rhv != 0.0 && omega != 0.0);
      if (nonFinite(beta)) { beta = 0.0; }
    }
    let g = segSum(lid, gatherPart(t, s, lid % LANES, 1u, beta, omega, 0.0));
    if (lid % LANES == 0u && s < P.S) {
      let p = yAt(t, 1u, s, beta, omega, 0.0);
      work[kv(t, KV_P + PARITY) + s] = p;
      work[kv(t, KV_V + PARITY) + s] = p - P.gamma * g;
    }
  }
  if (writer) {
    gate[0] = select(0u, P.gateWx, running);
    gate[1] = select(0u, P.gateWy, running);
    gate[2] = 1u;
    gate[3] = select(0u, P.gateGx, running);
    gate[4] = select(0u, P.gateGy, running);
    gate[5] = 1u;
  }
}

@compute @workgroup_size(WG)
fn kDotV(@builtin(local_invocation_id) lidv: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let lid = lidv.x;
  let g = wgIndex(wid, nwg);
  let s = g * WG + lid;
  let live = liveMask(lid);
  if (live == 0u) { return; }
  for (var t = 0u; t < 2u; t++) {
    if (!isLive(live, t)) { continue; }
    setIteration(iterA(t));
    var a = 0.0;
    if (s < P.S) { a = work[kv(t, KV_RH) + s] * work[kv(t, KV_V + PARITY) + s]; }
    let d = wgSum(lid, a);
    if (lid == 0u) { work[kp(t, KP_RHV) + g] = d; }
  }
}

@compute @workgroup_size(WG)
fn kMatS(@builtin(local_invocation_id) lidv: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let lid = lidv.x;
  let s = productState(lid, wid, nwg);
  let live = liveMask(lid);
  if (live == 0u) { return; }
  for (var t = 0u; t < 2u; t++) {
    if (!isLive(live, t)) { continue; }
    let it = iterA(t);
    setIteration(it);
    if (lid == 0u && wgIndex(wid, nwg) == 0u) { work[kp(t, KP_DONE) + 2u] = bitcast<f32>(it); }
    let k = kScalars(t, lid, true, false);
    let alpha = alphaOf(k);
    let g = segSum(lid, gatherPart(t, s, lid % LANES, 2u, 0.0, 0.0, alpha));
    if (lid % LANES == 0u && s < P.S) {
      let sv = yAt(t, 2u, s, 0.0, 0.0, alpha);
      work[kv(t, KV_S) + s] = sv;
      work[kv(t, KV_T) + s] = sv - P.gamma * g;
    }
  }
}

@compute @workgroup_size(WG)
fn kDotT(@builtin(local_invocation_id) lidv: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let lid = lidv.x;
  let g = wgIndex(wid, nwg);
  let s = g * WG + lid;
  let live = liveMask(lid);
  if (live == 0u) { return; }
  for (var t = 0u; t < 2u; t++) {
    if (!isLive(live, t)) { continue; }
    if (lid == 0u && g == 0u) { work[kp(t, KP_DONE) + 1u] = bitcast<f32>(iterB(t) + 1u); }
    var ts = 0.0;
    var tt = 0.0;
    if (s < P.S) {
      let tv = work[kv(t, KV_T) + s];
      ts = tv * work[kv(t, KV_S) + s];
      tt = tv * tv;
    }
    let ab = wgSum2(lid, ts, tt);
    if (lid == 0u) {
      work[kp(t, KP_TS) + g] = ab.x;
      work[kp(t, KP_TT) + g] = ab.y;
    }
  }
}

@compute @workgroup_size(WG)
fn kUpdate(@builtin(local_invocation_id) lidv: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let lid = lidv.x;
  let g = wgIndex(wid, nwg);
  let s = g * WG + lid;
  let live = liveMask(lid);
  if (live == 0u) { return; }
  for (var t = 0u; t < 2u; t++) {
    if (!isLive(live, t)) { continue; }
    setIteration(iterB(t));
    let next = 1u - PARITY;
    let k = kScalars(t, lid, true, true);
    let alpha = alphaOf(k);
    let omega = omegaOf(k);
    var rho = 0.0;
    var rm = 0.0;
    if (s < P.S) {
      let sv = work[kv(t, KV_S) + s];
      let x = work[xOff(t) + s] + alpha * work[kv(t, KV_P + PARITY) + s] + omega * sv;
      work[xOff(t) + s] = x;
      let r = sv - omega * work[kv(t, KV_T) + s];
      work[kv(t, KV_R) + s] = r;
      rho = work[kv(t, KV_RH) + s] * r;
      rm = select(abs(r), 3.0e38, nonFinite(r));
    }
    let a = wgSumMax3(lid, rho, vec3<f32>(rm, 0.0, 0.0));
    if (lid == 0u) {
      work[kp(t, KP_RHO + next) + g] = a.x;
      work[kp(t, KP_RES + next) + g] = a.y;
      if (g == 0u) { atomicAdd(&ctrl[sweepsWord(t)], 1u); }
    }
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
    work[xOff(select(0u, 1u, TRANSPOSE)) + i] = x;
  }
  if (i == 0u) { atomicStore(&ctrl[select(EV_SWEEPS, OC_SWEEPS, TRANSPOSE)], 0u); }
}
