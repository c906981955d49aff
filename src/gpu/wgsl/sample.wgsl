// Token selection on the GPU, so a decode step reads back 4 bytes (the id),
// not the logits, and the next step's embedding lookup reads the id where
// it lies. One workgroup of 256 over the n_vocab logits (after softcap):
//   temp <= 0   greedy: the argmax (the lowest id among equal maxima);
//   temp > 0    a draw from softmax(logits / temp) restricted to the top_k
//               largest (0: no limit), then to the smallest top set whose
//               probability reaches top_p (1: no limit), by the Gumbel-max
//               trick: argmax over the kept ids of l / temp + G, G =
//               -log(-log(u)), u from a hash of (seed, position, id): the
//               same seed and prompt give the same ids. The kept set is a
//               threshold on the logits found by bisection (24 halvings of
//               the logit range each for top_k and top_p).
// Writes the id to TOK[0] (the next step's input) and IDS[slot].

struct Step {
  n_tokens: u32, pos0: u32, slot: u32, seed: u32,
  temp: f32, top_k: u32, top_p: f32, n_vocab: u32,
}
@group(0) @binding(0) var<uniform> step: Step;
@group(0) @binding(2) var<storage, read> L: array<f32>;
@group(0) @binding(3) var<storage, read_write> TOK: array<u32>;
@group(0) @binding(4) var<storage, read_write> IDS: array<u32>;

const WG: u32 = 256u;
var<workgroup> rv: array<f32, 256>;
var<workgroup> ri: array<u32, 256>;
var<workgroup> rs: array<f32, 256>;

// (value, id) pairs: the larger value, the lower id among equals
fn better(v: f32, i: u32, w: f32, j: u32) -> bool {
  return w > v || (w == v && j < i);
}

fn reduce_best(v0: f32, i0: u32, lid: u32) -> vec2<u32> {
  rv[lid] = v0;
  ri[lid] = i0;
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s >>= 1u) {
    if (lid < s && better(rv[lid], ri[lid], rv[lid + s], ri[lid + s])) {
      rv[lid] = rv[lid + s];
      ri[lid] = ri[lid + s];
    }
    workgroupBarrier();
  }
  let r = vec2<u32>(bitcast<u32>(rv[0]), ri[0]);
  workgroupBarrier();
  return r;
}

// sums of (a, b) over the workgroup
fn reduce_sum2(a: f32, b: f32, lid: u32) -> vec2<f32> {
  rv[lid] = a;
  rs[lid] = b;
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s >>= 1u) {
    if (lid < s) {
      rv[lid] += rv[lid + s];
      rs[lid] += rs[lid + s];
    }
    workgroupBarrier();
  }
  let r = vec2<f32>(rv[0], rs[0]);
  workgroupBarrier();
  return r;
}

fn hash(x: u32) -> u32 { // lowbias32
  var h = x;
  h ^= h >> 16u;
  h *= 0x7feb352du;
  h ^= h >> 15u;
  h *= 0x846ca68bu;
  h ^= h >> 16u;
  return h;
}

// count and probability mass (relative to exp of the max) of logits >= t
fn above(t: f32, mx: f32, lid: u32) -> vec2<f32> {
  var c = 0.0;
  var m = 0.0;
  for (var i = lid; i < step.n_vocab; i += WG) {
    let l = L[i];
    if (l >= t) {
      c += 1.0;
      m += exp((l - mx) / step.temp);
    }
  }
  return reduce_sum2(c, m, lid);
}

@compute @workgroup_size(256)
fn sample(@builtin(local_invocation_index) lid: u32) {
  let n = step.n_vocab;
  var bv = -3.4e38;
  var bi = 0xffffffffu;
  var i = lid;
  for (; i + 3u * WG < n; i += 4u * WG) { // 4 loads in flight, ids ascending
    let v0 = L[i];
    let v1 = L[i + WG];
    let v2 = L[i + 2u * WG];
    let v3 = L[i + 3u * WG];
    if (better(bv, bi, v0, i)) { bv = v0; bi = i; }
    if (better(bv, bi, v1, i + WG)) { bv = v1; bi = i + WG; }
    if (better(bv, bi, v2, i + 2u * WG)) { bv = v2; bi = i + 2u * WG; }
    if (better(bv, bi, v3, i + 3u * WG)) { bv = v3; bi = i + 3u * WG; }
  }
  for (; i < n; i += WG) {
    let v = L[i];
    if (better(bv, bi, v, i)) {
      bv = v;
      bi = i;
    }
  }
  let best = reduce_best(bv, bi, lid);
  var id = best.y;
  if (step.temp > 0.0) {
    let mx = bitcast<f32>(best.x);
    let span = 80.0 * step.temp; // exp(-80) of the top: nothing lower matters
    var t = mx - span;
    if (step.top_k > 0u && step.top_k < n) { // least t keeping at most top_k
      var lo = mx - span;
      var hi = mx;
      for (var it = 0u; it < 24u; it++) {
        let mid = 0.5 * (lo + hi);
        let cm = above(mid, mx, lid);
        if (cm.x <= f32(step.top_k)) {
          hi = mid;
        } else {
          lo = mid;
        }
      }
      t = hi;
    }
    if (step.top_p < 1.0) { // greatest t keeping mass >= top_p of the top_k set
      let goal = step.top_p * above(t, mx, lid).y;
      var lo = t;
      var hi = mx;
      for (var it = 0u; it < 24u; it++) {
        let mid = 0.5 * (lo + hi);
        if (above(mid, mx, lid).y >= goal) {
          lo = mid;
        } else {
          hi = mid;
        }
      }
      if (above(hi, mx, lid).y >= goal) {
        lo = hi;
      }
      t = lo;
    }
    var gv = -3.4e38;
    var gi = 0xffffffffu;
    let key = hash(step.seed ^ hash(step.pos0 + step.n_tokens));
    for (var i = lid; i < n; i += WG) {
      let l = L[i];
      if (l >= t) {
        let u = (f32(hash(key ^ hash(i + 0x9e3779b9u)) >> 8u) + 0.5) * (1.0 / 16777216.0);
        let g = (l - mx) / step.temp - log(-log(u));
        if (better(gv, gi, g, i)) {
          gv = g;
          gi = i;
        }
      }
    }
    id = reduce_best(gv, gi, lid).y;
  }
  if (lid == 0u) {
    TOK[0] = id;
    IDS[step.slot] = id;
  }
}
