/* arm64 NEON dot products (baseline ARMv8-A: no dotprod extension
 * needed). Same scheme as kernels_simd128.c: int8 products widened with
 * vmull_s8 and pairwise-added into int32 (exact), block scales applied in
 * f32 with 4 partial sums; fp16 through the hardware conversion. The
 * *_4x (4 tokens) and *_4r (4 rows) variants repeat the per-token,
 * per-row arithmetic exactly, so kern_matmul equals kern_matvec and
 * kern_matvec equals vec_dot bit for bit.
 * Tested under qemu-aarch64 (see tests/conformance/kernels_neon.sh). */
#include "kernels/kernels_internal.h"

#include "gguf/ggml_types.h"

#if defined(__ARM_NEON) && defined(__aarch64__)
#include <arm_neon.h>

/* pairs added first, as the other SIMD tables do */
static inline float hsum4(float32x4_t v) {
    return (vgetq_lane_f32(v, 0) + vgetq_lane_f32(v, 1)) + (vgetq_lane_f32(v, 2) + vgetq_lane_f32(v, 3));
}

/* int8 x int8 over 16 lanes -> 4 int32 partial sums (|products| <= 16384) */
static inline int32x4_t dot_i8(int8x16_t a, int8x16_t b) {
    const int16x8_t p0 = vmull_s8(vget_low_s8(a), vget_low_s8(b));
    const int16x8_t p1 = vmull_high_s8(a, b);
    return vaddq_s32(vpaddlq_s16(p0), vpaddlq_s16(p1));
}

static inline int8x16_t load16(const uint8_t *p) { return vreinterpretq_s8_u8(vld1q_u8(p)); }

/* fp16 -> f32 with the hardware conversion (exact; the same value as
 * wick_f16_to_f32 for every non-NaN input), instead of the branchy C one. */
static inline float half_at(const uint8_t *p) {
    __fp16 h;
    memcpy(&h, p, 2);
    return (float)h;
}

/* 16 bits of a little-endian u32 starting at bit 16*half -> 16 bytes,
 * 0xFF where set. */
static inline uint8x16_t bits16(uint32_t h, int half) {
    const uint8_t b0 = (uint8_t)(h >> (16 * half)), b1 = (uint8_t)(h >> (16 * half + 8));
    const uint8x16_t spread = vcombine_u8(vdup_n_u8(b0), vdup_n_u8(b1));
    static const uint8_t m[16] = {1, 2, 4, 8, 16, 32, 64, 128, 1, 2, 4, 8, 16, 32, 64, 128};
    return vtstq_u8(spread, vld1q_u8(m));
}

static void dot_f32(int64_t n, float *out, const void *w, const void *x) {
    const uint8_t *bw = w;
    const float *px = x;
    float32x4_t a0 = vdupq_n_f32(0), a1 = vdupq_n_f32(0);
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        a0 = vfmaq_f32(a0, vreinterpretq_f32_u8(vld1q_u8(bw + 4 * i)), vld1q_f32(px + i));
        a1 = vfmaq_f32(a1, vreinterpretq_f32_u8(vld1q_u8(bw + 4 * i + 16)), vld1q_f32(px + i + 4));
    }
    float s = hsum4(vaddq_f32(a0, a1));
    for (; i < n; i++) s += kern_f32(bw + 4 * i) * px[i];
    *out = s;
}

static void dot_f16(int64_t n, float *out, const void *w, const void *x) {
    const uint8_t *bw = w;
    const float *px = x;
    float32x4_t a0 = vdupq_n_f32(0), a1 = vdupq_n_f32(0);
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        const float16x8_t h = vreinterpretq_f16_u8(vld1q_u8(bw + 2 * i));
        a0 = vfmaq_f32(a0, vcvt_f32_f16(vget_low_f16(h)), vld1q_f32(px + i));
        a1 = vfmaq_f32(a1, vcvt_high_f32_f16(h), vld1q_f32(px + i + 4));
    }
    float s = hsum4(vaddq_f32(a0, a1));
    for (; i < n; i++) s += half_at(bw + 2 * i) * px[i];
    *out = s;
}

