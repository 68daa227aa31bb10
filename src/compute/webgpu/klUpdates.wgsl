// KL-geometry updates (ALGORITHMS.md §7).
//  npgUpdate:  pi_new ∝ pi^(1-alpha) (mu exp(Q/tau))^alpha on logits kept on the GPU (one workgroup per s).
//  KL trust region: pi_new ∝ pi exp(A/beta), A = Q - V, beta with sum_s d(s) KL(pi_new||pi) = delta.
//    round 0 puts nCand candidates on a log grid of beta (klBeta0); klCandRow (one workgroup per s,
//    lane c per candidate) writes d(s) KL_s(beta_c) (beta <= 0: the greedy-on-support limit -log m); candReduce sums them; the next round's klCandRow (folded,
//    common.wgsl; klBracket, 1 thread, after the last round) keeps the bracket where the decreasing
//    f(beta) crosses delta and spreads the next candidates geometrically inside it; after a
//    few rounds klApply (one thread per s) tilts the policy with beta* = sqrt(lo hi). When even the
//    greedy limit (beta -> 0) keeps f0 <= delta the limit is taken: greedy on the support of pi.
//  Both copy the old row into piOld first (the metrics' KL and the next step need it).

/**
 * l_new = (1 - alpha) l + alpha (log mu + Q / tau), normalised by its log-sum-exp, pi = exp(l_new).
 * The normalised logits l = log pi are kept at wPhi (f32 log-probabilities do not underflow where the
 * probabilities do, so an action that is positive in the optimum never sticks at pi = 0); the first
 * step takes them from the initial policy. One workgroup per state, lanes over its actions.
 */
fn npgStep(s: u32, lid: u32, fromPi: bool) {
  let o = s * P.N;
  let a = P.alpha;
  var m = NEG_BIG;
  for (var j = lid; j < P.N; j += WG) {
    let p = pi[o + j];
    work[P.wPiOld + o + j] = p;
    var lp = work[P.wPhi + o + j];
    if (fromPi) { lp = select(NEG_BIG, log(p), p > 0.0); }
    var l = NEG_BIG;
    // an action outside the support stays outside it unless alpha = 1 (as the reference)
    if (lp > NEG_BIG || a >= 1.0) {
      l = a * (log(mu(j)) + work[P.wQ + o + j] / P.tau);
      if (a < 1.0) { l += (1.0 - a) * lp; }
    }
    work[P.wPhi + o + j] = l;
    m = max(m, l);
  }
  m = wgMaxF(lid, m);
  var z = 0.0;
  for (var j = lid; j < P.N; j += WG) {
    let l = work[P.wPhi + o + j];
    z += select(0.0, exp(l - m), l > NEG_BIG);
  }
  // shift by the maximum first: l - m is exact near the top, so the stored logits and pi keep their
  // relative accuracy even when |l| is large (Q / tau ~ 1e4 on CliffWalking)
  let zs = wgSum(lid, z);
  let lz = log(zs);
  for (var j = lid; j < P.N; j += WG) {
    let l = work[P.wPhi + o + j];
    let d = l - m;
    let live = l > NEG_BIG;
    work[P.wPhi + o + j] = select(NEG_BIG, d - lz, live);
    pi[o + j] = select(0.0, exp(d) / zs, live);
  }
  if (lid == 0u) { work[P.wStCost + s] = 0.0; }
}

@compute @workgroup_size(WG)
fn npgUpdateFirst(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let s = wgIndex(wid, nwg);
  if (s >= P.S) { return; }
  npgStep(s, lid.x, true);
}

@compute @workgroup_size(WG)
fn npgUpdate(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let s = wgIndex(wid, nwg);
  if (s >= P.S) { return; }
  npgStep(s, lid.x, false);
}

fn advantage(s: u32, j: u32) -> f32 {
  return work[P.wQ + s * P.N + j] - work[P.wV + s];
}

fn klTieTol() -> f32 {
  return 4e-6 * P.vScale;
}

/** Round 0's candidate c: the greedy limit (beta = 0), then a log grid over [1e-7, 1e3] * vScale. */
fn klBeta0(c: u32) -> f32 {
  if (c == 0u) { return 0.0; }
  let u = -7.0 + 10.0 * f32(c - 1u) / f32(P.nCand - 2u);
  return P.vScale * pow(10.0, u);
}

/**
 * Candidate c of round CPAR: with FOLD, inside the previous round's bracket (f(beta_c) is decreasing
 * in c): [0, beta_1] continues on a log grid below beta_1, otherwise a geometric grid from lo to hi;
 * without FOLD, round 0's (klBeta0).
 */
fn klBeta(b: Bracket, c: u32) -> f32 {
  let L = P.nCand;
  if (!FOLD) { return klBeta0(c); }
  if (b.lo <= 0.0) { return b.hi * pow(10.0, -12.0 * f32(L - 1u - c) / f32(L - 1u)); }
  return b.lo * pow(b.hi / b.lo, f32(c) / f32(L - 1u));
}

/**
 * The bracket step folded into round CPAR's candidate kernel (common.wgsl): the bracket from block
 * 1 - CPAR, ended at beta = 0 or once hi / lo <= 1 + 2e-6; `writer` stores it and the next candidates.
 * Returns whether this round evaluates (and the bracket in `b`).
 */
