// OT trust region (paper 004) and WPO without mass splitting, ALGORITHMS.md §5, batched over states.
//
//   G(lambda) = lambda eps + sum_s rho(s) sum_j pi(j|s) max_k [A(s,k) - lambda c(j,k)]
//
// lambda* is found on the GPU without readbacks: clo(lambda) (the average cost of the CLOSEST maximiser,
// i.e. eps minus G's right derivative) is non-increasing, so nCand values of lambda are evaluated per
// dispatch (otCand: one thread per (candidate, state); on a 1-D line otCandLine: one workgroup per state
// for all of them, see below), summed (candReduce), and the next round's
// candidate kernel (or otBracket after the last) keeps the bracket [lo, hi] where clo crosses eps
// (otRound, folded; common.wgsl): round 0 tests lambda = 0 and a log grid up to
// lambda_up = 2 (max A - min A) / (smallest positive cost) + 1, later rounds a linear grid inside the
// bracket, until hi - lo is at f32 resolution. At a kink lambda* the closest maximisers are those at
// lambda = hi and the farthest those at lambda = lo (the bracket holds the one breakpoint), so
// otTies takes Tlo at hi (1 + 2e-5), Thi at lo (1 - 2e-5) and WPO's lowest-index maximiser over both: kinks
// closer than that to lambda* are one kink in f32 (symmetric problems have exactly equal ones); otSplit forms clo, chi and
// t* = (chi - eps) / (chi - clo) (weight of Tlo; 1 when lambda* = 0 or chi = clo), and otApply moves
// the mass. Ties: values within tieTol + 5e-7 (vScale + lambda cmax) of the maximum (f32 rounding).

fn adv(s: u32, k: u32) -> f32 {
  return work[P.wQ + s * P.N + k] - work[P.wV + s];
}

fn tieTolAt(lam: f32) -> f32 {
  return P.tieTol + 5e-7 * (P.vScale + lam * P.cmax);
}

/** Target of (s, j) at lam: mode 0 = closest maximiser, 1 = farthest, 2 = lowest index. */
fn targetOf(s: u32, j: u32, lam: f32, mode: u32) -> u32 {
  var best = NEG_BIG;
  for (var k = 0u; k < P.N; k++) {
    best = max(best, adv(s, k) - lam * cost(j, k));
  }
  let thr = best - tieTolAt(lam);
  var t = 0xffffffffu;
  for (var k = 0u; k < P.N; k++) {
    if (adv(s, k) - lam * cost(j, k) < thr) { continue; }
    if (t == 0xffffffffu) { t = k; if (mode == 2u) { break; } continue; }
    if (mode == 0u && cost(j, k) < cost(j, t)) { t = k; }
    if (mode == 1u && cost(j, k) > cost(j, t)) { t = k; }
  }
  return t;
}

var<workgroup> red: array<f32, WG>;

const KINK_REL: f32 = 2e-5;

/**
 * The spread max_k Q - min_k Q of each state (one workgroup per state, lanes over its actions), one
 * atomicMax per workgroup into the RATE word (round 0 of the search reads it, otBracket clears it).
 */
@compute @workgroup_size(WG)
fn otSpread(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let s = wgIndex(wid, nwg);
  if (s >= P.S) { return; }
  var mn = 3.0e38;
  var mx = NEG_BIG;
  for (var k = lid.x; k < P.N; k += WG) {
    let q = work[P.wQ + s * P.N + k];
    mn = min(mn, q);
    mx = max(mx, q);
  }
  let hi = wgMaxF(lid.x, mx);
  let lo = -wgMaxF(lid.x, -mn);
  if (lid.x == 0u) { atomicMax(&ctrl[RATE], maxBits(hi - lo)); }
}

/** lambda_up = 2 (max A - min A) / (smallest positive cost) + 1, from otSpread's maximum in ctrl[RATE]. */
fn otUp() -> f32 {
  return 2.0 * bitcast<f32>(atomicLoad(&ctrl[RATE])) / P.cminPos + 1.0;
}

/** Round 0's candidate c: lambda = 0, then a log grid over 9 decades up to lambda_up. */
fn otLam0(up: f32, c: u32) -> f32 {
  let L = P.nCand;
  if (c == 0u) { return 0.0; }
  return up * pow(10.0, -9.0 * f32(L - 1u - c) / f32(L - 2u));
}

