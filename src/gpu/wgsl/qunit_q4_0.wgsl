// sub4 for Q4_0 (see qunit.wgsl): Q4_0: word k % 4 of the nibbles, low (k < 4) or high nibbles
fn sub4(rb: u32, u: u32, k: u32) -> vec4<f32> {
  let b = rb + 18u * u;
  let a = b >> 2u;
  let odd = (b & 2u) != 0u;
  let v0 = W[a];
  let d = select(half_lo(v0), half_hi(v0), odd);
  let q = qw(a + (k & 3u) + select(0u, 1u, odd), !odd); // bytes b + 2 + 4 (k % 4)
  return (nib4(q, 4u * (k >> 2u)) - 8.0) * d;
}