/* Attention over the f16 KV cache (head_dim values: a multiple of 8 in
 * every supported model; the tail loop covers the rest). */
static float dot_f32_f16(int64_t n, const float *x, const uint16_t *h) {
    float32x4_t a0 = vdupq_n_f32(0), a1 = vdupq_n_f32(0);
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        const float16x8_t v = vreinterpretq_f16_u16(vld1q_u16(h + i));
        a0 = vfmaq_f32(a0, vld1q_f32(x + i), vcvt_f32_f16(vget_low_f16(v)));
        a1 = vfmaq_f32(a1, vld1q_f32(x + i + 4), vcvt_high_f32_f16(v));
    }
    float s = hsum4(vaddq_f32(a0, a1));
    for (; i < n; i++) s += x[i] * wick_f16_to_f32(h[i]);
    return s;
}

static void axpy_f16(int64_t n, float a, const uint16_t *h, float *y) {
    const float32x4_t va = vdupq_n_f32(a);
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        const float16x8_t v = vreinterpretq_f16_u16(vld1q_u16(h + i));
        vst1q_f32(y + i, vfmaq_f32(vld1q_f32(y + i), va, vcvt_f32_f16(vget_low_f16(v))));
        vst1q_f32(y + i + 4, vfmaq_f32(vld1q_f32(y + i + 4), va, vcvt_high_f32_f16(v)));
    }
    for (; i < n; i++) y[i] += a * wick_f16_to_f32(h[i]);
}

static void dot_bf16(int64_t n, float *out, const void *w, const void *x) {
    const uint8_t *bw = w;
    const float *px = x;
    float32x4_t a0 = vdupq_n_f32(0);
    int64_t i = 0;
    for (; i + 4 <= n; i += 4) {
        const uint32x4_t h = vshll_n_u16(vreinterpret_u16_u8(vld1_u8(bw + 2 * i)), 16);
        a0 = vfmaq_f32(a0, vreinterpretq_f32_u32(h), vld1q_f32(px + i));
    }
    float s = hsum4(a0);
    for (; i < n; i++) s += wick_bf16_to_f32((uint16_t)(bw[2 * i] | bw[2 * i + 1] << 8)) * px[i];
    *out = s;
}

/* 32-value block as two int8 vectors (values 0..15, 16..31) + d, m */
typedef struct wblk {
    int8x16_t q0, q1;
    float d, m;
} wblk;

static inline wblk nib(const uint8_t *qs, float d, float m, int8_t off) {
    const uint8x16_t t = vld1q_u8(qs);
    const int8x16_t o = vdupq_n_s8(off);
    wblk r = {vsubq_s8(vreinterpretq_s8_u8(vandq_u8(t, vdupq_n_u8(0x0F))), o),
              vsubq_s8(vreinterpretq_s8_u8(vshrq_n_u8(t, 4)), o), d, m};
    return r;
}
static inline wblk unpack_q4_0(const uint8_t *b) { return nib(b + 2, half_at(b), 0, 8); }
static inline wblk unpack_q4_1(const uint8_t *b) { return nib(b + 4, half_at(b), half_at(b + 2), 0); }
static inline wblk unpack_q5_0(const uint8_t *b) {
    wblk r = nib(b + 6, half_at(b), 0, 0);
    const uint32_t h = kern_u32(b + 2);
    const uint8x16_t f0 = vdupq_n_u8(0xF0); /* q - 16: nibble | 0xF0 where bit clear */
    r.q0 = vorrq_s8(r.q0, vreinterpretq_s8_u8(vbicq_u8(f0, bits16(h, 0))));
    r.q1 = vorrq_s8(r.q1, vreinterpretq_s8_u8(vbicq_u8(f0, bits16(h, 1))));
    return r;
}
static inline wblk unpack_q5_1(const uint8_t *b) {
    wblk r = nib(b + 8, half_at(b), half_at(b + 2), 0);
    const uint32_t h = kern_u32(b + 4);
    const uint8x16_t x10 = vdupq_n_u8(0x10);
    r.q0 = vorrq_s8(r.q0, vreinterpretq_s8_u8(vandq_u8(bits16(h, 0), x10)));
    r.q1 = vorrq_s8(r.q1, vreinterpretq_s8_u8(vandq_u8(bits16(h, 1), x10)));
    return r;
}
static inline wblk unpack_q8_0(const uint8_t *b) {
    wblk r = {load16(b + 2), load16(b + 18), half_at(b), 0};
    return r;
}