/** The search's state at a round's candidate kernel (FOLD: after the previous round's bracket step). */
struct OtRound { live: bool, b: Bracket }

/**
 * The bracket step folded into round CPAR's candidate kernel (common.wgsl): from block 1 - CPAR, the
 * bracket, ended once lambda* = 0 or hi - lo is at f32 resolution; `writer` stores it and the next
 * linear grid. Without FOLD (round 0) the candidates are the log grid (otLam0). A kernel that reads the end flag
 * after this dispatch's writer stored it has formed the same `done` itself.
 */
fn otRound(writer: bool) -> OtRound {
  if (!FOLD) {
    // round 0 starts the search (whatever the end flag of the last one): its writer re-arms the flag
    // and stores the initial bracket [0, lambda_up] and the candidates (block 0) for round 1
    let up = otUp();
    if (writer) {
      atomicStore(&ctrl[SEARCH_DONE], 0u);
      setScal(SC_UP, up);
      setScal(SC_LO, 0.0);
      setScal(SC_HI, up);
      for (var c = 0u; c < P.nCand; c++) { work[candBlock(0u) + c] = otLam0(up, c); }
    }
    return OtRound(true, Bracket(0.0, up, false));
  }
  if (atomicLoad(&ctrl[SEARCH_DONE]) != 0u) { return OtRound(false, Bracket(0.0, 0.0, false)); }
  let b = bracketOf(P.otRadius, candBlock(1u - CPAR));
  let done = b.zero || b.hi - b.lo <= 1.2e-7 * b.hi;
  if (writer) {
    storeBracket(b, done);
    if (!done) {
      for (var c = 0u; c < P.nCand; c++) { work[candBlock(CPAR) + c] = otLam(OtRound(true, b), c); }
    }
  }
  return OtRound(!done, b);
}

/** Candidate c of this round: a linear grid inside the bracket (FOLD), else round 0's log grid (otLam0). */
fn otLam(r: OtRound, c: u32) -> f32 {
  if (FOLD) { return r.b.lo + (r.b.hi - r.b.lo) * f32(c) / f32(P.nCand - 1u); }
  return otLam0(r.b.hi, c);
}

@compute @workgroup_size(WG)
fn otCand(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = linearIndex(gid, nwg);
  if (i >= P.S * P.nCand) { return; }
  let rd = otRound(i == 0u);
  if (!rd.live) { return; }
  let c = i / P.S;
  let s = i % P.S;
  let lam = otLam(rd, c);
  let d = work[P.wD + s];
  var acc = 0.0;
  if (d > 0.0) {
    for (var j = 0u; j < P.N; j++) {
      let p = pi[s * P.N + j];
      if (p > 0.0) { acc += p * cost(j, targetOf(s, j, lam, 0u)); }
    }
  }
  work[P.wScratch + c * P.S + s] = d * acc;
}

/** The last round's bracket step (CPAR = rounds mod 2, FOLD): SC_LO / SC_HI for the tie pass. One thread. */
@compute @workgroup_size(1)
fn otBracket() {
  _ = otRound(true);
  // the spread of A is spent (otSpread accumulates the next update's from 0)
  atomicStore(&ctrl[RATE], 0u);
}

@compute @workgroup_size(WG)
fn otTies(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let sj = linearIndex(gid, nwg);
  if (sj >= P.SN) { return; }
  let s = sj / P.N;
  let j = sj % P.N;
  // breakpoints within KINK_REL of lambda* count as one kink (f32 cannot order them reliably)
  let lo = scal(SC_LO) * (1.0 - KINK_REL);
  let hi = scal(SC_HI) * (1.0 + KINK_REL);
  aux[P.aTlo + sj] = targetOf(s, j, hi, 0u);
  aux[P.aThi + sj] = targetOf(s, j, lo, 1u);
  // WPO: the lowest index of D(lambda*) = D(lo') ∪ D(hi') (both sides of a kink)
  aux[P.aFirst + sj] = min(targetOf(s, j, hi, 2u), targetOf(s, j, lo, 2u));
}

var<workgroup> red2: array<f32, WG>;

