// Y[t][y_off + r] (+)= W[w_row0 + r] . X[t] (+ bias[bias_off + r]) for
// r < n_rows, t < n_tok, on rows of a multiple of 32 elements: the fast
// product for decode (TT = 1) and prefill chunks (TT tokens per workgroup,
// each unit of weights dequantized once for all of them). A workgroup of
// WG threads computes WG / TPR rows; the TPR threads of a row take
// consecutive 32-element units (qunit.wgsl: whole-word reads, so a
// subgroup reads one contiguous run of the row), each held in registers
// and dotted with the tokens' x (vec4 loads). The partial sums meet in
// subgroup shuffles over SG lanes (reduce.wgsl; SG = 1 without the
// `subgroups` feature) and a workgroup tree over the rest.
// accumulate != 0: Y += the product (the residual add fused in).
// Needs quant.wgsl, qunit.wgsl and reduce.wgsl prepended.

struct Step { n_tokens: u32, pos0: u32, pad0: u32, pad1: u32 }
struct P {
  n_in: u32, row_bytes: u32, w_row0: u32, n_rows: u32,
  x_off: u32, x_stride: u32, y_off: u32, y_stride: u32,
  has_bias: u32, bias_off: u32, wg_x: u32, n_tok: u32,
  accumulate: u32,
}
@group(0) @binding(0) var<uniform> step: Step;
@group(0) @binding(1) var<uniform> p: P;
@group(0) @binding(3) var<storage, read> X: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read_write> Y: array<f32>;
@group(0) @binding(5) var<storage, read> BIAS: array<f32>;

override WG: u32 = 128u;  // threads per workgroup; WG * TT <= 1024
override TPR: u32 = 32u;  // threads per row, a power of two <= WG
override TT: u32 = 1u;    // tokens per workgroup, <= 8
override SG: u32 = 1u;    // lanes a subgroup is known to hold (power of two; 1: no subgroups)
var<workgroup> red: array<f32, 1024>;

@compute @workgroup_size(WG)
fn matvec(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  _ = step.n_tokens;
  let lane = lid % TPR;
  let r = (wid.x + wid.y * p.wg_x) * (WG / TPR) + lid / TPR;
  let valid = r < p.n_rows;
  let t0 = wid.z * TT;
  let nt = min(TT, p.n_tok - t0);
  var acc: array<f32, 8>;
  for (var t = 0u; t < 8u; t++) {
    acc[t] = 0.0;
  }
  if (valid) {
    let rb = (p.w_row0 + r) * p.row_bytes;
    let nu = p.n_in / 32u;
    let xs = p.x_stride / 4u;
    let xb = p.x_off / 4u + t0 * xs;
    for (var u = lane; u < nu; u += TPR) {
      let w = unit(rb, u);
      for (var t = 0u; t < TT; t++) {
        if (t < nt) {
          let x = xb + t * xs + 8u * u;
          acc[t] += dot(w[0], X[x]) + dot(w[1], X[x + 1u]) + dot(w[2], X[x + 2u]) + dot(w[3], X[x + 3u]) +
                    dot(w[4], X[x + 4u]) + dot(w[5], X[x + 5u]) + dot(w[6], X[x + 6u]) + dot(w[7], X[x + 7u]);
        }
      }
    }
  }
  // lanes of a row: subgroup butterfly over min(TPR, SG) lanes, then a tree
  for (var t = 0u; t < TT; t++) {
    var v = acc[t];
    for (var m = min(TPR, SG) / 2u; m > 0u; m >>= 1u) {
      v += sg_xor(v, m);
    }
    acc[t] = v;
  }
  if (TPR > SG) {
    for (var t = 0u; t < TT; t++) {
      red[t * WG + lid] = acc[t];
    }
    workgroupBarrier();
    for (var s = TPR / 2u; s >= SG; s >>= 1u) {
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
