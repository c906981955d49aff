// Y[t][y_off + r] (+)= W[w_row0 + r] . X[t] (+ bias[bias_off + r]) for
// r < n_rows, t < n_tok, on rows of a multiple of 32 elements: mv1 for
// decode (one token), mm for prefill steps. accumulate != 0: Y += the
// product (the residual add fused in).
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

override WG: u32 = 256u;  // mv1's threads per workgroup
override TPR: u32 = 32u;  // mv1's threads per row: a multiple of 8, a power of two <= WG
override SG: u32 = 1u;    // lanes a subgroup is known to hold (power of two; 1: no subgroups)
var<workgroup> red: array<f32, 256>;

// Prefill (a step of several tokens): a tiled product. A workgroup of 256
// computes 64 rows x 32 tokens; per 32-element unit of the rows it
// dequantizes the 64 x 32 weights once into workgroup memory (sub4, each
// lane 8 of them) and stages the 32 tokens' x, then each lane accumulates
// 4 rows (r, r + 16, r + 32, r + 48) x 2 tokens with vec4 dot products.
// Rows are padded to 9 vec4 so the lanes of a phase hit distinct banks.
const MM_ROWS: u32 = 64u;
const MM_TOKS: u32 = 32u;
var<workgroup> ws: array<vec4<f32>, 576>; // 64 rows x 9
var<workgroup> xs: array<vec4<f32>, 288>; // 32 tokens x 9

@compute @workgroup_size(256)
fn mm(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  _ = step.n_tokens;
  _ = WTYPE;
  let r0 = (wid.x + wid.y * p.wg_x) * MM_ROWS;
  let t0 = wid.z * MM_TOKS;
  let nu = p.n_in / 32u;
  // loaders: weights row lr, vec4s 2 lk and 2 lk + 1; x token lt, vec4 lx
  let lr = lid / 4u;
  let lk = 2u * (lid % 4u);
  let lrow_ok = r0 + lr < p.n_rows;
  let rb = (p.w_row0 + min(r0 + lr, p.n_rows - 1u)) * p.row_bytes;
  let lt = lid / 8u;
  let lx = lid % 8u;
  let ltok_ok = t0 + lt < p.n_tok;
  let xrow = (p.x_off + (t0 + min(lt, p.n_tok - 1u - t0)) * p.x_stride) / 4u + lx;
  // compute: rows rg + 16i, tokens tg + 16j
  let rg = lid % 16u;
  let tg = lid / 16u;
  var acc: array<vec4<f32>, 2>; // [token j] = rows i = 0..3
  acc[0] = vec4<f32>(0.0);
  acc[1] = vec4<f32>(0.0);
  for (var u = 0u; u < nu; u++) {
    var w0 = vec4<f32>(0.0);
    var w1 = vec4<f32>(0.0);
    if (lrow_ok) {
      w0 = sub4(rb, u, lk);
      w1 = sub4(rb, u, lk + 1u);
    }
    ws[lr * 9u + lk] = w0;
    ws[lr * 9u + lk + 1u] = w1;
    xs[lt * 9u + lx] = select(vec4<f32>(0.0), X[xrow + 8u * u], ltok_ok);
    workgroupBarrier();
    for (var kk = 0u; kk < 8u; kk++) {
      let a0 = ws[rg * 9u + kk];
      let a1 = ws[(rg + 16u) * 9u + kk];
      let a2 = ws[(rg + 32u) * 9u + kk];
      let a3 = ws[(rg + 48u) * 9u + kk];
      let b0 = xs[tg * 9u + kk];
      let b1 = xs[(tg + 16u) * 9u + kk];
      acc[0] += vec4<f32>(dot(a0, b0), dot(a1, b0), dot(a2, b0), dot(a3, b0));
      acc[1] += vec4<f32>(dot(a0, b1), dot(a1, b1), dot(a2, b1), dot(a3, b1));
    }
    workgroupBarrier();
  }
  for (var j = 0u; j < 2u; j++) {
    let t = t0 + tg + 16u * j;
    if (t < p.n_tok) {
      for (var i = 0u; i < 4u; i++) {
        let r = r0 + rg + 16u * i;
        if (r < p.n_rows) {
          var v = acc[j][i];
          if (p.has_bias != 0u) {
            v += BIAS[p.bias_off + r];
          }
          let y = p.y_off + t * p.y_stride + r;
          if (p.accumulate != 0u) {
            v += Y[y];
          }
          Y[y] = v;
        }
      }
    }
  }
}

// Decode (one token): 8 lanes per 32-element unit (qunit.wgsl sub4: lane k
// takes elements 4k .. 4k+3, so a subgroup reads contiguous weights and x),
// TPR / 8 units of a row at once, 4 per trip so their loads overlap;
// subgroup butterfly and workgroup tree as above. TPR: a multiple of 8.
@compute @workgroup_size(WG)
fn mv1(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  _ = step.n_tokens;
  _ = WTYPE;
  let lane = lid % TPR;
  let r = (wid.x + wid.y * p.wg_x) * (WG / TPR) + lid / TPR;
  let valid = r < p.n_rows;
  var v = 0.0;
  if (valid) {
    let rb = (p.w_row0 + r) * p.row_bytes;
    let nu = p.n_in / 32u;
    let k = lane % 8u;
    let ng = TPR / 8u;
    let xb = p.x_off / 4u + k;
    var u = lane / 8u;
    for (; u + 3u * ng < nu; u += 4u * ng) {
      let w0 = sub4(rb, u, k);
      let w1 = sub4(rb, u + ng, k);
      let w2 = sub4(rb, u + 2u * ng, k);
      let w3 = sub4(rb, u + 3u * ng, k);
      v += (dot(w0, X[xb + 8u * u]) + dot(w1, X[xb + 8u * (u + ng)])) +
           (dot(w2, X[xb + 8u * (u + 2u * ng)]) + dot(w3, X[xb + 8u * (u + 3u * ng)]));
    }
    for (; u < nu; u += ng) {
      v += dot(sub4(rb, u, k), X[xb + 8u * u]);
    }
  }
  for (var m = min(TPR, SG) / 2u; m > 0u; m >>= 1u) {
    v += sg_xor(v, m);
  }
  if (TPR > SG) {
    red[lid] = v;
    workgroupBarrier();
    for (var s = TPR / 2u; s >= SG; s >>= 1u) {
      if (lane < s) {
        red[lid] += red[lid + s];
      }
      workgroupBarrier();
    }
    v = red[lid];
  }
  if (valid && lane == 0u) {
    if (p.has_bias != 0u) {
      v += BIAS[p.bias_off + r];
    }
    let y = p.y_off + r;
    if (p.accumulate != 0u) {
      v += Y[y];
    }
    Y[y] = v;
  }
}
