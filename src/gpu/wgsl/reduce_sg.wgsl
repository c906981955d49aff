// The `reduce` family with the `subgroups` feature (the executor prepends
// `enable subgroups;` and sets SG to the adapter's subgroupMinSize):
// lanes exchange partial sums within subgroups of at least SG lanes, which
// hold consecutive invocation indices of the workgroup.
fn sg_xor(v: f32, m: u32) -> f32 {
  return subgroupShuffleXor(v, m);
}