static inline int32x4_t sum_i8(int8x16_t a) { return vpaddlq_s16(vpaddlq_s8(a)); }

#define STEP(HAS_MIN, wb, bx, acc, accm)                                                       \
    do {                                                                                       \
        const int8x16_t x0_ = load16((bx) + 2), x1_ = load16((bx) + 18);                       \
        const float dx_ = half_at(bx);                                                       \
        const int32x4_t p_ = vaddq_s32(dot_i8((wb).q0, x0_), dot_i8((wb).q1, x1_));            \
        acc = vfmaq_f32(acc, vdupq_n_f32((wb).d * dx_), vcvtq_f32_s32(p_));                    \
        if (HAS_MIN)                                                                           \
            accm = vfmaq_f32(accm, vdupq_n_f32((wb).m * dx_), vcvtq_f32_s32(vaddq_s32(sum_i8(x0_), sum_i8(x1_)))); \
    } while (0)

#define DEF_DOT32(NAME, UNPACK, BYTES, HAS_MIN)                                                \
    static void NAME(int64_t n, float *out, const void *w, const void *x) {                    \
        const uint8_t *bw = w, *bx = x;                                                        \
        float32x4_t acc = vdupq_n_f32(0), accm = vdupq_n_f32(0);                               \
        for (int64_t b = 0; b < n / KQK; b++, bw += BYTES, bx += KB_Q8_0) {                    \
            const wblk wb = UNPACK(bw);                                                        \
            STEP(HAS_MIN, wb, bx, acc, accm);                                                  \
        }                                                                                      \
        *out = hsum4(vaddq_f32(acc, accm));                                                    \
    }                                                                                          \
    static void NAME##_4x(int64_t n, float *out, size_t ldo, const void *w, const void *x, size_t xs) { \
        const uint8_t *bw = w, *bx = x;                                                        \
        float32x4_t acc[4], accm[4];                                                           \
        for (int k = 0; k < 4; k++) acc[k] = accm[k] = vdupq_n_f32(0);                         \
        for (int64_t b = 0; b < n / KQK; b++, bw += BYTES, bx += KB_Q8_0) {                    \
            const wblk wb = UNPACK(bw);                                                        \
            for (int k = 0; k < 4; k++) STEP(HAS_MIN, wb, bx + k * xs, acc[k], accm[k]);       \
        }                                                                                      \
        for (int k = 0; k < 4; k++) out[k * ldo] = hsum4(vaddq_f32(acc[k], accm[k]));         \
    }

DEF_DOT32(dot_q4_0, unpack_q4_0, KB_Q4_0, 0)
DEF_DOT32(dot_q4_1, unpack_q4_1, KB_Q4_1, 1)
DEF_DOT32(dot_q5_0, unpack_q5_0, KB_Q5_0, 0)
DEF_DOT32(dot_q5_1, unpack_q5_1, KB_Q5_1, 1)
DEF_DOT32(dot_q8_0, unpack_q8_0, KB_Q8_0, 0)

/* The 4-row decode kernel: the activation block is loaded once for 4
 * weight rows (and, for the types with a min, its sum taken once), and
 * the 4 rows' fp16 scales (d and m: the first 4 bytes of every 32-value
 * block) are gathered into one vector and converted and multiplied by the
 * activation scale together. The products are the same floats (d * dx,
 * m * dx) and the same exact integers as in the one-row kernel, fused in
 * the same order, so the results are the same bits. */
#define ROW4(r, HAS_MIN, UNPACK, wp, x0, x1, sd, sm, xs, acc, accm)                              \
    do {                                                                                       \
        const wblk wb_ = UNPACK(wp);                                                           \
        const int32x4_t p_ = vaddq_s32(dot_i8(wb_.q0, x0), dot_i8(wb_.q1, x1));                \
        acc = vfmaq_f32(acc, vdupq_laneq_f32(sd, r), vcvtq_f32_s32(p_));                       \
        if (HAS_MIN) accm = vfmaq_f32(accm, vdupq_laneq_f32(sm, r), xs);                        \
    } while (0)

