// Whole-word dequantization for the products (matvec.wgsl): `unit(rb, u)`
// returns elements 32u .. 32u+31 of the row whose bytes start at rb, as 8
// vec4 (w[i] = elements 4i .. 4i+3), reading the block's bytes as u32 words
// (consecutive threads take consecutive units, so a subgroup reads one
// contiguous run of the row). Blocks whose size is 2 mod 4 (Q4_0, Q5_0,
// Q8_0, Q6_K) start at even offsets: their words are funnel-shifted from
// two aligned loads. Layouts as quant.wgsl (ggml's; src/quant/quantize.c
// has the reference dequantizers). Needs @binding(2) W: array<u32> and
// WTYPE (quant.wgsl declares both). Rows of a multiple of 32 elements.

// The 4 bytes at byte offset b (even) from the words a = b >> 2 and a + 1.
fn qw(a: u32, odd: bool) -> u32 {
  let lo = W[a];
  return select(lo, (lo >> 16u) | (W[a + 1u] << 16u), odd); // branch-free: neighbours alternate
}

// 4 unsigned nibbles (bits sh..sh+3 of each byte) / 4 signed bytes as f32
fn nib4(q: u32, sh: u32) -> vec4<f32> {
  return vec4<f32>((vec4<u32>(q) >> vec4<u32>(sh, sh + 8u, sh + 16u, sh + 24u)) & vec4<u32>(15u));
}

fn bit4(q: u32, sh: u32) -> vec4<u32> {
  return (vec4<u32>(q) >> vec4<u32>(sh, sh + 8u, sh + 16u, sh + 24u)) & vec4<u32>(1u);
}

fn i8x4(q: u32) -> vec4<f32> {
  return vec4<f32>((vec4<i32>(bitcast<i32>(q)) << vec4<u32>(24u, 16u, 8u, 0u)) >> vec4<u32>(24u));
}

fn half_lo(v: u32) -> f32 {
  return unpack2x16float(v).x;
}

fn half_hi(v: u32) -> f32 {
  return unpack2x16float(v).y;
}

// Q4_K / Q5_K: 6-bit scale and min of sub-block j (0..7) from the 3 scale words at a
fn k4_sm(a: u32, j: u32) -> vec2<f32> {
  let s0 = W[a];
  let s1 = W[a + 1u];
  let s2 = W[a + 2u];
  let jj = j & 3u;
  let b0 = (s0 >> (8u * jj)) & 0xffu;   // byte j (j < 4)
  let b4 = (s1 >> (8u * jj)) & 0xffu;   // byte j + 4
  let b8 = (s2 >> (8u * jj)) & 0xffu;   // byte j + 8
  if (j < 4u) {
    return vec2<f32>(f32(b0 & 63u), f32(b4 & 63u));
  }
  // j >= 4: sc = (b[j+4] & 0xf) | (b[j-4] >> 6) << 4, m = (b[j+4] >> 4) | (b[j] >> 6) << 4
  return vec2<f32>(f32((b8 & 0xfu) | ((b0 >> 6u) << 4u)), f32((b8 >> 4u) | ((b4 >> 6u) << 4u)));
}