/** d(s) times the state's closest / farthest cost (one workgroup per state) into scratch [0, S) / [S, 2S). */
@compute @workgroup_size(WG)
fn otStateCosts(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let s = wgIndex(wid, nwg);
  if (s >= P.S) { return; }
  var slo = 0.0;
  var shi = 0.0;
  for (var j = lid.x; j < P.N; j += WG) {
    let p = pi[s * P.N + j];
    if (p > 0.0) {
      slo += p * cost(j, aux[P.aTlo + s * P.N + j]);
      shi += p * cost(j, aux[P.aThi + s * P.N + j]);
    }
  }
  let a = wgSum(lid.x, slo);
  let b = wgSum(lid.x, shi);
  if (lid.x == 0u) {
    work[P.wScratch + s] = work[P.wD + s] * a;
    work[P.wScratch + P.S + s] = work[P.wD + s] * b;
  }
}

/** clo, chi (sums of otStateCosts over the states) and t* (one workgroup). */
@compute @workgroup_size(WG)
fn otSplit(@builtin(local_invocation_id) lid: vec3<u32>) {
  var a = 0.0;
  var b = 0.0;
  for (var s = lid.x; s < P.S; s += WG) {
    a += work[P.wScratch + s];
    b += work[P.wScratch + P.S + s];
  }
  red[lid.x] = a;
  red2[lid.x] = b;
  workgroupBarrier();
  for (var w = WG / 2u; w > 0u; w = w / 2u) {
    if (lid.x < w) { red[lid.x] += red[lid.x + w]; red2[lid.x] += red2[lid.x + w]; }
    workgroupBarrier();
  }
  if (lid.x == 0u) {
    let clo = red[0];
    let chi = red2[0];
    let hi = scal(SC_HI);
    var t = 1.0;
    if (hi > 0.0 && chi - clo > 0.0) { t = clamp((chi - P.otRadius) / (chi - clo), 0.0, 1.0); }
    setScal(SC_CLO, clo);
    setScal(SC_CHI, chi);
    setScal(SC_T, t);
    setScal(SC_LAMBDA, hi);
    setScal(SC_EXTRA, t);
  }
}

/** Move the mass (one thread per state); method 1 = WPO (lowest-index maximiser, no split). */
@compute @workgroup_size(WG)
fn otApply(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let s = linearIndex(gid, nwg);
  if (s >= P.S) { return; }
  let o = s * P.N;
  let t = scal(SC_T);
  for (var j = 0u; j < P.N; j++) {
    work[P.wPiOld + o + j] = pi[o + j];
    pi[o + j] = 0.0;
  }
  var sc = 0.0;
  for (var j = 0u; j < P.N; j++) {
    let p = work[P.wPiOld + o + j];
    if (p <= 0.0) { continue; }
    if (P.method == 1u) {
      let k = aux[P.aFirst + o + j];
      pi[o + k] += p;
      sc += p * cost(j, k);
    } else {
      let a = aux[P.aTlo + o + j];
      let b = aux[P.aThi + o + j];
      pi[o + a] += t * p;
      pi[o + b] += (1.0 - t) * p;
      sc += p * (t * cost(j, a) + (1.0 - t) * cost(j, b));
    }
  }
  work[P.wStCost + s] = sc;
}

// ---- 1-D line costs: the O(N) max-plus dual (P.linePow = 1 or 2) ------------------------------------
//
// For strictly increasing positions x (model at oPos) and c(j,k) = |x_j - x_k|^p (checked on the host
// against the cost matrix), M_j = max_k [A(s,k) - lam c(j,k)] for all j of a state costs O(N): the
// two-pass distance transform with slope lam for p = 1, the lower envelope of the parabolas
// lam (x - x_k)^2 - A(s,k) for p = 2 (Felzenszwalb–Huttenlocher on non-uniform positions), as the
// reference's maxPlusLinear / maxPlusQuadratic.
//
// The candidate kernel (otCandLine) and the tie kernel (otTiesLine) run one WORKGROUP per state with the
// state's rows in workgroup memory (MAXN = N, WG lanes from the action count; otTrustRegion.ts sizes
// both). In otCandLine the advantage row A = Q - V and pi are read from global memory once per
// dispatch, coalesced, and every candidate lambda of the round is then evaluated from workgroup memory
// (the old one-thread-per-state form rebuilt each envelope in a global scratch: about 200 times the
// unavoidable bytes of an iteration at S = 10^4, N = 1024). Building the envelope (or the two passes of
// the p = 1 transform) is a left-to-right recurrence, so one lane builds it; the lanes then query it
// in parallel, each over a contiguous chunk of j (its envelope pointer starts by a binary search on
// the breakpoints, then walks forward as the serial query does), and lane 0 sums the lanes' parts. Two
// barriers per candidate: after the build, and after the queries (the next build overwrites the
// envelope). The transport cost of the chosen maximiser is formed from the positions, so no cost
// matrix entries are gathered either (the sum changes by f32 rounding only; which of two equally far
// maximisers is taken does not change it).
//
// otTiesLine forms Tlo / Thi / first by scanning only the window lam |x_j - x_k|^p <= max A - M_j + 2 tol
// around j (the maximisers lie inside it): per side one lane builds the envelope, the lanes take chunks
// of j, and the window's tie decisions read the cost matrix exactly as the dense otTies does.
//
// Rows too long for workgroup memory (about N > 1100 at 16 KiB) take otCandLineGlobal / otTiesLineGlobal:
// one thread per state with its envelope scratch in global memory (2N + 2 words of aux at
// aEnv + s (2N + 2)), the same arithmetic with the sums in serial order.

