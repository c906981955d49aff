// Whole-word dequantization for the products (matvec.wgsl): helpers here,
// and one file per weight type, qunit_<type>.wgsl (qunit_any.wgsl: the
// other types through quant.wgsl's element access), defining `sub4(rb, u,
// k)`, so each pipeline compiles only its own type's code. sub4 returns elements 32u + 4k .. 32u + 4k + 3 of the row whose bytes
// start at rb (unit u: 32 elements; k < 8), reading the block's bytes as
// u32 words, so the 8 lanes of a unit read consecutive words. Blocks whose
// size is 2 mod 4 (Q4_0, Q8_0, Q6_K) start at even offsets: their words
// are funnel-shifted from two aligned loads. Layouts as quant.wgsl (ggml's; src/quant/quantize.c
// has the reference dequantizers). Needs @binding(2) W: array<u32> and
// WTYPE (quant.wgsl declares both). Rows of a multiple of 32 elements.

// The 4 bytes at byte offset b (even) from the words a = b >> 2 and a + 1.
fn qw(a: u32, odd: bool) -> u32 {
  let lo = W[a];
  return select(lo, (lo >> 16u) | (W[a + 1u] << 16u), odd); // branch-free: neighbours alternate
}

// 4 unsigned nibbles (bits sh..sh+3 of each byte) / 4 signed bytes as f32
fn nib4(q: u32, sh: u32) -> vec4<f32> {
  return vec4<f32>((vec4<u32>(q) >> vec4<u32>(sh, sh + 8u, sh + 16u, sh + 24u)) & vec4<u32>(15u));
}

fn i8x4(q: u32) -> vec4<f32> {
  return vec4<f32>((vec4<i32>(bitcast<i32>(q)) << vec4<u32>(24u, 16u, 8u, 0u)) >> vec4<u32>(24u));
}

fn half_lo(v: u32) -> f32 {
  return unpack2x16float(v).x;
}

fn half_hi(v: u32) -> f32 {
  return unpack2x16float(v).y;
}

// Q4_K / Q5_K: 6-bit scale and min of sub-block j (0..7) from the 3 scale words at a
fn k4_sm(a: u32, j: u32) -> vec2<f32> {
  let s0 = W[a];
  let s1 = W[a + 1u];
  let s2 = W[a + 2u];
  let jj = j & 3u;
  let b0 = (s0 >> (8u * jj)) & 0xffu;   // byte j (j < 4)
  let b4 = (s1 >> (8u * jj)) & 0xffu;   // byte j + 4
  let b8 = (s2 >> (8u * jj)) & 0xffu;   // byte j + 8
  if (j < 4u) {
    return vec2<f32>(f32(b0 & 63u), f32(b4 & 63u));
  }
  // j >= 4: sc = (b[j+4] & 0xf) | (b[j-4] >> 6) << 4, m = (b[j+4] >> 4) | (b[j] >> 6) << 4
  return vec2<f32>(f32((b8 & 0xfu) | ((b0 >> 6u) << 4u)), f32((b8 >> 4u) | ((b4 >> 6u) << 4u)));
}
