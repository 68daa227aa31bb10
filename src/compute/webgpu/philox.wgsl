// Philox4x32-10 in 32-bit integer operations, bit for bit the reference's rng.ts (the 32x32 -> 64
// multiply's high word from 16-bit partial products), and its float conversions.

const PHILOX_M0: u32 = 0xd2511f53u;
const PHILOX_M1: u32 = 0xcd9e8d57u;
const PHILOX_W0: u32 = 0x9e3779b9u;
const PHILOX_W1: u32 = 0xbb67ae85u;

fn mulhi32(a: u32, b: u32) -> u32 {
  let al = a & 0xffffu;
  let ah = a >> 16u;
  let bl = b & 0xffffu;
  let bh = b >> 16u;
  let t = al * bl;
  let u = ah * bl + (t >> 16u);
  let v = al * bh + (u & 0xffffu);
  return ah * bh + (u >> 16u) + (v >> 16u);
}

fn philox4x32_10(c: vec4<u32>, k: vec2<u32>) -> vec4<u32> {
  var x = c;
  var key = k;
  for (var r = 0u; r < 10u; r++) {
    if (r > 0u) { key = key + vec2<u32>(PHILOX_W0, PHILOX_W1); }
    let hi0 = mulhi32(PHILOX_M0, x.x);
    let lo0 = PHILOX_M0 * x.x;
    let hi1 = mulhi32(PHILOX_M1, x.z);
    let lo1 = PHILOX_M1 * x.z;
    x = vec4<u32>(hi1 ^ x.y ^ key.x, lo1, hi0 ^ x.w ^ key.y, lo0);
  }
  return x;
}

/** ((x >> 9) + 0.5) 2^-23: in (0, 1), exact in f32 (the same value as the reference's f64). */
fn uniform01(x: u32) -> f32 {
  return (f32(x >> 9u) + 0.5) * 1.1920928955078125e-7;
}

fn boxMuller(u0: u32, u1: u32) -> vec2<f32> {
  let r = sqrt(-2.0 * log(uniform01(u0)));
  let a = 6.283185307179586 * uniform01(u1);
  return vec2<f32>(r * cos(a), r * sin(a));
}