fn xAt(k: u32) -> f32 { return model[P.oPos + k]; }
fn envBase(s: u32) -> u32 { return P.aEnv + s * (2u * P.N + 2u); }

struct EnvHit { val: f32, arg: u32 };

/** Build the envelope of state s at lam > 0 (p = 2: v, z; p = 1: out, arg by the two passes). */
fn envPrepare(s: u32, lam: f32) {
  let e = envBase(s);
  let N = P.N;
  if (P.linePow == 1u) {
    aux[e] = bitcast<u32>(adv(s, 0u));
    aux[e + N] = 0u;
    for (var j = 1u; j < N; j++) {
      let cand = bitcast<f32>(aux[e + j - 1u]) - lam * (xAt(j) - xAt(j - 1u));
      let aj = adv(s, j);
      if (cand > aj) { aux[e + j] = bitcast<u32>(cand); aux[e + N + j] = aux[e + N + j - 1u]; }
      else { aux[e + j] = bitcast<u32>(aj); aux[e + N + j] = j; }
    }
    for (var i = 1u; i < N; i++) {
      let j = N - 1u - i;
      let cand = bitcast<f32>(aux[e + j + 1u]) - lam * (xAt(j + 1u) - xAt(j));
      if (cand > bitcast<f32>(aux[e + j])) { aux[e + j] = bitcast<u32>(cand); aux[e + N + j] = aux[e + N + j + 1u]; }
    }
    return;
  }
  // p = 2: v (indices, as bits) at e, z (breakpoints) at e + N
  let inv2lam = 0.5 / lam;
  var m = 0u;
  aux[e] = 0u;
  aux[e + N] = bitcast<u32>(NEG_BIG);
  aux[e + N + 1u] = bitcast<u32>(3.0e38);
  for (var q = 1u; q < N; q++) {
    let xq = xAt(q);
    let aq = adv(s, q);
    var sx = 0.0;
    loop {
      let k = aux[e + m];
      let xk = xAt(k);
      sx = ((adv(s, k) - aq) * inv2lam) / (xq - xk) + 0.5 * (xq + xk);
      if (sx <= bitcast<f32>(aux[e + N + m]) && m > 0u) { m -= 1u; } else { break; }
    }
    m += 1u;
    aux[e + m] = q;
    aux[e + N + m] = bitcast<u32>(sx);
    aux[e + N + m + 1u] = bitcast<u32>(3.0e38);
  }
}

/** M_j and a maximiser, j visited in increasing order (`mp`: the envelope pointer, start at 0). */
fn envAt(s: u32, j: u32, lam: f32, mp: ptr<function, u32>) -> EnvHit {
  let e = envBase(s);
  let N = P.N;
  if (P.linePow == 1u) { return EnvHit(bitcast<f32>(aux[e + j]), aux[e + N + j]); }
  let xj = xAt(j);
  while (bitcast<f32>(aux[e + N + *mp + 1u]) < xj) { *mp += 1u; }
  let k = aux[e + *mp];
  let d = xj - xAt(k);
  return EnvHit(adv(s, k) - lam * d * d, k);
}

/** max_k A(s,k) */
fn rowMaxAdv(s: u32) -> f32 {
  var best = NEG_BIG;
  for (var k = 0u; k < P.N; k++) { best = max(best, adv(s, k)); }
  return best;
}

/** A(s, k) from the workgroup's row (`held`: rowA) or from Q and V. */
fn advAt(s: u32, k: u32, held: bool) -> f32 {
  if (held) { return rowA[k]; }
  return adv(s, k);
}

