// Stand-alone Philox stream for tests and tools: out[4 i + w] = word w of philox(counters[i], key).

struct KatParams { count: u32, k0: u32, k1: u32, pad: u32 };
@group(0) @binding(0) var<uniform> KP: KatParams;
@group(0) @binding(1) var<storage, read> counters: array<vec4<u32>>;
@group(0) @binding(2) var<storage, read_write> words: array<vec4<u32>>;

@compute @workgroup_size(64)
fn philoxBlocks(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x;
  if (i >= KP.count) { return; }
  words[i] = philox4x32_10(counters[i], vec2<u32>(KP.k0, KP.k1));
}
