// RMSNorm of rows: y = x / sqrt(mean(x^2) + eps) * w, one workgroup per row.
//   rmsnorm          Y[row] = norm(X[row]) * w
//   rmsnorm_add      Y[row] += norm(X[row]) * w   (Gemma's post norms + residual)
//   rmsnorm_inplace  Y[row] = norm(Y[row]) * w    (per-head q/k norms)

struct Step { n_tokens: u32, pos0: u32, pad0: u32, pad1: u32 }
struct P { dim: u32, n_rows: u32, x_off: u32, x_stride: u32, y_off: u32, y_stride: u32, eps: u32 }
@group(0) @binding(0) var<uniform> step: Step;
@group(0) @binding(1) var<uniform> p: P;
@group(0) @binding(2) var<storage, read> X: array<f32>;
@group(0) @binding(3) var<storage, read> NW: array<f32>;
@group(0) @binding(4) var<storage, read_write> Y: array<f32>;

const WG: u32 = 64u;
var<workgroup> red: array<f32, 64>;

fn row_scale(ss_part: f32, lid: u32) -> f32 {
  red[lid] = ss_part;
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s >>= 1u) {
    if (lid < s) {
      red[lid] += red[lid + s];
    }
    workgroupBarrier();
  }
  let ss = red[0];
  return 1.0 / sqrt(ss / f32(p.dim) + bitcast<f32>(p.eps));
}

@compute @workgroup_size(64)
fn rmsnorm(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  _ = step.n_tokens;
  let xb = p.x_off + wid.x * p.x_stride;
  let yb = p.y_off + wid.x * p.y_stride;
  var ss = 0.0;
  for (var i = lid; i < p.dim; i += WG) {
    let v = X[xb + i];
    ss += v * v;
  }
  let sc = row_scale(ss, lid);
  for (var i = lid; i < p.dim; i += WG) {
    Y[yb + i] = X[xb + i] * sc * NW[i];
  }
}

@compute @workgroup_size(64)
fn rmsnorm_add(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  _ = step.n_tokens;
  let xb = p.x_off + wid.x * p.x_stride;
  let yb = p.y_off + wid.x * p.y_stride;
  var ss = 0.0;
  for (var i = lid; i < p.dim; i += WG) {
    let v = X[xb + i];
    ss += v * v;
  }
  let sc = row_scale(ss, lid);
  for (var i = lid; i < p.dim; i += WG) {
    Y[yb + i] += X[xb + i] * sc * NW[i];
  }
}

@compute @workgroup_size(64)
fn rmsnorm_inplace(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  _ = step.n_tokens;
  let yb = p.y_off + wid.x * p.y_stride;
  var ss = 0.0;
  for (var i = lid; i < p.dim; i += WG) {
    let v = Y[yb + i];
    ss += v * v;
  }
  let sc = row_scale(ss, lid);
  workgroupBarrier();
  for (var i = lid; i < p.dim; i += WG) {
    Y[yb + i] = Y[yb + i] * sc * NW[i];
  }
}
