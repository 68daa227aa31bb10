// Metric reductions of ALGORITHMS.md §8 into one row of the metrics block per iteration; the row's
// evaluation residual is the Bellman residual max_s |V(s) - sum_j pi (Q - tau log(pi/mu))| of the solve.
// stateStats (one thread per state) writes weighted per-state terms; reduceMetrics (one workgroup)
// sums them and writes row ctrl[ROW] (then increments it). Non-finite values anywhere in a state's
// policy row, V or Q (code 1), or a negative mass / a row not summing to 1 (code 2), set the row's `bad`
// flag: the host turns it into a DivergenceError naming the iteration.

const STAT_COLS: u32 = 8u;
const ROW_J: u32 = 0u;
const ROW_JPLAIN: u32 = 1u;
const ROW_TV: u32 = 2u;
const ROW_ENTROPY: u32 = 3u;
const ROW_COST: u32 = 4u;
const ROW_KL: u32 = 5u;
const ROW_LAMBDA: u32 = 6u;
const ROW_EVALRES: u32 = 7u;
const ROW_DT: u32 = 8u;
const ROW_BAD: u32 = 9u;
const ROW_EVSWEEPS: u32 = 10u;
const ROW_OCSWEEPS: u32 = 11u;
const ROW_EXTRA: u32 = 12u;
const ROW_MASS: u32 = 13u;
const ROW_EXTRA2: u32 = 14u;
const ROW_EXTRA3: u32 = 15u;

/** The step's transport cost is W2^2 on the line (w2Sorted), not the stored stCost (flow, Langevin). */
override W2: bool = false;

@compute @workgroup_size(WG)
fn stateStats(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let s = linearIndex(gid, nwg);
  if (s >= P.S) { return; }
  let o = s * P.N;
  var h = 0.0;
  var klMu = 0.0;
  var tv = 0.0;
  var klOld = 0.0;
  var bad = false;
  var rowSum = 0.0;
  var minP = 0.0;
  var change = 0.0;
  var bell = 0.0;
  for (var j = 0u; j < P.N; j++) {
    let p = pi[o + j];
    rowSum += p;
    minP = min(minP, p);
    let q = work[P.wQ + o + j];
    if (nonFinite(p) || nonFinite(q)) { bad = true; }
    if (p > 0.0) {
      h -= p * log(p);
      klMu += p * log(p / mu(j));
      bell += p * q - P.tau * xlogx(p, mu(j));
      let po = work[P.wPiOld + o + j];
      klOld += p * log(p / po);
    }
    tv += abs(p - model[P.oPiStar + o + j]);
    change = max(change, abs(p - work[P.wPiOld + o + j]));
  }
  atomicMax(&ctrl[CHANGE], maxBits(change));
  let v = work[P.wV + s];
  if (nonFinite(v)) { bad = true; }
  // the evaluation's residual: |V(s) - sum_j pi (Q - tau log(pi/mu))| (Q = r + gamma P V)
  atomicMax(&ctrl[EV_LAST], maxBits(v - bell));
  let d = work[P.wD + s];
  let dOld = work[P.wDOld + s];
  let b = P.wStat + s * STAT_COLS;
  work[b + 0u] = model[P.oRho0 + s] * v;
  work[b + 1u] = d * h;
  work[b + 2u] = d * klMu;
  work[b + 3u] = model[P.oDStar + s] * 0.5 * tv;
  work[b + 4u] = select(0.0, dOld * klOld, dOld > 0.0);
  var stc = work[P.wStCost + s];
  if (W2) { stc = w2Sorted(s); }
  work[b + 5u] = dOld * stc;
  work[b + 6u] = select(0.0, 1.0, bad);
  // f32 analogue of the reference's checks: mass below -1e-6 or a row sum off by more than 1e-4
  work[b + 7u] = select(0.0, 1.0, minP < -1e-6 || abs(rowSum - 1.0) > 1e-4);
}

var<workgroup> red: array<f32, 512>;

@compute @workgroup_size(WG)
fn reduceMetrics(@builtin(local_invocation_id) lid: vec3<u32>) {
  var acc: array<f32, 8>;
  for (var c = 0u; c < STAT_COLS; c++) { acc[c] = 0.0; }
  for (var s = lid.x; s < P.S; s += WG) {
    for (var c = 0u; c < STAT_COLS; c++) { acc[c] += work[P.wStat + s * STAT_COLS + c]; }
  }
  for (var c = 0u; c < STAT_COLS; c++) { red[c * WG + lid.x] = acc[c]; }
  workgroupBarrier();
  for (var w = WG / 2u; w > 0u; w = w / 2u) {
    if (lid.x < w) {
      for (var c = 0u; c < STAT_COLS; c++) { red[c * WG + lid.x] += red[c * WG + lid.x + w]; }
    }
    workgroupBarrier();
  }
  if (lid.x != 0u) { return; }
  let row = atomicLoad(&ctrl[ROW]);
  let o = row * P.rowStride;
  let J = red[0u * WG];
  let mass = scal(SC_MASS);
  rows[o + ROW_J] = J;
  rows[o + ROW_JPLAIN] = J + P.tau / (1.0 - P.gamma) * mass * red[2u * WG];
  rows[o + ROW_TV] = red[3u * WG];
  rows[o + ROW_ENTROPY] = red[1u * WG];
  rows[o + ROW_COST] = red[5u * WG];
  rows[o + ROW_KL] = red[4u * WG];
  rows[o + ROW_LAMBDA] = scal(SC_LAMBDA);
  rows[o + ROW_EVALRES] = bitcast<f32>(atomicLoad(&ctrl[EV_LAST]));
  atomicStore(&ctrl[EV_LAST], 0u);
  rows[o + ROW_DT] = scal(SC_DT);
  let bad = red[6u * WG] > 0.0 || nonFinite(J) || atomicLoad(&ctrl[BAD]) != 0u;
  // 1: NaN/Inf in pi, V, Q or J; 2: negative mass or a lost row; 0: healthy
  rows[o + ROW_BAD] = select(select(0.0, 2.0, red[7u * WG] > 0.0), 1.0, bad);
  rows[o + ROW_EVSWEEPS] = f32(atomicLoad(&ctrl[EV_SWEEPS]));
  rows[o + ROW_OCSWEEPS] = f32(atomicLoad(&ctrl[OC_SWEEPS]));
  // value iteration (method 2): the sweep change max-reduced by viSweepRow
  rows[o + ROW_EXTRA] = select(scal(SC_EXTRA), bitcast<f32>(atomicLoad(&ctrl[RATE])), P.method == 2u);
  // the rate maximum of this iteration (the flow's exit rate, value iteration's change) is read: clear it
  atomicStore(&ctrl[RATE], 0u);
  rows[o + ROW_MASS] = mass;
  // largest |pi_new - pi_old| of the step (the host ends OT / KL / NPG runs at a fixed point)
  rows[o + ROW_EXTRA2] = bitcast<f32>(atomicLoad(&ctrl[CHANGE]));
  atomicStore(&ctrl[CHANGE], 0u);
  rows[o + ROW_EXTRA3] = f32(atomicLoad(&ctrl[INNER_MAX]));
  atomicStore(&ctrl[INNER_MAX], 0u);
  atomicAdd(&ctrl[ROW], 1u);
}
