// Shared prelude of every session kernel (concatenated in front of each pass's WGSL by layout.ts).
// One bind-group layout for the whole session: the model (read-only f32), the graph (read-only u32:
// CSR of P, its transpose, grid neighbours), the policy, one f32 work buffer split into regions by
// the offsets in Params, atomic control words, the metrics rows and an u32 scratch buffer.

override WG: u32 = 64u;

struct Params {
  S: u32, N: u32, SN: u32, nCand: u32,
  gamma: f32, tau: f32, krylovRel: f32, pad0: f32,
  oReward: u32, oMu: u32, oRho0: u32, oCost: u32,
  oDStar: u32, oPiStar: u32, gRowPtr: u32, gNext: u32,
  gProb: u32, gTPtr: u32, gTSrc: u32, gTProb: u32,
  gNbr: u32, gNbrEdge: u32, wV: u32, wQ: u32,
  wDA: u32, wDB: u32, wD: u32, wDOld: u32,
  wPiOld: u32, wPhi: u32, wStat: u32, wStCost: u32,
  wScratch: u32, wCand: u32, wScal: u32, aTlo: u32,
  // method: 1 = WPO (the OT move to the lowest index), 2 = (soft) value iteration, else 0
  aThi: u32, aFirst: u32, method: u32, weighting: u32,
  otRadius: f32, eta: f32, alpha: f32, cfl: f32,
  dtFixed: f32, tieTol: f32, sinkTol: f32, maxInner: u32,
  gOrder: u32, oPos: u32, cminPos: f32, cmax: f32,
  delta: f32, vScale: f32, metricRow: u32, rowStride: u32,
  M: u32, key0: u32, key1: u32, gridN: u32,
  gridDim: u32, aX: u32, lgDt: f32, lgNoise: f32,
  lo0: f32, lo1: f32, hi0: f32, hi1: f32,
  h0: f32, h1: f32, wK: u32, kG: u32,
  sinkhornBlur: f32, aG: u32, negInvBlur: f32, linePow: u32,
  aEnv: u32, kTree: u32, oLinePos: u32, gateWx: u32,
  gateWy: u32, gateGx: u32, gateGy: u32, pad7: u32,
};

@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read> model: array<f32>;
@group(0) @binding(2) var<storage, read> graph: array<u32>;
@group(0) @binding(3) var<storage, read_write> pi: array<f32>;
@group(0) @binding(4) var<storage, read_write> work: array<f32>;
@group(0) @binding(5) var<storage, read_write> ctrl: array<atomic<u32>>;
@group(0) @binding(6) var<storage, read_write> rows: array<f32>;
@group(0) @binding(7) var<storage, read_write> aux: array<u32>;

// control words (atomic u32)
const EV_DONE: u32 = 0u;
const EV_RES: u32 = 1u;
const EV_SWEEPS: u32 = 2u;
const EV_LAST: u32 = 3u;
const OC_DONE: u32 = 4u;
const OC_RES: u32 = 5u;
const OC_SWEEPS: u32 = 6u;
const OC_LAST: u32 = 7u;
const BAD: u32 = 8u;
const RATE: u32 = 9u;
const ROW: u32 = 10u;
const SEARCH_DONE: u32 = 11u;
const INNER_MAX: u32 = 12u;
const EXCEED: u32 = 13u;
const STEP: u32 = 14u;
const CHANGE: u32 = 15u;
const VMAX: u32 = 16u;

/** The f32 rounding floor of a Jacobi sweep on values of magnitude vmax (about 2 ulps). */
fn roundingFloor(vmax: f32) -> f32 { return 2.5e-7 * vmax; }

// scalar slots in work[P.wScal + i]
const SC_MASS: u32 = 0u;
const SC_DT: u32 = 1u;
const SC_LAMBDA: u32 = 2u;
const SC_LO: u32 = 3u;
const SC_HI: u32 = 4u;
const SC_CLO: u32 = 5u;
const SC_CHI: u32 = 6u;
const SC_T: u32 = 7u;
const SC_UP: u32 = 8u;
const SC_EXTRA: u32 = 10u;

const NEG_BIG: f32 = -3.0e38;

fn nonFinite(x: f32) -> bool {
  return (bitcast<u32>(x) & 0x7f800000u) == 0x7f800000u;
}