#define DEF_DOT32_4R(NAME, UNPACK, BYTES, HAS_MIN)                                             \
    static void NAME##_4r(int64_t n, float *out, const void *w, size_t rb, const void *x) {    \
        const uint8_t *bw = w, *bx = x;                                                        \
        float32x4_t a0 = vdupq_n_f32(0), a1 = a0, a2 = a0, a3 = a0, m0 = a0, m1 = a0, m2 = a0, m3 = a0; \
        for (int64_t b = 0; b < n / KQK; b++, bw += BYTES, bx += KB_Q8_0) {                    \
            const int8x16_t x0 = load16(bx + 2), x1 = load16(bx + 18);                         \
            const float32x4_t dx = vdupq_n_f32(half_at(bx));                                   \
            uint32_t dm[4];                                                                    \
            for (int r = 0; r < 4; r++) memcpy(&dm[r], bw + (size_t)r * rb, 4);                \
            const float16x8_t h = vreinterpretq_f16_u32(vld1q_u32(dm)); /* d0 m0 d1 m1 .. */    \
            const float32x4_t lo = vcvt_f32_f16(vget_low_f16(h)), hi = vcvt_high_f32_f16(h);    \
            const float32x4_t sd = vmulq_f32(vuzp1q_f32(lo, hi), dx);                          \
            const float32x4_t sm = vmulq_f32(vuzp2q_f32(lo, hi), dx);                          \
            const float32x4_t xs = HAS_MIN ? vcvtq_f32_s32(vaddq_s32(sum_i8(x0), sum_i8(x1))) : sd; \
            ROW4(0, HAS_MIN, UNPACK, bw, x0, x1, sd, sm, xs, a0, m0);                          \
            ROW4(1, HAS_MIN, UNPACK, bw + rb, x0, x1, sd, sm, xs, a1, m1);                     \
            ROW4(2, HAS_MIN, UNPACK, bw + 2 * rb, x0, x1, sd, sm, xs, a2, m2);                 \
            ROW4(3, HAS_MIN, UNPACK, bw + 3 * rb, x0, x1, sd, sm, xs, a3, m3);                 \
        }                                                                                      \
        out[0] = hsum4(vaddq_f32(a0, m0));                                                     \
        out[1] = hsum4(vaddq_f32(a1, m1));                                                     \
        out[2] = hsum4(vaddq_f32(a2, m2));                                                     \
        out[3] = hsum4(vaddq_f32(a3, m3));                                                     \
    }

DEF_DOT32_4R(dot_q4_0, unpack_q4_0, KB_Q4_0, 0)
DEF_DOT32_4R(dot_q4_1, unpack_q4_1, KB_Q4_1, 1)
DEF_DOT32_4R(dot_q5_0, unpack_q5_0, KB_Q5_0, 0)
DEF_DOT32_4R(dot_q5_1, unpack_q5_1, KB_Q5_1, 1)

/* A k-quant super-block unpacked once (for 1 or 4 tokens): 16 vectors of
 * int8 values (unsigned: Q4_K/Q5_K 0..31, Q6_K 0..63), vector v
 * covering values 16v..16v+15, with its scale, and the int16 weights of
 * the correction term against Q8_K's 16 bsums: Q4_K/Q5_K the 8 sub-block
 * mins, each twice (one bsum per 16 values, two per sub-block), Q6_K its
 * 16 scales * 32 (the -32 offset, subtracted in the exact integer sum
 * since it shares the block scale). The correction is a widening
 * multiply-accumulate per token, accumulated as a vector: no scalar loop
 * per block and token. */
typedef struct kblk {
    int8x16_t q[16];
    int sc[16];
    int16x8_t corr_w[2];
    float d, dmin;
} kblk;

