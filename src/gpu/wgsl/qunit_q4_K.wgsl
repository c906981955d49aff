// sub4 for Q4_K (see qunit.wgsl): Q4_K: byte 4k.. of the sub-block's 32 nibble bytes
fn sub4(rb: u32, u: u32, k: u32) -> vec4<f32> {
  let a = (rb >> 2u) + 36u * (u / 8u);
  let j = u % 8u;
  let dd = unpack2x16float(W[a]);
  let sm = k4_sm(a + 1u, j);
  let q = W[a + 4u + 8u * (j / 2u) + k];
  return nib4(q, 4u * (j & 1u)) * (dd.x * sm.x) - dd.y * sm.y;
}
