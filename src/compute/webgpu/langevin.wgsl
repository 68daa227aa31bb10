// Langevin particles on the action box (ALGORITHMS.md §3), the reference's langevin.ts in f32:
//   X <- reflect(X + dt grad Phi(s, X) + sqrt(2 tau dt) xi),  xi from Philox (counter (step, s, p, 0))
// grad Phi: central differences at the cell centres (one-sided at the ends), linear / bilinear
// interpolation between centres, constant between the outermost centres and the walls. The policy is
// the histogram of the particles (counts / M). Particles live in aux (f32 bits) from P.aX, (s, p, axis).
// cellOf (axis-0-fastest linear cell -> action) sits at graph[P.gOrder]; the gradient at work[P.wPhi].

fn px(s: u32, p: u32, a: u32) -> u32 { return P.aX + (s * P.M + p) * P.gridDim + a; }
fn cellOf(lin: u32) -> u32 { return graph[P.gOrder + lin]; }

/** Initial placement: cell by the inverse CDF of the initial policy, uniform inside it (purpose INIT). */
@compute @workgroup_size(WG)
fn lgPlace(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = linearIndex(gid, nwg);
  if (i >= P.S * P.M) { return; }
  let s = i / P.M;
  let p = i % P.M;
  let b = philox4x32_10(vec4<u32>(0u, s, p, 1u), vec2<u32>(P.key0, P.key1));
  let u = uniform01(b.x);
  var acc = 0.0;
  var lin = 0u;
  for (lin = 0u; lin < P.N - 1u; lin++) {
    acc += pi[s * P.N + cellOf(lin)];
    if (u < acc) { break; }
  }
  let n = P.gridN;
  aux[px(s, p, 0u)] = bitcast<u32>(P.lo0 + (f32(lin % n) + uniform01(b.y)) * P.h0);
  if (P.gridDim == 2u) {
    aux[px(s, p, 1u)] = bitcast<u32>(P.lo1 + (f32(lin / n) + uniform01(b.z)) * P.h1);
  }
}

fn phiAt(s: u32, lin: u32) -> f32 {
  let j = cellOf(lin);
  return work[P.wQ + s * P.N + j] + P.tau * log(mu(j));
}

/** grad Phi along axis a at cell lin of state s, by central differences (one-sided in the first and last cell). */
fn gradCell(s: u32, a: u32, lin: u32) -> f32 {
  let n = P.gridN;
  let stride = select(n, 1u, a == 0u);
  let ia = select(lin / n, lin % n, a == 0u);
  let h = select(P.h1, P.h0, a == 0u);
  let lo = select(lin, lin - stride, ia > 0u);
  let hi = select(lin, lin + stride, ia < n - 1u);
  let den = select(2.0, 1.0, hi == lin || lo == lin) * h;
  var g = (phiAt(s, hi) - phiAt(s, lo)) / den;
  if (n == 1u) { g = 0.0; }
  return g;
}

/**
 * REFRESH (every qEvery steps): lgStep recomputes the gradient it interpolates from Q (gradCell) instead of
 * reading it, and particle p of state s stores the cells p, p + M, ... at wPhi for the next qEvery - 1 steps
 * (the refresh pass fused into the step).
 */
override REFRESH: bool = false;

fn gradStored(s: u32, a: u32, lin: u32) -> f32 {
  if (REFRESH) { return gradCell(s, a, lin); }
  return work[P.wPhi + (s * P.gridDim + a) * P.N + lin];
}

