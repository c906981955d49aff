// Element-wise steps. Bindings by role: A (read_write, @2), B (read, @3).
//   glu       A[i] = act(A[i]) * B[i]              (SwiGLU, or GeGLU with GELU)
//   softcap   A[i] = cap * tanh(A[i] / cap)        (final logits)

struct Step { n_tokens: u32, pos0: u32, pad0: u32, pad1: u32 }
struct P { n: u32, cap: u32, row: u32 }
@group(0) @binding(0) var<uniform> step: Step;
@group(0) @binding(1) var<uniform> p: P;
@group(0) @binding(2) var<storage, read_write> A: array<f32>;
@group(0) @binding(3) var<storage, read> B: array<f32>;

override GELU: bool = false;

@compute @workgroup_size(64)
fn glu(@builtin(global_invocation_id) gid: vec3<u32>) {
  _ = step.n_tokens;
  let i = gid.x + gid.y * p.row; // 2-D grids: more than 65535 groups
  if (i >= p.n) {
    return;
  }
  let g = A[i];
  var a: f32;
  if (GELU) {
    // 0.5 g (1 + tanh(y)) = g / (1 + exp(-2y)), y = sqrt(2/pi) (g + 0.044715 g^3), as ops.c
    a = g / (1.0 + exp(-2.0 * 0.7978845608028654 * g * (1.0 + 0.044715 * g * g)));
  } else {
    a = g / (1.0 + exp(-g));
  }
  A[i] = a * B[i];
}

@compute @workgroup_size(64)
fn softcap(@builtin(global_invocation_id) gid: vec3<u32>) {
  _ = step.n_tokens;
  if (gid.x < p.n) {
    let cap = bitcast<f32>(p.cap);
    A[gid.x] = cap * (1.0 - 2.0 / (1.0 + exp(2.0 * A[gid.x] / cap))); // tanh without inf/inf
  }
}