/* Q4_K / Q5_K (layout: see kernels_scalar.c k45_dot): group g = v / 4
 * takes low nibbles of qs[32g..32g+31] for vectors 4g, 4g+1 and high
 * nibbles for 4g+2, 4g+3; Q5_K's fifth bit of value 64g + l is bit 2g of
 * qh[l], of 64g + 32 + l bit 2g + 1. */
static inline void unpack_k45(const uint8_t *bw, const uint8_t *qh, const uint8_t *qs, kblk *k) {
    /* The 12 bytes of 6-bit scales and mins (see kern_k4_scale_min) as
     * three words: all 8 scales and 8 mins with a few masks and shifts. */
    const uint32_t a = kern_u32(bw + 4), b = kern_u32(bw + 8), c = kern_u32(bw + 12);
    const uint32_t sc_lo = a & 0x3f3f3f3fu, sc_hi = (c & 0x0f0f0f0fu) | ((a >> 6) & 0x03030303u) << 4;
    const uint32_t mn_lo = b & 0x3f3f3f3fu, mn_hi = ((c >> 4) & 0x0f0f0f0fu) | ((b >> 6) & 0x03030303u) << 4;
    const int16x8_t mn16 = vreinterpretq_s16_u16(vmovl_u8(vcreate_u8((uint64_t)mn_hi << 32 | mn_lo)));
    /* int16 pairs (m_j, m_j): the products give m_j * (bsum_2j + bsum_2j+1) */
    k->corr_w[0] = vzip1q_s16(mn16, mn16);
    k->corr_w[1] = vzip2q_s16(mn16, mn16);
    const uint8x16_t m4 = vdupq_n_u8(0x0F), b1 = vdupq_n_u8(1);
    uint8x16_t h0 = qh ? vld1q_u8(qh) : vdupq_n_u8(0), h1 = qh ? vld1q_u8(qh + 16) : vdupq_n_u8(0);
    for (int g = 0; g < 4; g++) {
        const int sc0 = (int)(((g < 2 ? sc_lo : sc_hi) >> (16 * (g & 1))) & 0xFF);
        const int sc1 = (int)(((g < 2 ? sc_lo : sc_hi) >> (16 * (g & 1) + 8)) & 0xFF);
        k->sc[4 * g] = k->sc[4 * g + 1] = sc0;
        k->sc[4 * g + 2] = k->sc[4 * g + 3] = sc1;
        const uint8x16_t a0 = vld1q_u8(qs + 32 * g), a1 = vld1q_u8(qs + 32 * g + 16);
        uint8x16_t lo0 = vandq_u8(a0, m4), lo1 = vandq_u8(a1, m4), hi0 = vshrq_n_u8(a0, 4), hi1 = vshrq_n_u8(a1, 4);
        if (qh) {
            lo0 = vorrq_u8(lo0, vshlq_n_u8(vandq_u8(h0, b1), 4));
            lo1 = vorrq_u8(lo1, vshlq_n_u8(vandq_u8(h1, b1), 4));
            hi0 = vorrq_u8(hi0, vshlq_n_u8(vandq_u8(vshrq_n_u8(h0, 1), b1), 4));
            hi1 = vorrq_u8(hi1, vshlq_n_u8(vandq_u8(vshrq_n_u8(h1, 1), b1), 4));
            h0 = vshrq_n_u8(h0, 2);
            h1 = vshrq_n_u8(h1, 2);
        }
        k->q[4 * g] = vreinterpretq_s8_u8(lo0);
        k->q[4 * g + 1] = vreinterpretq_s8_u8(lo1);
        k->q[4 * g + 2] = vreinterpretq_s8_u8(hi0);
        k->q[4 * g + 3] = vreinterpretq_s8_u8(hi1);
    }
    k->d = half_at(bw);
    k->dmin = half_at(bw + 2);
}
static inline void unpack_q4_k(const uint8_t *bw, kblk *k) { unpack_k45(bw, NULL, bw + 16, k); }
static inline void unpack_q5_k(const uint8_t *bw, kblk *k) { unpack_k45(bw, bw + 16, bw + 48, k); }

/* Q6_K: sum((q - 32) * x) = sum(q * x) - 32 * sum(x), q in 0..63 and
 * sum(x) per 16 from bsums. Vector v = 8h + 2k + half covers values 128h
 * + 32k + 16half ..+15 and has scale sc[v]. */