fn unit(rb: u32, u: u32) -> array<vec4<f32>, 8> {
  var w: array<vec4<f32>, 8>;
  switch WTYPE {
    case 0u: { // F32
      let a = (rb >> 2u) + 32u * u;
      for (var i = 0u; i < 8u; i++) {
        w[i] = vec4<f32>(bitcast<f32>(W[a + 4u * i]), bitcast<f32>(W[a + 4u * i + 1u]),
                         bitcast<f32>(W[a + 4u * i + 2u]), bitcast<f32>(W[a + 4u * i + 3u]));
      }
    }
    case 1u: { // F16
      let a = (rb >> 2u) + 16u * u;
      for (var i = 0u; i < 8u; i++) {
        w[i] = vec4<f32>(unpack2x16float(W[a + 2u * i]), unpack2x16float(W[a + 2u * i + 1u]));
      }
    }
    case 30u: { // BF16
      let a = (rb >> 2u) + 16u * u;
      for (var i = 0u; i < 8u; i++) {
        let v0 = W[a + 2u * i];
        let v1 = W[a + 2u * i + 1u];
        w[i] = vec4<f32>(bitcast<f32>(v0 << 16u), bitcast<f32>(v0 & 0xffff0000u),
                         bitcast<f32>(v1 << 16u), bitcast<f32>(v1 & 0xffff0000u));
      }
    }
    case 2u: { // Q4_0 (18 bytes): d, 16 bytes of nibbles (j | j+16 << 4)
      let b = rb + 18u * u;
      let a = b >> 2u;
      let odd = (b & 2u) != 0u;
      let v0 = W[a];
      let d = select(half_lo(v0), half_hi(v0), odd);
      let dm = -8.0 * d;
      for (var i = 0u; i < 4u; i++) {
        let q = qw(a + i + select(0u, 1u, odd), !odd); // bytes at b + 2 + 4i
        w[i] = nib4(q, 0u) * d + dm;
        w[i + 4u] = nib4(q, 4u) * d + dm;
      }
    }
    case 3u: { // Q4_1 (20 bytes): d, m, nibbles
      let a = (rb >> 2u) + 5u * u;
      let dm = unpack2x16float(W[a]);
      for (var i = 0u; i < 4u; i++) {
        let q = W[a + 1u + i];
        w[i] = nib4(q, 0u) * dm.x + dm.y;
        w[i + 4u] = nib4(q, 4u) * dm.x + dm.y;
      }
    }
    case 6u: { // Q5_0 (22 bytes): d, qh (32 fifth bits), nibbles
      let b = rb + 22u * u;
      let a = b >> 2u;
      let odd = (b & 2u) != 0u;
      let v0 = W[a];
      let d = select(half_lo(v0), half_hi(v0), odd);
      let qh = select(qw(a, true), W[a + 1u], odd);      // bytes b+2..b+5
      for (var i = 0u; i < 4u; i++) {
        let q = select(qw(a + 1u + i, true), W[a + 2u + i], odd); // bytes b+6+4i
        let hl = vec4<f32>(((vec4<u32>(qh) >> vec4<u32>(4u * i, 4u * i + 1u, 4u * i + 2u, 4u * i + 3u)) & vec4<u32>(1u)) << vec4<u32>(4u));
        let hh = vec4<f32>(((vec4<u32>(qh) >> vec4<u32>(4u * i + 16u, 4u * i + 17u, 4u * i + 18u, 4u * i + 19u)) & vec4<u32>(1u)) << vec4<u32>(4u));
        w[i] = (nib4(q, 0u) + hl - 16.0) * d;
        w[i + 4u] = (nib4(q, 4u) + hh - 16.0) * d;
      }
    }
    case 7u: { // Q5_1 (24 bytes): d, m, qh, nibbles
      let a = (rb >> 2u) + 6u * u;
      let dm = unpack2x16float(W[a]);
      let qh = W[a + 1u];
      for (var i = 0u; i < 4u; i++) {
        let q = W[a + 2u + i];
        let hl = vec4<f32>(((vec4<u32>(qh) >> vec4<u32>(4u * i, 4u * i + 1u, 4u * i + 2u, 4u * i + 3u)) & vec4<u32>(1u)) << vec4<u32>(4u));
        let hh = vec4<f32>(((vec4<u32>(qh) >> vec4<u32>(4u * i + 16u, 4u * i + 17u, 4u * i + 18u, 4u * i + 19u)) & vec4<u32>(1u)) << vec4<u32>(4u));
        w[i] = (nib4(q, 0u) + hl) * dm.x + dm.y;
        w[i + 4u] = (nib4(q, 4u) + hh) * dm.x + dm.y;
      }
    }
    case 8u: { // Q8_0 (34 bytes): d, 32 int8
      let b = rb + 34u * u;
      let a = b >> 2u;
      let odd = (b & 2u) != 0u;
      let v0 = W[a];
      let d = select(half_lo(v0), half_hi(v0), odd);
      for (var i = 0u; i < 8u; i++) {
        let q = qw(a + i + select(0u, 1u, odd), !odd); // bytes at b + 2 + 4i
        w[i] = i8x4(q) * d;
      }
    }
    case 12u: { // Q4_K (144 bytes per 256): d, dmin, 12 scale bytes, 128 nibble bytes
      let a = (rb >> 2u) + 36u * (u / 8u);
      let j = u % 8u;
      let dd = unpack2x16float(W[a]);
      let sm = k4_sm(a + 1u, j);
      let sc = dd.x * sm.x;
      let mn = dd.y * sm.y;
      let qa = a + 4u + 8u * (j / 2u);
      let sh = 4u * (j & 1u);
      for (var i = 0u; i < 8u; i++) {
        w[i] = nib4(W[qa + i], sh) * sc - mn;
      }
    }
    case 13u: { // Q5_K (176 bytes per 256): d, dmin, scales, 32 qh bytes, 128 nibble bytes
      let a = (rb >> 2u) + 44u * (u / 8u);
      let j = u % 8u;
      let dd = unpack2x16float(W[a]);
      let sm = k4_sm(a + 1u, j);
      let sc = dd.x * sm.x;
      let mn = dd.y * sm.y;
      let qa = a + 12u + 8u * (j / 2u);
      let sh = 4u * (j & 1u);
      for (var i = 0u; i < 8u; i++) {
        let hb = vec4<f32>(bit4(W[a + 4u + i], j) << vec4<u32>(4u));
        w[i] = (nib4(W[qa + i], sh) + hb) * sc - mn;
      }
    }
    case 14u: { // Q6_K (210 bytes per 256): ql[128], qh[64], int8 scales[16], d
      let b = rb + 210u * (u / 8u);
      let a = b >> 2u;
      let odd = (b & 2u) != 0u;
      let j = u % 8u;
      let h = j / 4u;
      let kk = j % 4u;
      let dv = W[a + 52u];                             // d at byte b + 208
      let dq = select(half_lo(dv), half_hi(dv), odd);
      let scw = qw(a + 48u + 2u * h + (kk / 2u), odd); // scale bytes 8h + 4(kk/2) .. +3
      let s0 = f32((bitcast<i32>(scw) << (24u - 16u * (kk & 1u))) >> 24u);
      let s1 = f32((bitcast<i32>(scw) << (16u - 16u * (kk & 1u))) >> 24u);
      let la = a + 16u * h + 8u * (kk & 1u);           // ql bytes 64h + 32(kk & 1)
      let ha = a + 32u + 8u * h;                       // qh bytes 128 + 32h
      let sl = 4u * (kk / 2u);
      for (var i = 0u; i < 8u; i++) {
        let ql = qw(la + i, odd);
        let qh = qw(ha + i, odd);
        let hi2 = vec4<f32>(((vec4<u32>(qh) >> vec4<u32>(2u * kk, 2u * kk + 8u, 2u * kk + 16u, 2u * kk + 24u)) & vec4<u32>(3u)) << vec4<u32>(4u));
        let sc = select(s1, s0, i < 4u) * dq;
        w[i] = (nib4(ql, sl) + hi2 - 32.0) * sc;
      }
    }
    default: {
    }
  }
  return w;
}
