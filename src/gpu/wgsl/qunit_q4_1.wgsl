// sub4 for Q4_1 (see qunit.wgsl): Q4_1
fn sub4(rb: u32, u: u32, k: u32) -> vec4<f32> {
  let a = (rb >> 2u) + 5u * u;
  let dm = unpack2x16float(W[a]);
  return nib4(W[a + 1u + (k & 3u)], 4u * (k >> 2u)) * dm.x + dm.y;
}