static inline void unpack_q6_k(const uint8_t *bw, kblk *k) {
    const uint8x16_t m4 = vdupq_n_u8(0x0F), m2 = vdupq_n_u8(0x03);
    const int8_t *sc = (const int8_t *)(bw + Q6K_SC);
    for (int h = 0; h < 2; h++) {
        for (int half = 0; half < 2; half++) {
            const uint8x16_t A = vld1q_u8(bw + 64 * h + 16 * half), B = vld1q_u8(bw + 64 * h + 32 + 16 * half);
            const uint8x16_t H = vld1q_u8(bw + Q6K_QH + 32 * h + 16 * half);
            const uint8x16_t q[4] = {
                vorrq_u8(vandq_u8(A, m4), vshlq_n_u8(vandq_u8(H, m2), 4)),
                vorrq_u8(vandq_u8(B, m4), vshlq_n_u8(vandq_u8(vshrq_n_u8(H, 2), m2), 4)),
                vorrq_u8(vshrq_n_u8(A, 4), vshlq_n_u8(vandq_u8(vshrq_n_u8(H, 4), m2), 4)),
                vorrq_u8(vshrq_n_u8(B, 4), vshlq_n_u8(vshrq_n_u8(H, 6), 4)),
            };
            for (int j = 0; j < 4; j++) k->q[8 * h + 2 * j + half] = vreinterpretq_s8_u8(q[j]);
        }
    }
    for (int v = 0; v < 16; v++) k->sc[v] = sc[v];
    const int8x16_t scv = vld1q_s8(sc);
    k->corr_w[0] = vshlq_n_s16(vmovl_s8(vget_low_s8(scv)), 5);
    k->corr_w[1] = vshlq_n_s16(vmovl_high_s8(scv), 5);
    k->d = half_at(bw + Q6K_D);
    k->dmin = 0;
}

/* sum_v sc_v * (q.x)_v as 4 int32 partial sums */
static inline int32x4_t dot_kblk(const kblk *k, const uint8_t *qx) {
    int32x4_t sumi = vdupq_n_s32(0);
    for (int v = 0; v < 16; v++) sumi = vmlaq_n_s32(sumi, dot_i8(k->q[v], load16(qx + 16 * v)), k->sc[v]);
    return sumi;
}

/* bsums . corr_w as 4 int32 partial sums (|each product| <= 4096 * 2032) */
static inline int32x4_t dot_bsums(const kblk *k, const uint8_t *bx) {
    int16x8_t b0, b1;
    memcpy(&b0, bx + Q8K_BSUMS, 16);
    memcpy(&b1, bx + Q8K_BSUMS + 16, 16);
    int32x4_t p = vmull_s16(vget_low_s16(b0), vget_low_s16(k->corr_w[0]));
    p = vmlal_high_s16(p, b0, k->corr_w[0]);
    p = vmlal_s16(p, vget_low_s16(b1), vget_low_s16(k->corr_w[1]));
    return vmlal_high_s16(p, b1, k->corr_w[1]);
}

/* One token: acc += d*dx * sum_v sc_v * (q.x)_v; corr += dmin*dx * sum_j
 * m_j * sum(x over sub-block j), subtracted at the end. */
static inline void step_k45(const kblk *k, const uint8_t *bx, float32x4_t *acc, float32x4_t *corr) {
    const float dx = kern_f32(bx);
    *acc = vfmaq_f32(*acc, vdupq_n_f32(dx * k->d), vcvtq_f32_s32(dot_kblk(k, bx + Q8K_QS)));
    *corr = vfmaq_f32(*corr, vdupq_n_f32(dx * k->dmin), vcvtq_f32_s32(dot_bsums(k, bx)));
}

static inline void step_q6_k(const kblk *k, const uint8_t *bx, float32x4_t *acc, float32x4_t *corr) {
    (void)corr;
    const int32x4_t s = vsubq_s32(dot_kblk(k, bx + Q8K_QS), dot_bsums(k, bx));
    *acc = vfmaq_f32(*acc, vdupq_n_f32(kern_f32(bx) * k->d), vcvtq_f32_s32(s));
}

