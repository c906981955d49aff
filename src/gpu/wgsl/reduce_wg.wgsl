// The `reduce` family without subgroups (the executor picks this file or
// reduce_sg.wgsl): kernels run with SG = 1, so sg_xor is never called and
// every reduction is a workgroup tree.
fn sg_xor(v: f32, m: u32) -> f32 {
  return v;
}
