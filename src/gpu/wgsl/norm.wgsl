// RMSNorm of rows: y = x / sqrt(mean(x^2) + eps) * w, one workgroup of 256
// per row; loops take 4 elements per lane per trip, so 4 loads are in
// flight at once (the compilers behind WebGPU rarely unroll).
//   rmsnorm          Y[row] = norm(X[row]) * w
//   rmsnorm_add      Y[row] += norm(X[row]) * w   (Gemma's post norms + residual)

struct Step { n_tokens: u32, pos0: u32, pad0: u32, pad1: u32 }
struct P { dim: u32, n_rows: u32, x_off: u32, x_stride: u32, y_off: u32, y_stride: u32, eps: u32 }
@group(0) @binding(0) var<uniform> step: Step;
@group(0) @binding(1) var<uniform> p: P;
@group(0) @binding(2) var<storage, read> X: array<f32>;
@group(0) @binding(3) var<storage, read> NW: array<f32>;
@group(0) @binding(4) var<storage, read_write> Y: array<f32>;

const WG: u32 = 256u;
var<workgroup> red: array<f32, 256>;

fn row_scale(xb: u32, lid: u32) -> f32 {
  var s0 = 0.0;
  var s1 = 0.0;
  var s2 = 0.0;
  var s3 = 0.0;
  var i = lid;
  for (; i + 3u * WG < p.dim; i += 4u * WG) {
    let a = X[xb + i];
    let b = X[xb + i + WG];
    let c = X[xb + i + 2u * WG];
    let d = X[xb + i + 3u * WG];
    s0 += a * a;
    s1 += b * b;
    s2 += c * c;
    s3 += d * d;
  }
  for (; i < p.dim; i += WG) {
    let a = X[xb + i];
    s0 += a * a;
  }
  red[lid] = (s0 + s1) + (s2 + s3);
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s >>= 1u) {
    if (lid < s) {
      red[lid] += red[lid + s];
    }
    workgroupBarrier();
  }
  return 1.0 / sqrt(red[0] / f32(p.dim) + bitcast<f32>(p.eps));
}

@compute @workgroup_size(256)
fn rmsnorm(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  _ = step.n_tokens;
  let xb = p.x_off + wid.x * p.x_stride;
  let yb = p.y_off + wid.x * p.y_stride;
  let sc = row_scale(xb, lid);
  var i = lid;
  for (; i + 3u * WG < p.dim; i += 4u * WG) {
    let a = X[xb + i] * NW[i];
    let b = X[xb + i + WG] * NW[i + WG];
    let c = X[xb + i + 2u * WG] * NW[i + 2u * WG];
    let d = X[xb + i + 3u * WG] * NW[i + 3u * WG];
    Y[yb + i] = a * sc;
    Y[yb + i + WG] = b * sc;
    Y[yb + i + 2u * WG] = c * sc;
    Y[yb + i + 3u * WG] = d * sc;
  }
  for (; i < p.dim; i += WG) {
    Y[yb + i] = X[xb + i] * sc * NW[i];
  }
}

@compute @workgroup_size(256)
fn rmsnorm_add(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  _ = step.n_tokens;
  let xb = p.x_off + wid.x * p.x_stride;
  let yb = p.y_off + wid.x * p.y_stride;
  let sc = row_scale(xb, lid);
  for (var i = lid; i < p.dim; i += WG) {
    Y[yb + i] += X[xb + i] * sc * NW[i];
  }
}
