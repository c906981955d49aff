// The attention inputs of a step in one dispatch (rope_qkv), one
// workgroup per (head, token), heads 0 .. n_head + 2 n_head_kv - 1:
//   q heads   [RMS head norm * QN, when QK_NORM] then RoPE, in place in Q;
//   k heads   [head norm * KN] then RoPE, written to row pos0 + token of
//             the K cache (KC);
//   v heads   copied to row pos0 + token of the V cache (VC).
// RoPE on the first n_rot dims of a head, at position pos0 + token: pair i
// turns by pos * freq_scale * theta_scale^i / factor_i (theta_scale =
// base^(-2/n_rot), computed in C as forward.c does); NEOX pairs (i,
// i + n_rot/2), otherwise (2i, 2i+1); cos/sin scaled by mscale.

struct Step { n_tokens: u32, pos0: u32, pad0: u32, pad1: u32 }
struct P {
  n_head: u32, n_head_kv: u32, head_dim: u32, n_rot: u32,
  theta_scale: u32, freq_scale: u32, mscale: u32, kv_row: u32, eps: u32,
}
@group(0) @binding(0) var<uniform> step: Step;
@group(0) @binding(1) var<uniform> p: P;
@group(0) @binding(2) var<storage, read_write> Q: array<f32>;
@group(0) @binding(3) var<storage, read> K: array<f32>;
@group(0) @binding(4) var<storage, read> V: array<f32>;
@group(0) @binding(5) var<storage, read_write> KC: array<f32>;
@group(0) @binding(6) var<storage, read_write> VC: array<f32>;
@group(0) @binding(7) var<storage, read> FACTORS: array<f32>;
@group(0) @binding(8) var<storage, read> QN: array<f32>;
@group(0) @binding(9) var<storage, read> KN: array<f32>;

override NEOX: bool = false;
override HAS_FACTORS: bool = false;
override QK_NORM: bool = false;

const WG: u32 = 64u;
const TWO_PI_HI: f32 = 6.28125;               // exact in 8 bits: k * TWO_PI_HI is exact
const TWO_PI_LO: f32 = 0.0019353071795864769; // 2 pi - TWO_PI_HI
var<workgroup> hv: array<f32, 256>;
var<workgroup> red: array<f32, 64>;

@compute @workgroup_size(64)
fn rope_qkv(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let h = wid.x;
  let tok = wid.y;
  let pos = step.pos0 + tok;
  let hd = p.head_dim;
  if (h >= p.n_head + p.n_head_kv) { // v head
    let vo = (h - p.n_head - p.n_head_kv) * hd;
    for (var d = lid; d < hd; d += WG) {
      VC[pos * p.kv_row + vo + d] = V[tok * p.kv_row + vo + d];
    }
    return;
  }
  let is_q = h < p.n_head;
  let qb = (tok * p.n_head + h) * hd;
  let ko = (h - select(p.n_head, 0u, is_q)) * hd; // k head offset (unused for q)
  for (var d = lid; d < hd; d += WG) {
    if (is_q) {
      hv[d] = Q[qb + d];
    } else {
      hv[d] = K[tok * p.kv_row + ko + d];
    }
  }
  workgroupBarrier();
  if (QK_NORM) {
    var ss = 0.0;
    for (var d = lid; d < hd; d += WG) {
      ss += hv[d] * hv[d];
    }
    red[lid] = ss;
    workgroupBarrier();
    for (var s = WG / 2u; s > 0u; s >>= 1u) {
      if (lid < s) {
        red[lid] += red[lid + s];
      }
      workgroupBarrier();
    }
    let sc = 1.0 / sqrt(red[0] / f32(hd) + bitcast<f32>(p.eps));
    workgroupBarrier();
    for (var d = lid; d < hd; d += WG) {
      hv[d] = hv[d] * sc * select(KN[d], QN[d], is_q);
    }
    workgroupBarrier();
  }
  let half = p.n_rot / 2u;
  let fpos = f32(pos);
  for (var i = lid; i < half; i += WG) {
    var f = 1.0;
    if (HAS_FACTORS) {
      f = FACTORS[i];
    }
    let theta = fpos * pow(bitcast<f32>(p.theta_scale), f32(i));
    var t = bitcast<f32>(p.freq_scale) * theta / f;
    // reduce to [-pi, pi], where WGSL's cos/sin are accurate
    let k = round(t * 0.15915494309189535);
    t = (t - k * TWO_PI_HI) - k * TWO_PI_LO;
    let c = cos(t) * bitcast<f32>(p.mscale);
    let s = sin(t) * bitcast<f32>(p.mscale);
    var a = 2u * i;
    var b = a + 1u;
    if (NEOX) {
      a = i;
      b = i + half;
    }
    let x0 = hv[a];
    let x1 = hv[b];
    hv[a] = x0 * c - x1 * s;
    hv[b] = x0 * s + x1 * c;
  }
  workgroupBarrier();
  for (var d = lid; d < hd; d += WG) {
    if (is_q) {
      Q[qb + d] = hv[d];
    } else {
      KC[pos * p.kv_row + ko + d] = hv[d];
    }
  }
}