/**
 * Target of (s, j) at lam (mode 0 closest, 1 farthest, 2 lowest index, as targetOf) from the window of
 * candidates around j; `mj` = M_j (lam > 0) or max A (lam = 0, where the window is the whole row).
 * `held`: A is the workgroup's row (rowA, the workgroup kernels), else read from Q and V.
 */
fn lineTarget(s: u32, j: u32, lam: f32, mj: f32, amax: f32, mode: u32, held: bool) -> u32 {
  let tol = tieTolAt(lam);
  var kL = 0u;
  var kR = P.N - 1u;
  if (lam > 0.0) {
    let slack = max((amax - mj + 2.0 * tol) / lam, 0.0);
    let R = select(slack, sqrt(slack), P.linePow == 2u) * (1.0 + 1e-5) + 1e-30;
    let xj = xAt(j);
    kL = j;
    while (kL > 0u && xj - xAt(kL - 1u) <= R) { kL -= 1u; }
    kR = j;
    while (kR < P.N - 1u && xAt(kR + 1u) - xj <= R) { kR += 1u; }
  }
  var best = NEG_BIG;
  for (var k = kL; k <= kR; k++) { best = max(best, advAt(s, k, held) - lam * cost(j, k)); }
  let thr = best - tol;
  var t = 0xffffffffu;
  for (var k = kL; k <= kR; k++) {
    if (advAt(s, k, held) - lam * cost(j, k) < thr) { continue; }
    if (t == 0xffffffffu) { t = k; if (mode == 2u) { break; } continue; }
    if (mode == 0u && cost(j, k) < cost(j, t)) { t = k; }
    if (mode == 1u && cost(j, k) > cost(j, t)) { t = k; }
  }
  return t;
}

/**
 * Closest maximiser of every j at lam = 0 on a line: the nearest element of D = {k: A_k >= max A - tol}
 * (ties: the lower index), by a backward pass storing the next element of D at or after j (scratch)
 * and a forward pass carrying the last one before j. Returns sum_j pi(j|s) c(j, T(j)).
 */
fn lineClosestAtZero(s: u32, amax: f32) -> f32 {
  let e = envBase(s);
  let N = P.N;
  let thr = amax - tieTolAt(0.0);
  var nxt = 0xffffffffu;
  for (var i = 0u; i < N; i++) {
    let j = N - 1u - i;
    if (adv(s, j) >= thr) { nxt = j; }
    aux[e + j] = nxt;
  }
  var prev = 0xffffffffu;
  var acc = 0.0;
  for (var j = 0u; j < N; j++) {
    if (adv(s, j) >= thr) { prev = j; }
    let p = pi[s * N + j];
    if (p <= 0.0) { continue; }
    let r = aux[e + j];
    var t = prev;
    if (t == 0xffffffffu || (r != 0xffffffffu && cost(j, r) < cost(j, t))) { t = r; }
    acc += p * cost(j, t);
  }
  return acc;
}

/**
 * Every candidate of the round for one state (one thread per state, envelope in global memory): d(s)
 * clo_s(lam_c) into scratch. The fallback of otCandLine for rows that do not fit workgroup memory.
 */
@compute @workgroup_size(WG)
fn otCandLineGlobal(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let s = linearIndex(gid, nwg);
  if (s >= P.S) { return; }
  let rd = otRound(s == 0u);
  if (!rd.live) { return; }
  let d = work[P.wD + s];
  var amax = 0.0;
  if (d > 0.0) { amax = rowMaxAdv(s); }
  for (var c = 0u; c < P.nCand; c++) {
    let lam = otLam(rd, c);
    var acc = 0.0;
    if (d > 0.0) {
      if (lam <= 0.0) {
        acc = lineClosestAtZero(s, amax);
      } else {
        envPrepare(s, lam);
        var m = 0u;
        for (var j = 0u; j < P.N; j++) {
          let h = envAt(s, j, lam, &m);
          let p = pi[s * P.N + j];
          if (p > 0.0) { acc += p * cost(j, h.arg); }
        }
      }
    }
    work[P.wScratch + c * P.S + s] = d * acc;
  }
}

/**
 * Tlo at hi', Thi at lo', WPO's first over both (as otTies), one thread per state, windows only, the
 * envelope in global memory. The fallback of otTiesLine for rows that do not fit workgroup memory.
 */