/** Order-preserving bits of a non-negative f32 (NaN maps above +Inf) for atomicMax. */
fn maxBits(x: f32) -> u32 {
  if (nonFinite(x)) { return 0x7fffffffu; }
  return bitcast<u32>(abs(x));
}

fn linearIndex(gid: vec3<u32>, nwg: vec3<u32>) -> u32 {
  return gid.x + gid.y * nwg.x * WG;
}

fn scal(i: u32) -> f32 { return work[P.wScal + i]; }
fn setScal(i: u32, v: f32) { work[P.wScal + i] = v; }

fn mu(j: u32) -> f32 { return model[P.oMu + j]; }
fn cost(j: u32, k: u32) -> f32 { return model[P.oCost + j * P.N + k]; }
fn reward(sj: u32) -> f32 { return model[P.oReward + sj]; }
fn probAt(e: u32) -> f32 { return bitcast<f32>(graph[P.gProb + e]); }

/** Q(s,j) = r(s,j) + gamma sum_e p_e W(next_e) over row sj of the CSR of P, with W at work[wW]; into wQ. */
fn qRow(sj: u32, wW: u32) {
  let e0 = graph[P.gRowPtr + sj];
  let e1 = graph[P.gRowPtr + sj + 1u];
  var acc = 0.0;
  for (var e = e0; e < e1; e++) {
    acc += probAt(e) * work[wW + graph[P.gNext + e]];
  }
  work[P.wQ + sj] = reward(sj) + P.gamma * acc;
}

/** x log(x / m) with 0 log 0 = 0. */
fn xlogx(x: f32, m: f32) -> f32 {
  if (x <= 0.0) { return 0.0; }
  return x * log(x / m);
}

/** The linear id of this workgroup (dispatches are split over x and y). */
fn wgIndex(wid: vec3<u32>, nwg: vec3<u32>) -> u32 { return wid.x + wid.y * nwg.x; }

// Workgroup tree reductions (every lane passes its part; every lane gets the same, uniform, result).
var<workgroup> cred: array<f32, WG>;

fn wgSum(lid: u32, v: f32) -> f32 {
  cred[lid] = v;
  workgroupBarrier();
  for (var w = WG / 2u; w > 0u; w = w / 2u) {
    if (lid < w) { cred[lid] += cred[lid + w]; }
    workgroupBarrier();
  }
  let r = workgroupUniformLoad(&cred[0]);
  workgroupBarrier();
  return r;
}

fn wgMaxF(lid: u32, v: f32) -> f32 {
  cred[lid] = v;
  workgroupBarrier();
  for (var w = WG / 2u; w > 0u; w = w / 2u) {
    if (lid < w) { cred[lid] = max(cred[lid], cred[lid + w]); }
    workgroupBarrier();
  }
  let r = workgroupUniformLoad(&cred[0]);
  workgroupBarrier();
  return r;
}

/**
 * pi(.|s) <- the soft-greedy (tau > 0: mu exp((Q - max Q)/tau) / Z) or greedy (tau = 0: the lowest index
 * attaining max Q) policy of the Q row at o = s N; returns the soft maximum max Q + tau log Z (max Q when
 * tau = 0). One workgroup per state, lanes over the actions, tree reductions (greedyPolicy, viSweepRow).
 */
fn softGreedyRow(lid: u32, o: u32) -> f32 {
  var m = NEG_BIG;
  for (var j = lid; j < P.N; j += WG) { m = max(m, work[P.wQ + o + j]); }
  m = wgMaxF(lid, m);
  if (P.tau <= 0.0) {
    var arg = 0xffffffffu;
    for (var j = lid; j < P.N; j += WG) {
      if (work[P.wQ + o + j] >= m) { arg = min(arg, j); }
    }
    cred[lid] = bitcast<f32>(arg);
    workgroupBarrier();
    for (var w = WG / 2u; w > 0u; w = w / 2u) {
      if (lid < w) { cred[lid] = bitcast<f32>(min(bitcast<u32>(cred[lid]), bitcast<u32>(cred[lid + w]))); }
      workgroupBarrier();
    }
    let best = bitcast<u32>(workgroupUniformLoad(&cred[0]));
    for (var j = lid; j < P.N; j += WG) { pi[o + j] = select(0.0, 1.0, j == best); }
    return m;
  }
  var z = 0.0;
  for (var j = lid; j < P.N; j += WG) {
    let w = mu(j) * exp((work[P.wQ + o + j] - m) / P.tau);
    pi[o + j] = w;
    z += w;
  }
  z = wgSum(lid, z);
  for (var j = lid; j < P.N; j += WG) { pi[o + j] = pi[o + j] / z; }
  return m + P.tau * log(z);
}

