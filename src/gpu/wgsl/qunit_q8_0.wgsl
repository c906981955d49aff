// sub4 for Q8_0 (see qunit.wgsl): Q8_0
fn sub4(rb: u32, u: u32, k: u32) -> vec4<f32> {
  let b = rb + 34u * u;
  let a = b >> 2u;
  let odd = (b & 2u) != 0u;
  let v0 = W[a];
  let d = select(half_lo(v0), half_hi(v0), odd);
  return i8x4(qw(a + k + select(0u, 1u, odd), !odd)) * d;
}