@compute @workgroup_size(WG)
fn otTiesLineGlobal(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let s = linearIndex(gid, nwg);
  if (s >= P.S) { return; }
  let o = s * P.N;
  let amax = rowMaxAdv(s);
  let lo = scal(SC_LO) * (1.0 - KINK_REL);
  let hi = scal(SC_HI) * (1.0 + KINK_REL);
  // round 0 at hi (Tlo, first), round 1 at lo (Thi, min with first)
  for (var round = 0u; round < 2u; round++) {
    let lam = select(hi, lo, round == 1u);
    if (lam > 0.0) { envPrepare(s, lam); }
    var m = 0u;
    for (var j = 0u; j < P.N; j++) {
      var mj = amax;
      if (lam > 0.0) { mj = envAt(s, j, lam, &m).val; }
      if (round == 0u) {
        aux[P.aTlo + o + j] = lineTarget(s, j, lam, mj, amax, 0u, false);
        aux[P.aFirst + o + j] = lineTarget(s, j, lam, mj, amax, 2u, false);
      } else {
        aux[P.aThi + o + j] = lineTarget(s, j, lam, mj, amax, 1u, false);
        aux[P.aFirst + o + j] = min(aux[P.aFirst + o + j], lineTarget(s, j, lam, mj, amax, 2u, false));
      }
    }
  }
}

// ---- otCandLine: one workgroup per state, rows and envelope in workgroup memory ----------------------

/** Row capacity of the workgroup arrays (the action count N; 1 in modules that do not use them). */
override MAXN: u32 = 1u;

/** A(s, k) = Q - V and pi(k|s) of the workgroup's state. */
var<workgroup> rowA: array<f32, MAXN>;
var<workgroup> rowPi: array<f32, MAXN>;
/** p = 2: breakpoints z[0..m+1]; p = 1: the transform's values; lam = 0: the previous element of D, as f32 (-1: none). */
var<workgroup> envZ: array<f32, MAXN + 1u>;
/** p = 2: the envelope's action indices v[0..m]; p = 1: the maximisers; lam = 0: the next element of D. Two u16 per word. */
var<workgroup> envV: array<u32, (MAXN + 1u) / 2u>;
/** Lane 0's view of the round, shared: 0 = search ended, 1 = live with d(s) <= 0, 2 = live with d(s) > 0. */
var<workgroup> lineState: u32;
var<workgroup> lineLo: f32;
var<workgroup> lineHi: f32;
/** m: the envelope's last index (p = 2). */
var<workgroup> envTop: u32;

/** No element (the sentinel of the u16 indices). */
const NO_K: u32 = 0xffffu;

fn envIdx(i: u32) -> u32 {
  return (envV[i >> 1u] >> ((i & 1u) * 16u)) & 0xffffu;
}

fn setEnvIdx(i: u32, k: u32) {
  let sh = (i & 1u) * 16u;
  envV[i >> 1u] = (envV[i >> 1u] & ~(0xffffu << sh)) | (k << sh);
}

/** |x_j - x_k|^p from the positions (the cost matrix entry up to f32 rounding). */
fn lineCost(xj: f32, xk: f32) -> f32 {
  let d = abs(xj - xk);
  return select(d, d * d, P.linePow == 2u);
}

/**
 * The state's advantage row A(s, .) = Q - V into rowA (and its policy row into rowPi, `withPi`), lanes over
 * k (coalesced); returns max A (a tree; uniform).
 */
fn loadRowA(s: u32, l: u32, withPi: bool) -> f32 {
  let o = s * P.N;
  let v = work[P.wV + s];
  var mx = NEG_BIG;
  for (var k = l; k < P.N; k += WG) {
    let a = work[P.wQ + o + k] - v;
    rowA[k] = a;
    if (withPi) { rowPi[k] = pi[o + k]; }
    mx = max(mx, a);
  }
  return wgMaxF(l, mx);
}

/**
 * Lane 0's serial part for lambda = lam: the p = 1 transform (values in envZ, maximisers in envV), the
 * p = 2 envelope (envV, envZ, envTop), or at lam = 0 the nearest elements of D = {k: A_k >= max A - tol}
 * on either side of every j (next at or after j in envV, previous at or before j in envZ). The same
 * arithmetic as envPrepare / lineClosestAtZero on the workgroup's rows.
 */
