// Y[t][y_off + r] (+)= W[w_row0 + r] . X[t] (+ bias[bias_off + r]) for r < n_rows,
// t < n_tok: one workgroup per (64 / TPR rows, tile of 8 tokens); TPR threads
// stride over a row, each weight element is dequantized once per tile,
// and the partial sums meet in a workgroup tree reduction. The fallback of
// matvec.wgsl for rows that are not a multiple of 32 elements.
// accumulate != 0: Y += the product. Needs quant.wgsl prepended (W, wval).

struct Step { n_tokens: u32, pos0: u32, pad0: u32, pad1: u32 }
struct P {
  n_in: u32, row_bytes: u32, w_row0: u32, n_rows: u32,
  x_off: u32, x_stride: u32, y_off: u32, y_stride: u32,
  has_bias: u32, bias_off: u32, wg_x: u32, n_tok: u32,
  accumulate: u32,
}
@group(0) @binding(0) var<uniform> step: Step;
@group(0) @binding(1) var<uniform> p: P;
@group(0) @binding(3) var<storage, read> X: array<f32>;
@group(0) @binding(4) var<storage, read_write> Y: array<f32>;
@group(0) @binding(5) var<storage, read> BIAS: array<f32>;

const WG: u32 = 64u;
const TT: u32 = 8u;
// Threads per row (a power of two up to 64): a workgroup computes 64 / TPR
// rows. Long rows want many threads per row; short rows (and SwiftShader,
// where every workgroup and barrier is costly) want many rows per group.
override TPR: u32 = 64u;
var<workgroup> red: array<f32, 512>; // TT * WG

@compute @workgroup_size(64)
fn matmul(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  _ = step.n_tokens;
  let sub = lid / TPR;
  let lane = lid % TPR;
  let r = (wid.x + wid.y * p.wg_x) * (WG / TPR) + sub;
  let valid = r < p.n_rows;
  let t0 = wid.z * TT;
  let nt = min(TT, p.n_tok - t0);
  var acc: array<f32, 8>;
  for (var t = 0u; t < TT; t++) {
    acc[t] = 0.0;
  }
  if (valid) {
    let rb = (p.w_row0 + r) * p.row_bytes;
    for (var i = lane; i < p.n_in; i += TPR) {
      let w = wval(rb, i);
      for (var t = 0u; t < nt; t++) {
        acc[t] += w * X[p.x_off + (t0 + t) * p.x_stride + i];
      }
    }
  }
  if (TPR > 1u) {
    for (var t = 0u; t < TT; t++) {
      red[t * WG + lid] = acc[t];
    }
    workgroupBarrier();
    for (var s = TPR / 2u; s > 0u; s >>= 1u) {
      if (lane < s) {
        for (var t = 0u; t < TT; t++) {
          red[t * WG + lid] += red[t * WG + lid + s];
        }
      }
      workgroupBarrier();
    }
    for (var t = 0u; t < TT; t++) {
      acc[t] = red[t * WG + lid];
    }
  }
  if (valid && lane == 0u) {
    for (var t = 0u; t < nt; t++) {
      var v = acc[t];
      if (p.has_bias != 0u) {
        v += BIAS[p.bias_off + r];
      }
      let y = p.y_off + (t0 + t) * p.y_stride + r;
      if (p.accumulate != 0u) {
        v += Y[y];
      }
      Y[y] = v;
    }
  }
}
