// Causal attention, split over the KV length (flash-decoding): for each
// (head, token) the positions j0 .. pos (pos = pos0 + token; sliding-
// window layers start at pos + 1 - n_swa as llama.cpp masks) are cut into
// chunks of `chunk` positions, one workgroup each (attn_split): scores
// (q.k * scale, soft-capped when softcap > 0) in workgroup memory, their
// max m, l = sum exp(s - m) and o = sum exp(s - m) v go to a partial
// record; attn_combine merges the records of a (head, token):
// O = sum_s e^(m_s - M) o_s / sum_s e^(m_s - M) l_s. GQA: head h reads kv
// head h / group (head_dim a multiple of 16, at most 256). Decode gets many short chunks (many workgroups for one
// token); prefill steps longer ones (the partials buffer holds
// n_tok * n_head * n_split records of head_dim + 2 floats).

struct Step { n_tokens: u32, pos0: u32, pad0: u32, pad1: u32 }
struct P {
  n_head: u32, group: u32, head_dim: u32, kv_row: u32, n_swa: u32, scale: u32, softcap: u32,
  chunk: u32, n_split: u32,
}
@group(0) @binding(0) var<uniform> step: Step;
@group(0) @binding(1) var<uniform> p: P;
@group(0) @binding(2) var<storage, read> Q: array<f32>;
@group(0) @binding(3) var<storage, read> KC: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read> VC: array<vec4<f32>>;
@group(0) @binding(5) var<storage, read_write> O: array<f32>;
@group(0) @binding(6) var<storage, read_write> PART: array<f32>;

const WG: u32 = 64u;
const MAX_CHUNK: u32 = 1024u;
const MAX_HD: u32 = 256u;
var<workgroup> red: array<f32, 64>;
var<workgroup> sc: array<f32, 1024>;
var<workgroup> qv: array<vec4<f32>, 64>;
var<workgroup> pv: array<vec4<f32>, 64>;

fn reduce_max(v: f32, lid: u32) -> f32 {
  red[lid] = v;
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s >>= 1u) {
    if (lid < s) {
      red[lid] = max(red[lid], red[lid + s]);
    }
    workgroupBarrier();
  }
  let r = red[0];
  workgroupBarrier();
  return r;
}

fn reduce_sum(v: f32, lid: u32) -> f32 {
  red[lid] = v;
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s >>= 1u) {
    if (lid < s) {
      red[lid] += red[lid + s];
    }
    workgroupBarrier();
  }
  let r = red[0];
  workgroupBarrier();
  return r;
}

fn first_pos(pos: u32) -> u32 {
  if (p.n_swa > 0u && pos + 1u > p.n_swa) {
    return pos + 1u - p.n_swa;
  }
  return 0u;
}

