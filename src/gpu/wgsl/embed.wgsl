// x[t] = row tokens[t] of the embedding table * scale, for the rows
// row0 .. row0+n_rows-1 this binding holds (a table split over bindings
// gets one dispatch per part; tokens outside the part are skipped).
// Needs quant.wgsl prepended (W, wval).

struct Step { n_tokens: u32, pos0: u32, pad0: u32, pad1: u32 }
struct P { n_embd: u32, row_bytes: u32, row0: u32, n_rows: u32, scale: u32, n_tok: u32 }
@group(0) @binding(0) var<uniform> step: Step;
@group(0) @binding(1) var<uniform> p: P;
@group(0) @binding(3) var<storage, read> TOKENS: array<u32>;
@group(0) @binding(4) var<storage, read_write> X: array<f32>;

@compute @workgroup_size(64)
fn embed(@builtin(global_invocation_id) gid: vec3<u32>) {
  _ = step.n_tokens;
  let i = gid.x;
  let t = gid.y;
  if (i >= p.n_embd || t >= p.n_tok) {
    return;
  }
  let tok = TOKENS[t];
  if (tok < p.row0 || tok >= p.row0 + p.n_rows) {
    return;
  }
  X[t * p.n_embd + i] = wval((tok - p.row0) * p.row_bytes, i) * bitcast<f32>(p.scale);
}