fn wgEnvBuild(lam: f32, amax: f32) {
  let N = P.N;
  if (lam <= 0.0) {
    let thr = amax - tieTolAt(0.0);
    var nxt = NO_K;
    for (var i = 0u; i < N; i++) {
      let j = N - 1u - i;
      if (rowA[j] >= thr) { nxt = j; }
      setEnvIdx(j, nxt);
    }
    var prev = -1.0;
    for (var j = 0u; j < N; j++) {
      if (rowA[j] >= thr) { prev = f32(j); }
      envZ[j] = prev;
    }
    return;
  }
  if (P.linePow == 1u) {
    envZ[0] = rowA[0];
    setEnvIdx(0u, 0u);
    for (var j = 1u; j < N; j++) {
      let cand = envZ[j - 1u] - lam * (xAt(j) - xAt(j - 1u));
      let aj = rowA[j];
      if (cand > aj) { envZ[j] = cand; setEnvIdx(j, envIdx(j - 1u)); }
      else { envZ[j] = aj; setEnvIdx(j, j); }
    }
    for (var i = 1u; i < N; i++) {
      let j = N - 1u - i;
      let cand = envZ[j + 1u] - lam * (xAt(j + 1u) - xAt(j));
      if (cand > envZ[j]) { envZ[j] = cand; setEnvIdx(j, envIdx(j + 1u)); }
    }
    return;
  }
  let inv2lam = 0.5 / lam;
  var m = 0u;
  setEnvIdx(0u, 0u);
  envZ[0] = NEG_BIG;
  envZ[1] = 3.0e38;
  for (var q = 1u; q < N; q++) {
    let xq = xAt(q);
    let aq = rowA[q];
    var sx = 0.0;
    loop {
      let k = envIdx(m);
      let xk = xAt(k);
      sx = ((rowA[k] - aq) * inv2lam) / (xq - xk) + 0.5 * (xq + xk);
      if (sx <= envZ[m] && m > 0u) { m -= 1u; } else { break; }
    }
    m += 1u;
    setEnvIdx(m, q);
    envZ[m] = sx;
    envZ[m + 1u] = 3.0e38;
  }
  envTop = m;
}

/**
 * sum_j pi(j|s) c(j, T(j)) over j in [j0, j1) from the structure wgEnvBuild left: the closest maximiser
 * at lam = 0 (the nearer of D's neighbours, ties to the lower index), the transform's maximiser (p = 1),
 * or the envelope's parabola at x_j (p = 2). The p = 2 pointer starts at the number of breakpoints
 * z[1..m] below x_j0 (binary search: they increase strictly), where the serial walk from j = 0 would be.
 */
fn wgEnvQuery(lam: f32, j0: u32, j1: u32) -> f32 {
  var acc = 0.0;
  if (j0 >= j1) { return acc; }
  if (lam <= 0.0) {
    for (var j = j0; j < j1; j++) {
      let p = rowPi[j];
      if (p <= 0.0) { continue; }
      let xj = xAt(j);
      let r = envIdx(j);
      let pv = envZ[j];
      var t = r;
      if (pv >= 0.0) {
        t = u32(pv);
        if (r != NO_K && lineCost(xj, xAt(r)) < lineCost(xj, xAt(t))) { t = r; }
      }
      acc += p * lineCost(xj, xAt(t));
    }
    return acc;
  }
  if (P.linePow == 1u) {
    for (var j = j0; j < j1; j++) {
      let p = rowPi[j];
      if (p > 0.0) { let xj = xAt(j); acc += p * lineCost(xj, xAt(envIdx(j))); }
    }
    return acc;
  }
  let x0 = xAt(j0);
  var a = 0u;
  var b = envTop;
  while (a < b) {
    let mid = (a + b + 1u) / 2u;
    if (envZ[mid] < x0) { a = mid; } else { b = mid - 1u; }
  }
  var mp = a;
  for (var j = j0; j < j1; j++) {
    let xj = xAt(j);
    while (envZ[mp + 1u] < xj) { mp += 1u; }
    let p = rowPi[j];
    if (p > 0.0) { acc += p * lineCost(xj, xAt(envIdx(mp))); }
  }
  return acc;
}

/**
 * Every candidate of the round for one state, one workgroup per state (WG lanes, rows in workgroup
 * memory): d(s) clo_s(lam_c) into scratch slot c S + s. Lane 0 of workgroup 0 is the round's writer.
 */