@compute @workgroup_size(64)
fn attn_split(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let head = wid.x;
  let tok = wid.y;
  let split = wid.z;
  let pos = step.pos0 + tok;
  let hd = p.head_dim;
  let rec = ((tok * p.n_head + head) * p.n_split + split) * (hd + 2u);
  let a = max(first_pos(pos), split * p.chunk);
  let e = min(pos + 1u, (split + 1u) * p.chunk);
  if (a >= e) { // nothing of this chunk is visible: an empty record
    if (lid == 0u) {
      PART[rec + hd] = -3.4e38;
      PART[rec + hd + 1u] = 0.0;
    }
    return;
  }
  let n = e - a;
  let qb = (tok * p.n_head + head) * hd;
  for (var d = lid; d < hd / 4u; d += WG) {
    qv[d] = vec4<f32>(Q[qb + 4u * d], Q[qb + 4u * d + 1u], Q[qb + 4u * d + 2u], Q[qb + 4u * d + 3u]);
  }
  workgroupBarrier();
  let kvo = (head / p.group) * hd;
  let scale = bitcast<f32>(p.scale);
  let cap = bitcast<f32>(p.softcap);
  var mx = -3.4e38;
  for (var i = lid; i < n; i += WG) {
    let kb = ((a + i) * p.kv_row + kvo) / 4u;
    var s = 0.0;
    for (var d = 0u; d < hd / 4u; d += 4u) { // head_dim % 16 == 0: 4 loads in flight
      s += (dot(qv[d], KC[kb + d]) + dot(qv[d + 1u], KC[kb + d + 1u])) +
           (dot(qv[d + 2u], KC[kb + d + 2u]) + dot(qv[d + 3u], KC[kb + d + 3u]));
    }
    s *= scale;
    if (cap > 0.0) {
      s = cap * (1.0 - 2.0 / (1.0 + exp(2.0 * s / cap))); // cap tanh(s / cap), no inf/inf
    }
    sc[i] = s;
    mx = max(mx, s);
  }
  mx = reduce_max(mx, lid);
  var sum = 0.0;
  for (var i = lid; i < n; i += WG) {
    let w = exp(sc[i] - mx);
    sc[i] = w;
    sum += w;
  }
  sum = reduce_sum(sum, lid);
  // o: lane = (column c of vec4 dims, phase ph); phases take every nph-th
  // position, 4 at a time, then meet in workgroup memory
  let cols = hd / 4u;
  let nph = WG / cols;
  let c = lid % cols;
  let ph = lid / cols;
  var acc = vec4<f32>(0.0);
  if (ph < nph) {
    let vrow = p.kv_row / 4u;
    let vb = (a * p.kv_row + kvo) / 4u + c;
    var i = ph;
    for (; i + 3u * nph < n; i += 4u * nph) {
      acc += (sc[i] * VC[vb + i * vrow] + sc[i + nph] * VC[vb + (i + nph) * vrow]) +
             (sc[i + 2u * nph] * VC[vb + (i + 2u * nph) * vrow] + sc[i + 3u * nph] * VC[vb + (i + 3u * nph) * vrow]);
    }
    for (; i < n; i += nph) {
      acc += sc[i] * VC[vb + i * vrow];
    }
  }
  pv[lid] = acc;
  workgroupBarrier();
  if (lid < cols) {
    var o = pv[lid];
    for (var k = 1u; k < nph; k++) {
      o += pv[lid + k * cols];
    }
    PART[rec + 4u * lid] = o.x;
    PART[rec + 4u * lid + 1u] = o.y;
    PART[rec + 4u * lid + 2u] = o.z;
    PART[rec + 4u * lid + 3u] = o.w;
  }
  if (lid == 0u) {
    PART[rec + hd] = mx;
    PART[rec + hd + 1u] = sum;
  }
}

@compute @workgroup_size(64)
fn attn_combine(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let head = wid.x;
  let tok = wid.y;
  let pos = step.pos0 + tok;
  let hd = p.head_dim;
  let st = hd + 2u;
  let r0 = (tok * p.n_head + head) * p.n_split;
  let ns = min(min(p.n_split, pos / p.chunk + 1u), MAX_CHUNK); // records past pos are empty
  var m = -3.4e38;
  for (var s = lid; s < ns; s += WG) {
    m = max(m, PART[(r0 + s) * st + hd]);
  }
  let mx = reduce_max(m, lid);
  var l = 0.0;
  for (var s = lid; s < ns; s += WG) { // record weights e^(m_s - M) in sc
    let rb = (r0 + s) * st;
    let ls = PART[rb + hd + 1u];
    var w = 0.0;
    if (ls > 0.0) {
      w = exp(PART[rb + hd] - mx);
    }
    sc[s] = w;
    l += w * ls;
  }
  let inv = 1.0 / reduce_sum(l, lid);
  let qb = (tok * p.n_head + head) * hd;
  for (var d = lid; d < hd; d += WG) {
    var acc = 0.0;
    var s = 0u;
    for (; s + 3u < ns; s += 4u) {
      acc += (sc[s] * PART[(r0 + s) * st + d] + sc[s + 1u] * PART[(r0 + s + 1u) * st + d]) +
             (sc[s + 2u] * PART[(r0 + s + 2u) * st + d] + sc[s + 3u] * PART[(r0 + s + 3u) * st + d]);
    }
    for (; s < ns; s++) {
      acc += sc[s] * PART[(r0 + s) * st + d];
    }
    O[qb + d] = acc * inv;
  }
}