// The GPU bracket searches (lambda* of the OT trust region, beta of the KL one) keep two candidate
// blocks of 2 nCand words (the candidates in increasing order, then a decreasing f at each) at wCand and
// wCand + 2 nCand. Round k evaluates in block CPAR = k mod 2: its candidate kernel (FOLD, k > 0) first
// takes the bracket step of round k - 1 from block 1 - CPAR (every invocation forms the same bracket
// and candidates from it; one writer stores them, SC_LO / SC_HI and the end flag), then candReduce sums
// f into block CPAR. One final bracket kernel (CPAR = rounds mod 2) closes the last round. So a round
// is two dispatches, and the dispatch that writes a block never reads it.
override CPAR: u32 = 0u;
override FOLD: bool = false;

fn candBlock(b: u32) -> u32 { return P.wCand + 2u * P.nCand * b; }

var<workgroup> candRed: array<f32, WG>;

/** Workgroup c sums work[wScratch + c * S + s] over s into f of block CPAR. */
@compute @workgroup_size(WG)
fn candReduce(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  // the candidate of this workgroup: a dispatch split over x and y (Recorder) launches a few past the last
  let c = wgIndex(wid, nwg);
  if (c >= P.nCand) { return; }
  var acc = 0.0;
  for (var s = lid.x; s < P.S; s += WG) { acc += work[P.wScratch + c * P.S + s]; }
  candRed[lid.x] = acc;
  workgroupBarrier();
  for (var w = WG / 2u; w > 0u; w = w / 2u) {
    if (lid.x < w) { candRed[lid.x] += candRed[lid.x + w]; }
    workgroupBarrier();
  }
  if (lid.x == 0u) { work[candBlock(CPAR) + P.nCand + c] = candRed[0]; }
}

/** The bracket [lo, hi] where f crosses goal; zero: candidate 0 is 0 and f(0) <= goal (the answer is 0). */
struct Bracket { lo: f32, hi: f32, zero: bool }

/**
 * The shared step of the searches on the block at `base`: if candidate 0 is 0 and f(0) <= goal the
 * bracket is [0, 0] (zero), otherwise the adjacent candidates where f crosses goal.
 */
fn bracketOf(goal: f32, base: u32) -> Bracket {
  let L = P.nCand;
  if (work[base] == 0.0 && work[base + L] <= goal) { return Bracket(0.0, 0.0, true); }
  var cs = 0u;
  for (var c = 0u; c < L; c++) {
    if (work[base + L + c] > goal) { cs = c; }
  }
  cs = min(cs, L - 2u);
  return Bracket(work[base + cs], work[base + cs + 1u], false);
}

/**
 * The writer's side of a folded bracket step: SC_LO / SC_HI, and the end flag when `done`, else the
 * next candidates (`next`, formed identically by every invocation of the kernel) into block CPAR.
 */
fn storeBracket(b: Bracket, done: bool) {
  setScal(SC_LO, b.lo);
  setScal(SC_HI, b.hi);
  if (done) { atomicStore(&ctrl[SEARCH_DONE], 1u); }
}

/**
 * W2^2(piOld(.|s), pi(.|s)) on 1-D positions: the monotone plan over the sorted order (gOrder, positions
 * at oPos), walked once. Used by the metric row's stateStats (flow and Langevin on a line).
 */
fn w2Sorted(s: u32) -> f32 {
  let o = s * P.N;
  let n = P.N;
  var i = 0u;
  var k = 0u;
  var ra = work[P.wPiOld + o + graph[P.gOrder]];
  var rb = pi[o + graph[P.gOrder]];
  var c = 0.0;
  loop {
    if (i >= n || k >= n) { break; }
    if (ra <= 0.0) { i++; if (i < n) { ra = work[P.wPiOld + o + graph[P.gOrder + i]]; } continue; }
    if (rb <= 0.0) { k++; if (k < n) { rb = pi[o + graph[P.gOrder + k]]; } continue; }
    let m = min(ra, rb);
    let dx = model[P.oPos + graph[P.gOrder + i]] - model[P.oPos + graph[P.gOrder + k]];
    c += m * dx * dx;
    ra -= m;
    rb -= m;
  }
  return c;
}