fn gradAt(s: u32, a: u32, x0: f32, x1: f32) -> f32 {
  let n = P.gridN;
  var u = (x0 - P.lo0) / P.h0 - 0.5;
  var i = 0u;
  var t = 0.0;
  if (n > 1u) {
    u = clamp(u, 0.0, f32(n - 1u));
    i = min(u32(floor(u)), n - 2u);
    t = u - f32(i);
  }
  let i1 = select(0u, i + 1u, n > 1u);
  if (P.gridDim == 1u) { return (1.0 - t) * gradStored(s, a, i) + t * gradStored(s, a, i1); }
  var v = (x1 - P.lo1) / P.h1 - 0.5;
  var k = 0u;
  var r = 0.0;
  if (n > 1u) {
    v = clamp(v, 0.0, f32(n - 1u));
    k = min(u32(floor(v)), n - 2u);
    r = v - f32(k);
  }
  let k1 = select(0u, k + 1u, n > 1u);
  let g00 = gradStored(s, a, i + n * k);
  let g10 = gradStored(s, a, i1 + n * k);
  let g01 = gradStored(s, a, i + n * k1);
  let g11 = gradStored(s, a, i1 + n * k1);
  return (1.0 - r) * ((1.0 - t) * g00 + t * g10) + r * ((1.0 - t) * g01 + t * g11);
}

fn reflectInto(x0: f32, lo: f32, hi: f32) -> f32 {
  var x = x0;
  for (var r = 0u; r < 4u && (x < lo || x > hi); r++) {
    if (x < lo) { x = 2.0 * lo - x; }
    if (x > hi) { x = 2.0 * hi - x; }
  }
  return clamp(x, lo, hi);
}

// the step counter: lgStep draws with step = ctrl[STEP] + 1 (the number of this step), and the lgHist
// that follows a step (TICK) advances ctrl[STEP] once every particle has drawn (no separate tick dispatch)
override TICK: bool = false;

@compute @workgroup_size(WG)
fn lgStep(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = linearIndex(gid, nwg);
  if (i >= P.S * P.M) { return; }
  let s = i / P.M;
  let p = i % P.M;
  if (REFRESH) {
    for (var lin = p; lin < P.N; lin += P.M) {
      for (var a = 0u; a < P.gridDim; a++) { work[P.wPhi + (s * P.gridDim + a) * P.N + lin] = gradCell(s, a, lin); }
    }
  }
  let step = atomicLoad(&ctrl[STEP]) + 1u;
  let b = philox4x32_10(vec4<u32>(step, s, p, 0u), vec2<u32>(P.key0, P.key1));
  let z = boxMuller(b.x, b.y);
  let x0 = bitcast<f32>(aux[px(s, p, 0u)]);
  var x1 = 0.0;
  if (P.gridDim == 2u) { x1 = bitcast<f32>(aux[px(s, p, 1u)]); }
  let g0 = gradAt(s, 0u, x0, x1);
  aux[px(s, p, 0u)] = bitcast<u32>(reflectInto(x0 + P.lgDt * g0 + P.lgNoise * z.x, P.lo0, P.hi0));
  if (P.gridDim == 2u) {
    let g1 = gradAt(s, 1u, x0, x1);
    aux[px(s, p, 1u)] = bitcast<u32>(reflectInto(x1 + P.lgDt * g1 + P.lgNoise * z.y, P.lo1, P.hi1));
  }
}

/** pi(.|s) = histogram of the particles (old row kept in piOld); one thread per state. */
@compute @workgroup_size(WG)
fn lgHist(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let s = linearIndex(gid, nwg);
  if (TICK && s == 0u) {
    atomicAdd(&ctrl[STEP], 1u);
    setScal(SC_DT, P.lgDt);
  }
  if (s >= P.S) { return; }
  let o = s * P.N;
  for (var j = 0u; j < P.N; j++) {
    work[P.wPiOld + o + j] = pi[o + j];
    pi[o + j] = 0.0;
  }
  let n = P.gridN;
  for (var p = 0u; p < P.M; p++) {
    let x0 = bitcast<f32>(aux[px(s, p, 0u)]);
    var lin = u32(clamp(floor((x0 - P.lo0) / P.h0), 0.0, f32(n - 1u)));
    if (P.gridDim == 2u) {
      let x1 = bitcast<f32>(aux[px(s, p, 1u)]);
      lin += n * u32(clamp(floor((x1 - P.lo1) / P.h1), 0.0, f32(n - 1u)));
    }
    pi[o + cellOf(lin)] += 1.0;
  }
  let w = 1.0 / f32(P.M);
  for (var j = 0u; j < P.N; j++) { pi[o + j] = pi[o + j] * w; }
  work[P.wStCost + s] = 0.0;
}
