// Weight element access for every GGUF type the GPU path reads, from the
// raw block bytes (ggml's layouts; src/quant/quantize.c has the reference
// dequantizers these mirror). Weights are bound as array<u32> at
// @binding(2): blocks such as Q4_0's 18 bytes are not 4-aligned, so bytes
// are extracted from words. f16 values are read with unpack2x16float: no
// shader-f16 needed. Prepended to matmul.wgsl and embed.wgsl; WTYPE (the
// ggml type id) is an override constant, so each pipeline keeps one branch.

@group(0) @binding(2) var<storage, read> W: array<u32>;

override WTYPE: u32 = 0u;

fn wbyte(b: u32) -> u32 {
  return (W[b >> 2u] >> ((b & 3u) * 8u)) & 0xffu;
}

// 16 bits at an even byte offset
fn whalf(b: u32) -> u32 {
  let w = W[b >> 2u];
  return select(w & 0xffffu, w >> 16u, (b & 2u) != 0u);
}

fn wf16(b: u32) -> f32 {
  return unpack2x16float(whalf(b)).x;
}

fn wi8(b: u32) -> f32 {
  let v = i32(wbyte(b));
  return f32(select(v, v - 256, v > 127));
}

// Q4_K / Q5_K: 6-bit scale and min of sub-block j (0..7) from the 12 bytes at s
fn k4_scale_min(s: u32, j: u32) -> vec2<f32> {
  if (j < 4u) {
    return vec2<f32>(f32(wbyte(s + j) & 63u), f32(wbyte(s + j + 4u) & 63u));
  }
  let sc = (wbyte(s + j + 4u) & 0xfu) | ((wbyte(s + j - 4u) >> 6u) << 4u);
  let m = (wbyte(s + j + 4u) >> 4u) | ((wbyte(s + j) >> 6u) << 4u);
  return vec2<f32>(f32(sc), f32(m));
}

// Element i of the row whose bytes start at rb.
fn wval(rb: u32, i: u32) -> f32 {
  switch WTYPE {
    case 0u: { // F32
      return bitcast<f32>(W[(rb >> 2u) + i]);
    }
    case 1u: { // F16
      return wf16(rb + 2u * i);
    }
    case 30u: { // BF16
      return bitcast<f32>(whalf(rb + 2u * i) << 16u);
    }
    case 2u: { // Q4_0: d, 16 bytes of nibbles (j | j+16 << 4)
      let blk = rb + (i / 32u) * 18u;
      let j = i % 32u;
      let q = wbyte(blk + 2u + (j % 16u));
      let n = select(q & 0xfu, q >> 4u, j >= 16u);
      return (f32(n) - 8.0) * wf16(blk);
    }
    case 3u: { // Q4_1: d, m, nibbles
      let blk = rb + (i / 32u) * 20u;
      let j = i % 32u;
      let q = wbyte(blk + 4u + (j % 16u));
      let n = select(q & 0xfu, q >> 4u, j >= 16u);
      return f32(n) * wf16(blk) + wf16(blk + 2u);
    }
    case 6u: { // Q5_0: d, qh (32 fifth bits), nibbles
      let blk = rb + (i / 32u) * 22u;
      let j = i % 32u;
      let q = wbyte(blk + 6u + (j % 16u));
      let lo = select(q & 0xfu, q >> 4u, j >= 16u);
      let hi = (wbyte(blk + 2u + j / 8u) >> (j % 8u)) & 1u;
      return (f32(lo | (hi << 4u)) - 16.0) * wf16(blk);
    }
    case 7u: { // Q5_1: d, m, qh, nibbles
      let blk = rb + (i / 32u) * 24u;
      let j = i % 32u;
      let q = wbyte(blk + 8u + (j % 16u));
      let lo = select(q & 0xfu, q >> 4u, j >= 16u);
      let hi = (wbyte(blk + 4u + j / 8u) >> (j % 8u)) & 1u;
      return f32(lo | (hi << 4u)) * wf16(blk) + wf16(blk + 2u);
    }
    case 8u: { // Q8_0: d, 32 int8
      let blk = rb + (i / 32u) * 34u;
      return wi8(blk + 2u + (i % 32u)) * wf16(blk);
    }
    case 12u: { // Q4_K: d, dmin, 12 scale bytes, 128 nibble bytes
      let blk = rb + (i / 256u) * 144u;
      let k = i % 256u;
      let g = k / 64u;
      let hi = (k % 64u) >= 32u;
      let l = k % 32u;
      let sm = k4_scale_min(blk + 4u, 2u * g + select(0u, 1u, hi));
      let q = wbyte(blk + 16u + 32u * g + l);
      let n = select(q & 0xfu, q >> 4u, hi);
      return wf16(blk) * sm.x * f32(n) - wf16(blk + 2u) * sm.y;
    }
    case 13u: { // Q5_K: d, dmin, scales, 32 qh bytes, 128 nibble bytes
      let blk = rb + (i / 256u) * 176u;
      let k = i % 256u;
      let g = k / 64u;
      let h = select(0u, 1u, (k % 64u) >= 32u);
      let l = k % 32u;
      let sm = k4_scale_min(blk + 4u, 2u * g + h);
      let q = wbyte(blk + 48u + 32u * g + l);
      let lo = select(q & 0xfu, q >> 4u, h == 1u);
      let hb = (wbyte(blk + 16u + l) >> (2u * g + h)) & 1u;
      return wf16(blk) * sm.x * f32(lo | (hb << 4u)) - wf16(blk + 2u) * sm.y;
    }
    case 14u: { // Q6_K: ql[128], qh[64], int8 scales[16], d
      let blk = rb + (i / 256u) * 210u;
      let k = i % 256u;
      let h = k / 128u;
      let r = k % 128u;
      let kk = r / 32u;
      let l = r % 32u;
      let ql = wbyte(blk + 64u * h + l + 32u * (kk & 1u));
      let lo = select(ql & 0xfu, ql >> 4u, kk >= 2u);
      let hb = (wbyte(blk + 128u + 32u * h + l) >> (2u * kk)) & 3u;
      let q = f32(lo | (hb << 4u)) - 32.0;
      let s = 8u * h + l / 16u + 2u * kk;
      return wf16(blk + 208u) * wi8(blk + 192u + s) * q;
    }
    default: {
      return 0.0;
    }
  }
}
