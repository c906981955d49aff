// sub4 for Q6_K (see qunit.wgsl): Q6_K
fn sub4(rb: u32, u: u32, k: u32) -> vec4<f32> {
  let b = rb + 210u * (u / 8u);
  let a = b >> 2u;
  let odd = (b & 2u) != 0u;
  let j = u % 8u;
  let h = j / 4u;
  let kk = j % 4u;
  let ql = qw(a + 16u * h + 8u * (kk & 1u) + k, odd);
  let qh = qw(a + 32u + 8u * h + k, odd);
  let scw = qw(a + 48u + 2u * h + (kk / 2u), odd);
  let dv = W[a + 52u];
  let dq = select(half_lo(dv), half_hi(dv), odd);
  let sh = select(16u, 24u, k < 4u) - 16u * (kk & 1u); // scale byte 2(kk & 1) (+1 for l >= 16)
  let sc = f32((bitcast<i32>(scw) << sh) >> 24u);
  let hs = 2u * kk;
  let hi = ((vec4<u32>(qh) >> vec4<u32>(hs, hs + 8u, hs + 16u, hs + 24u)) & vec4<u32>(3u)) << vec4<u32>(4u);
  let sl = 4u * (kk / 2u);
  let lo = (vec4<u32>(ql) >> vec4<u32>(sl, sl + 8u, sl + 16u, sl + 24u)) & vec4<u32>(15u);
  return (vec4<f32>(lo | hi) - 32.0) * (dq * sc);
}