#define DEF_DOTK(NAME, UNPACK, STEPK, BYTES)                                                   \
    static void NAME(int64_t n, float *out, const void *w, const void *x) {                    \
        const uint8_t *bw = w, *bx = x;                                                        \
        float32x4_t acc = vdupq_n_f32(0), corr = vdupq_n_f32(0);                               \
        kblk kb;                                                                               \
        for (int64_t b = 0; b < n / KQK_K; b++, bw += BYTES, bx += KB_Q8_K) {                  \
            UNPACK(bw, &kb);                                                                   \
            STEPK(&kb, bx, &acc, &corr);                                                       \
        }                                                                                      \
        *out = hsum4(acc) - hsum4(corr);                                                       \
    }                                                                                          \
    static void NAME##_4x(int64_t n, float *out, size_t ldo, const void *w, const void *x, size_t xs) { \
        const uint8_t *bw = w, *bx = x;                                                        \
        float32x4_t acc[4], corr[4];                                                           \
        for (int k = 0; k < 4; k++) acc[k] = corr[k] = vdupq_n_f32(0);                         \
        kblk kb;                                                                               \
        for (int64_t b = 0; b < n / KQK_K; b++, bw += BYTES, bx += KB_Q8_K) {                  \
            UNPACK(bw, &kb);                                                                   \
            for (int k = 0; k < 4; k++) STEPK(&kb, bx + k * xs, &acc[k], &corr[k]);            \
        }                                                                                      \
        for (int k = 0; k < 4; k++) out[k * ldo] = hsum4(acc[k]) - hsum4(corr[k]);             \
    }

DEF_DOTK(dot_q4_k, unpack_q4_k, step_k45, KB_Q4_K)
DEF_DOTK(dot_q5_k, unpack_q5_k, step_k45, KB_Q5_K)
DEF_DOTK(dot_q6_k, unpack_q6_k, step_q6_k, KB_Q6_K)

const kern_ops kern_ops_neon = {
    .isa = KERN_ISA_NEON,
    .name = "neon",
    .vec_dot =
        {
            [GGML_TYPE_F32] = dot_f32,
            [GGML_TYPE_F16] = dot_f16,
            [GGML_TYPE_BF16] = dot_bf16,
            [GGML_TYPE_Q4_0] = dot_q4_0,
            [GGML_TYPE_Q4_1] = dot_q4_1,
            [GGML_TYPE_Q5_0] = dot_q5_0,
            [GGML_TYPE_Q5_1] = dot_q5_1,
            [GGML_TYPE_Q8_0] = dot_q8_0,
            [GGML_TYPE_Q4_K] = dot_q4_k,
            [GGML_TYPE_Q5_K] = dot_q5_k,
            [GGML_TYPE_Q6_K] = dot_q6_k,
        },
    .vec_dot_4x =
        {
            [GGML_TYPE_Q4_0] = dot_q4_0_4x,
            [GGML_TYPE_Q4_1] = dot_q4_1_4x,
            [GGML_TYPE_Q5_0] = dot_q5_0_4x,
            [GGML_TYPE_Q5_1] = dot_q5_1_4x,
            [GGML_TYPE_Q8_0] = dot_q8_0_4x,
            [GGML_TYPE_Q4_K] = dot_q4_k_4x,
            [GGML_TYPE_Q5_K] = dot_q5_k_4x,
            [GGML_TYPE_Q6_K] = dot_q6_k_4x,
        },
    .vec_dot_4r =
        {
            [GGML_TYPE_Q4_0] = dot_q4_0_4r,
            [GGML_TYPE_Q4_1] = dot_q4_1_4r,
            [GGML_TYPE_Q5_0] = dot_q5_0_4r,
            [GGML_TYPE_Q5_1] = dot_q5_1_4r,
        },
    .quantize_act = kern_quantize_act_ref,
    .dot_f32_f16 = dot_f32_f16,
    .axpy_f16 = axpy_f16,
};

#else
typedef int kern_neon_unused; /* ISO C wants a declaration in every file */
#endif
