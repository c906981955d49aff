// sub4 for the types without a file of their own (see qunit.wgsl):
// element by element through quant.wgsl's wval.
fn sub4(rb: u32, u: u32, k: u32) -> vec4<f32> {
  let e = 32u * u + 4u * k;
  var w: vec4<f32>;
  for (var i = 0u; i < 4u; i++) {
    w[i] = wval(rb, e + i);
  }
  return w;
}