fn klRound(writer: bool, b: ptr<function, Bracket>) -> bool {
  if (!FOLD) {
    // round 0 starts the search (whatever the end flag of the last one): its writer re-arms the flag
    // and stores round 0's candidates (block 0) for round 1
    if (writer) {
      atomicStore(&ctrl[SEARCH_DONE], 0u);
      setScal(SC_LO, 0.0);
      setScal(SC_HI, 0.0);
      setScal(SC_EXTRA, 0.0);
      for (var c = 0u; c < P.nCand; c++) { work[candBlock(0u) + c] = klBeta0(c); }
    }
    return true;
  }
  if (atomicLoad(&ctrl[SEARCH_DONE]) != 0u) { return false; }
  *b = bracketOf(P.delta, candBlock(1u - CPAR));
  let br = *b;
  let done = br.zero || (br.lo > 0.0 && br.hi / br.lo <= 1.0 + 2e-6);
  if (writer) {
    storeBracket(br, done);
    if (!done) {
      for (var c = 0u; c < P.nCand; c++) { work[candBlock(CPAR) + c] = klBeta(br, c); }
    }
  }
  return !done;
}

/** The last round's bracket step (CPAR = rounds mod 2, FOLD): SC_LO / SC_HI for klApply. One thread. */
@compute @workgroup_size(1)
fn klBracket() {
  var b = Bracket(0.0, 0.0, false);
  _ = klRound(true, &b);
}

@compute @workgroup_size(WG)
fn klApply(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let s = linearIndex(gid, nwg);
  if (s >= P.S) { return; }
  let o = s * P.N;
  let lo = scal(SC_LO);
  let hi = scal(SC_HI);
  var beta = 0.0;
  if (hi > 0.0) { beta = sqrt(max(lo, 0.0) * hi); if (lo <= 0.0) { beta = hi; } }
  if (s == 0u) { setScal(SC_LAMBDA, beta); setScal(SC_EXTRA, beta); }
  var mx = NEG_BIG;
  for (var j = 0u; j < P.N; j++) {
    let p = pi[o + j];
    work[P.wPiOld + o + j] = p;
    if (p > 0.0) { mx = max(mx, advantage(s, j)); }
  }
  var z = 0.0;
  let tol = klTieTol();
  for (var j = 0u; j < P.N; j++) {
    let p = pi[o + j];
    var w = 0.0;
    if (p > 0.0) {
      if (beta > 0.0) { w = p * exp((advantage(s, j) - mx) / beta); }
      else if (advantage(s, j) >= mx - tol) { w = p; }
    }
    pi[o + j] = w;
    z += w;
  }
  for (var j = 0u; j < P.N; j++) { pi[o + j] = pi[o + j] / z; }
  work[P.wStCost + s] = 0.0;
}

// klCandRow: f(beta_c) = d(s) KL(pi_beta || pi), pi_beta ∝ pi exp(A / beta_c), for every candidate c, one workgroup per
// state: the state's row (pi, A - max A) is streamed once per round through
// workgroup memory in tiles of KL_TILE, and lane c < nCand accumulates candidate c from the tile, so
// the row is read from global memory twice per round (the maximum, the tiles), not twice per candidate.
const KL_TILE: u32 = 256u;
var<workgroup> klP: array<f32, KL_TILE>;
var<workgroup> klA: array<f32, KL_TILE>;
var<workgroup> klFlag: u32;
var<workgroup> klLo: f32;
var<workgroup> klHi: f32;

@compute @workgroup_size(WG)
fn klCandRow(@builtin(local_invocation_id) lidv: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let lid = lidv.x;
  let s = wgIndex(wid, nwg);
  if (s >= P.S) { return; }
  // lane 0 takes the folded bracket step (the writer in workgroup 0) and shares it with the lanes
  if (lid == 0u) {
    var b = Bracket(0.0, 0.0, false);
    klFlag = select(1u, 0u, klRound(s == 0u, &b));
    klLo = b.lo;
    klHi = b.hi;
  }
  if (workgroupUniformLoad(&klFlag) != 0u) { return; }
  let o = s * P.N;
  var mx = NEG_BIG;
  for (var j = lid; j < P.N; j += WG) {
    if (pi[o + j] > 0.0) { mx = max(mx, advantage(s, j)); }
  }
  mx = wgMaxF(lid, mx);
  let live = lid < P.nCand;
  var beta = 0.0;
  if (live) { beta = klBeta(Bracket(klLo, klHi, false), lid); }
  let tol = klTieTol();
  var z = 0.0;
  var num = 0.0;
  var m = 0.0;
  for (var t0 = 0u; t0 < P.N; t0 += KL_TILE) {
    for (var j = lid; j < KL_TILE; j += WG) {
      var p = 0.0;
      var a = 0.0;
      if (t0 + j < P.N) {
        p = pi[o + t0 + j];
        a = advantage(s, t0 + j) - mx;
      }
      klP[j] = p;
      klA[j] = a;
    }
    workgroupBarrier();
    if (live) {
      let n = min(KL_TILE, P.N - t0);
      for (var j = 0u; j < n; j++) {
        let p = klP[j];
        if (p > 0.0) {
          let a = klA[j];
          if (beta <= 0.0) {
            if (a >= -tol) { m += p; }
          } else {
            let x = a / beta;
            let w = p * exp(x);
            z += w;
            num += w * x;
          }
        }
      }
    }
    workgroupBarrier();
  }
  if (live) {
    var v = 0.0;
    if (beta <= 0.0) { v = -log(m); } else { v = max(num / z - log(z), 0.0); }
    let d = work[P.wD + s];
    work[P.wScratch + lid * P.S + s] = select(0.0, d * v, d > 0.0);
  }
}