@compute @workgroup_size(WG)
fn otCandLine(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let s = wgIndex(wid, nwg);
  let l = lid.x;
  if (l == 0u) {
    var st = 0u;
    if (s < P.S) {
      // one lane per workgroup forms the round (the bracket step reads the previous block)
      let rd = otRound(s == 0u);
      lineLo = rd.b.lo;
      lineHi = rd.b.hi;
      if (rd.live) { st = select(1u, 2u, work[P.wD + s] > 0.0); }
    }
    lineState = st;
  }
  let state = workgroupUniformLoad(&lineState);
  if (state == 0u) { return; }
  let d = work[P.wD + s];
  let L = P.nCand;
  if (state == 1u) {
    if (l == 0u) {
      // d times an empty sum, as otCandLineGlobal writes it (a NaN d stays visible)
      for (var c = 0u; c < L; c++) { work[P.wScratch + c * P.S + s] = d * 0.0; }
    }
    return;
  }
  // the rows, once: lanes over k (coalesced), then max A by a tree
  let N = P.N;
  let amax = loadRowA(s, l, true);
  let rd = OtRound(true, Bracket(lineLo, lineHi, false));
  let chunk = (N + WG - 1u) / WG;
  let j0 = min(l * chunk, N);
  let j1 = min(j0 + chunk, N);
  for (var c = 0u; c < L; c++) {
    let lam = otLam(rd, c);
    if (l == 0u) { wgEnvBuild(lam, amax); }
    workgroupBarrier();
    cred[l] = wgEnvQuery(lam, j0, j1);
    workgroupBarrier();
    // lane 0 sums the parts before it builds the next envelope; the others write cred only after that build
    if (l == 0u) {
      var acc = 0.0;
      for (var i = 0u; i < WG; i++) { acc += cred[i]; }
      work[P.wScratch + c * P.S + s] = d * acc;
    }
  }
}

/**
 * Tlo at hi', Thi at lo', WPO's first over both (as otTies), one workgroup per state: the row read once
 * into workgroup memory, per side one lane builds the envelope (lam > 0) and the lanes take contiguous
 * chunks of j, M_j from the envelope, then the window scans. Round 0's first is kept in rowPi (as f32,
 * exact) so that aux[aFirst] is written once.
 */
@compute @workgroup_size(WG)
fn otTiesLine(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let s = wgIndex(wid, nwg);
  if (s >= P.S) { return; }
  let l = lid.x;
  let N = P.N;
  let o = s * N;
  let amax = loadRowA(s, l, false);
  let lo = scal(SC_LO) * (1.0 - KINK_REL);
  let hi = scal(SC_HI) * (1.0 + KINK_REL);
  let chunk = (N + WG - 1u) / WG;
  let j0 = min(l * chunk, N);
  let j1 = min(j0 + chunk, N);
  // round 0 at hi (Tlo, first), round 1 at lo (Thi, min with first)
  for (var round = 0u; round < 2u; round++) {
    let lam = select(hi, lo, round == 1u);
    if (l == 0u && lam > 0.0) { wgEnvBuild(lam, amax); }
    workgroupBarrier();
    if (j0 < j1) {
      var mp = 0u;
      if (lam > 0.0 && P.linePow == 2u) {
        let x0 = xAt(j0);
        var b = envTop;
        while (mp < b) {
          let mid = (mp + b + 1u) / 2u;
          if (envZ[mid] < x0) { mp = mid; } else { b = mid - 1u; }
        }
      }
      for (var j = j0; j < j1; j++) {
        var mj = amax;
        if (lam > 0.0) {
          if (P.linePow == 1u) {
            mj = envZ[j];
          } else {
            let xj = xAt(j);
            while (envZ[mp + 1u] < xj) { mp += 1u; }
            let d = xj - xAt(envIdx(mp));
            mj = rowA[envIdx(mp)] - lam * d * d;
          }
        }
        if (round == 0u) {
          aux[P.aTlo + o + j] = lineTarget(0u, j, lam, mj, amax, 0u, true);
          rowPi[j] = f32(lineTarget(0u, j, lam, mj, amax, 2u, true));
        } else {
          aux[P.aThi + o + j] = lineTarget(0u, j, lam, mj, amax, 1u, true);
          aux[P.aFirst + o + j] = min(u32(rowPi[j]), lineTarget(0u, j, lam, mj, amax, 2u, true));
        }
      }
    }
    workgroupBarrier();
  }
}
