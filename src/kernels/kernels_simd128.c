/* WebAssembly simd128 dot products (browser build, -msimd128). Same
 * scheme as the AVX2 file at 16 bytes a vector: int8 values are widened
 * to int16 and multiplied pairwise into int32 (i32x4.dot_i16x8_s), which
 * is exact; block scales are applied in f32 with 4 partial sums. simd128
 * has no half conversion: fp16 weights, scales and KV-cache values go
 * through half4_to_f32 (exact integer/float bit work, 4 at a time). The
 * *_4x and *_4r variants repeat the per-token, per-row arithmetic
 * exactly, so kern_matmul equals kern_matvec, and kern_matvec equals
 * vec_dot, bit for bit (except the 8-row prefill tiles, see there). */
#include "kernels/kernels_internal.h"

#include "gguf/ggml_types.h"

#if defined(__wasm_simd128__)
#include <wasm_simd128.h>

/* Small fixed loops fully unrolled: clang's wasm heuristics otherwise keep
 * some of them rolled, with lane shuffles behind branches and the unpacked
 * vectors on the stack. */
#define UNROLL _Pragma("clang loop unroll(full)")

static inline float hsum4(v128_t v) {
    return (wasm_f32x4_extract_lane(v, 0) + wasm_f32x4_extract_lane(v, 1)) +
           (wasm_f32x4_extract_lane(v, 2) + wasm_f32x4_extract_lane(v, 3));
}

/* int8 x int8 over 16 lanes -> 4 int32 partial sums */
static inline v128_t dot_i8(v128_t a, v128_t b) {
    return wasm_i32x4_add(wasm_i32x4_dot_i16x8(wasm_i16x8_extend_low_i8x16(a), wasm_i16x8_extend_low_i8x16(b)),
                          wasm_i32x4_dot_i16x8(wasm_i16x8_extend_high_i8x16(a), wasm_i16x8_extend_high_i8x16(b)));
}

static inline v128_t load16(const uint8_t *p) { return wasm_v128_load(p); }

/* 16 bits of a little-endian u32 starting at bit 16*half -> 16 bytes,
 * 0xFF where set. */
static inline v128_t bits16(uint32_t h, int half) {
    const v128_t v = wasm_i32x4_splat((int32_t)h);
    const v128_t spread = half ? wasm_i8x16_swizzle(v, wasm_i8x16_make(2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3))
                               : wasm_i8x16_swizzle(v, wasm_i8x16_make(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1));
    const v128_t mask = wasm_u8x16_make(1, 2, 4, 8, 16, 32, 64, 128, 1, 2, 4, 8, 16, 32, 64, 128);
    return wasm_i8x16_eq(wasm_v128_and(spread, mask), mask);
}

/* Four fp16 values, one in the low 16 bits of each int32 lane -> 4 f32,
 * exactly as wick_f16_to_f32 (simd128 has no half conversion): the 15
 * exponent-and-mantissa bits moved to the f32 position and scaled by
 * 2^112 rebias the exponent and normalize subnormals exactly (wasm keeps
 * f32 subnormals); Inf/NaN (exponent 31) keep their payload. */
static inline v128_t half4_to_f32(v128_t h) {
    const v128_t em = wasm_v128_and(h, wasm_i32x4_splat(0x7FFF));
    const v128_t sh = wasm_i32x4_shl(em, 13);
    const v128_t fin = wasm_f32x4_mul(sh, wasm_f32x4_splat(0x1p112f));
    const v128_t inf = wasm_v128_or(sh, wasm_i32x4_splat(0x7F800000));
    const v128_t f = wasm_v128_bitselect(inf, fin, wasm_i32x4_ge(em, wasm_i32x4_splat(0x7C00)));
    return wasm_v128_or(f, wasm_i32x4_shl(wasm_v128_and(h, wasm_i32x4_splat(0x8000)), 16));
}

/* 8 fp16 values at p -> 2 x 4 f32 */
static inline void half8(const void *p, v128_t *lo, v128_t *hi) {
    const v128_t h = wasm_v128_load(p);
    *lo = half4_to_f32(wasm_u32x4_extend_low_u16x8(h));
    *hi = half4_to_f32(wasm_u32x4_extend_high_u16x8(h));
}

static void dot_f32(int64_t n, float *out, const void *w, const void *x) {
    const uint8_t *bw = w;
    const float *px = x;
    v128_t a0 = wasm_f32x4_splat(0), a1 = wasm_f32x4_splat(0);
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        a0 = wasm_f32x4_add(a0, wasm_f32x4_mul(wasm_v128_load(bw + 4 * i), wasm_v128_load(px + i)));
        a1 = wasm_f32x4_add(a1, wasm_f32x4_mul(wasm_v128_load(bw + 4 * i + 16), wasm_v128_load(px + i + 4)));
    }
    float s = hsum4(wasm_f32x4_add(a0, a1));
    for (; i < n; i++) s += kern_f32(bw + 4 * i) * px[i];
    *out = s;
}

static void dot_f16(int64_t n, float *out, const void *w, const void *x) {
    const uint8_t *bw = w;
    const float *px = x;
    v128_t a0 = wasm_f32x4_splat(0), a1 = wasm_f32x4_splat(0);
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        v128_t lo, hi;
        half8(bw + 2 * i, &lo, &hi);
        a0 = wasm_f32x4_add(a0, wasm_f32x4_mul(lo, wasm_v128_load(px + i)));
        a1 = wasm_f32x4_add(a1, wasm_f32x4_mul(hi, wasm_v128_load(px + i + 4)));
    }
    float s = hsum4(wasm_f32x4_add(a0, a1));
    for (; i < n; i++) s += kern_half(bw + 2 * i) * px[i];
    *out = s;
}

/* Attention over the f16 KV cache (head_dim values: a multiple of 8 in
 * every supported model; the tail loop covers the rest). */
static float dot_f32_f16(int64_t n, const float *x, const uint16_t *h) {
    v128_t a0 = wasm_f32x4_splat(0), a1 = wasm_f32x4_splat(0);
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        v128_t lo, hi;
        half8(h + i, &lo, &hi);
        a0 = wasm_f32x4_add(a0, wasm_f32x4_mul(wasm_v128_load(x + i), lo));
        a1 = wasm_f32x4_add(a1, wasm_f32x4_mul(wasm_v128_load(x + i + 4), hi));
    }
    float s = hsum4(wasm_f32x4_add(a0, a1));
    for (; i < n; i++) s += x[i] * wick_f16_to_f32(h[i]);
    return s;
}

/* y[i] += a * h[i]: the same bits as the scalar loop (wasm has no fused
 * multiply-add, so each element is one rounded product and sum). */
static void axpy_f16(int64_t n, float a, const uint16_t *h, float *y) {
    const v128_t va = wasm_f32x4_splat(a);
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        v128_t lo, hi;
        half8(h + i, &lo, &hi);
        wasm_v128_store(y + i, wasm_f32x4_add(wasm_v128_load(y + i), wasm_f32x4_mul(va, lo)));
        wasm_v128_store(y + i + 4, wasm_f32x4_add(wasm_v128_load(y + i + 4), wasm_f32x4_mul(va, hi)));
    }
    for (; i < n; i++) y[i] += a * wick_f16_to_f32(h[i]);
}

static void dot_bf16(int64_t n, float *out, const void *w, const void *x) {
    const uint8_t *bw = w;
    const float *px = x;
    v128_t a0 = wasm_f32x4_splat(0);
    int64_t i = 0;
    for (; i + 4 <= n; i += 4) {
        const v128_t h = wasm_u32x4_extend_low_u16x8(wasm_v128_load64_zero(bw + 2 * i));
        a0 = wasm_f32x4_add(a0, wasm_f32x4_mul(wasm_i32x4_shl(h, 16), wasm_v128_load(px + i)));
    }
    float s = hsum4(a0);
    for (; i < n; i++) s += wick_bf16_to_f32((uint16_t)(bw[2 * i] | bw[2 * i + 1] << 8)) * px[i];
    *out = s;
}

/* 32-value block as two int8 vectors (values 0..15, 16..31) + d, m */
typedef struct wblk {
    v128_t q0, q1;
    float d, m;
} wblk;

static inline v128_t nib_lo(v128_t t, int8_t off) {
    return wasm_i8x16_sub(wasm_v128_and(t, wasm_i8x16_splat(0x0F)), wasm_i8x16_splat(off));
}
/* 8-bit shifts are emulated on x86 (a 16-bit shift plus a mask), so
 * nibbles and bit fields are taken with 16-bit shifts and one mask that
 * also drops the bits crossing between the two bytes of a lane. */
static inline v128_t shr4_u8(v128_t t) { return wasm_v128_and(wasm_u16x8_shr(t, 4), wasm_i8x16_splat(0x0F)); }
static inline v128_t nib_hi(v128_t t, int8_t off) { return wasm_i8x16_sub(shr4_u8(t), wasm_i8x16_splat(off)); }

/* The int8 values only (the 4-row kernel converts the scales itself). */
static inline wblk q_q4_0(const uint8_t *b) {
    const v128_t t = load16(b + 2);
    wblk r = {nib_lo(t, 8), nib_hi(t, 8), 0, 0};
    return r;
}
static inline wblk q_q4_1(const uint8_t *b) {
    const v128_t t = load16(b + 4);
    wblk r = {nib_lo(t, 0), nib_hi(t, 0), 0, 0};
    return r;
}
static inline wblk q_q5_0(const uint8_t *b) {
    const v128_t t = load16(b + 6);
    const uint32_t h = kern_u32(b + 2);
    const v128_t f0 = wasm_i8x16_splat((int8_t)0xF0); /* q - 16: nibble | 0xF0 where bit clear */
    wblk r = {wasm_v128_or(nib_lo(t, 0), wasm_v128_andnot(f0, bits16(h, 0))),
              wasm_v128_or(nib_hi(t, 0), wasm_v128_andnot(f0, bits16(h, 1))), 0, 0};
    return r;
}
static inline wblk q_q5_1(const uint8_t *b) {
    const v128_t t = load16(b + 8);
    const uint32_t h = kern_u32(b + 4);
    const v128_t x10 = wasm_i8x16_splat(0x10);
    wblk r = {wasm_v128_or(nib_lo(t, 0), wasm_v128_and(bits16(h, 0), x10)),
              wasm_v128_or(nib_hi(t, 0), wasm_v128_and(bits16(h, 1), x10)), 0, 0};
    return r;
}
static inline wblk q_q8_0(const uint8_t *b) {
    wblk r = {load16(b + 2), load16(b + 18), 0, 0};
    return r;
}

static inline wblk unpack_q4_0(const uint8_t *b) {
    wblk r = q_q4_0(b);
    r.d = kern_half(b);
    return r;
}
static inline wblk unpack_q4_1(const uint8_t *b) {
    wblk r = q_q4_1(b);
    r.d = kern_half(b);
    r.m = kern_half(b + 2);
    return r;
}
static inline wblk unpack_q5_0(const uint8_t *b) {
    wblk r = q_q5_0(b);
    r.d = kern_half(b);
    return r;
}
static inline wblk unpack_q5_1(const uint8_t *b) {
    wblk r = q_q5_1(b);
    r.d = kern_half(b);
    r.m = kern_half(b + 2);
    return r;
}
static inline wblk unpack_q8_0(const uint8_t *b) {
    wblk r = q_q8_0(b);
    r.d = kern_half(b);
    return r;
}

static inline v128_t sum_i8(v128_t a) {
    return wasm_i32x4_extadd_pairwise_i16x8(wasm_i16x8_extadd_pairwise_i8x16(a));
}

#define STEP(HAS_MIN, wb, bx, acc, accm)                                                       \
    do {                                                                                       \
        const v128_t x0_ = load16((bx) + 2), x1_ = load16((bx) + 18);                          \
        const float dx_ = kern_half(bx);                                                       \
        const v128_t p_ = wasm_i32x4_add(dot_i8((wb).q0, x0_), dot_i8((wb).q1, x1_));          \
        acc = wasm_f32x4_add(acc, wasm_f32x4_mul(wasm_f32x4_splat((wb).d * dx_), wasm_f32x4_convert_i32x4(p_))); \
        if (HAS_MIN)                                                                           \
            accm = wasm_f32x4_add(accm, wasm_f32x4_mul(wasm_f32x4_splat((wb).m * dx_),         \
                                                       wasm_f32x4_convert_i32x4(wasm_i32x4_add(sum_i8(x0_), sum_i8(x1_))))); \
    } while (0)

#define DEF_DOT32(NAME, UNPACK, BYTES, HAS_MIN)                                                \
    static void NAME(int64_t n, float *out, const void *w, const void *x) {                    \
        const uint8_t *bw = w, *bx = x;                                                        \
        v128_t acc = wasm_f32x4_splat(0), accm = wasm_f32x4_splat(0);                          \
        for (int64_t b = 0; b < n / KQK; b++, bw += BYTES, bx += KB_Q8_0) {                    \
            const wblk wb = UNPACK(bw);                                                        \
            STEP(HAS_MIN, wb, bx, acc, accm);                                                  \
        }                                                                                      \
        *out = hsum4(wasm_f32x4_add(acc, accm));                                               \
    }                                                                                          \
    static void NAME##_4x(int64_t n, float *out, size_t ldo, const void *w, const void *x, size_t xs) { \
        const uint8_t *bw = w, *bx = x;                                                        \
        v128_t acc[4], accm[4];                                                                \
        for (int k = 0; k < 4; k++) acc[k] = accm[k] = wasm_f32x4_splat(0);                    \
        for (int64_t b = 0; b < n / KQK; b++, bw += BYTES, bx += KB_Q8_0) {                    \
            const wblk wb = UNPACK(bw);                                                        \
            for (int k = 0; k < 4; k++) STEP(HAS_MIN, wb, bx + k * xs, acc[k], accm[k]);       \
        }                                                                                      \
        for (int k = 0; k < 4; k++) out[k * ldo] = hsum4(wasm_f32x4_add(acc[k], accm[k]));    \
    }

/* The int8 activation block widened once to int16 (values 0-7, 8-15,
 * 16-23, 24-31) for several rows. */
typedef struct xblk {
    v128_t x[4];
} xblk;

static inline xblk widen_x(const uint8_t *qx) {
    const v128_t x0 = load16(qx), x1 = load16(qx + 16);
    xblk r = {{wasm_i16x8_extend_low_i8x16(x0), wasm_i16x8_extend_high_i8x16(x0), wasm_i16x8_extend_low_i8x16(x1),
               wasm_i16x8_extend_high_i8x16(x1)}};
    return r;
}

/* sum(q * x) of one 32-value block against a widened activation block:
 * the same integer as dot_i8(q0, x0) + dot_i8(q1, x1). */
static inline v128_t dot_wx(const wblk *wb, const xblk *xw) {
    const v128_t a = wasm_i32x4_add(wasm_i32x4_dot_i16x8(wasm_i16x8_extend_low_i8x16(wb->q0), xw->x[0]),
                                    wasm_i32x4_dot_i16x8(wasm_i16x8_extend_high_i8x16(wb->q0), xw->x[1]));
    const v128_t b = wasm_i32x4_add(wasm_i32x4_dot_i16x8(wasm_i16x8_extend_low_i8x16(wb->q1), xw->x[2]),
                                    wasm_i32x4_dot_i16x8(wasm_i16x8_extend_high_i8x16(wb->q1), xw->x[3]));
    return wasm_i32x4_add(a, b);
}

/* Lane r (a constant once the row loop is unrolled) in all 4 lanes. */
static inline v128_t lane4(v128_t v, int r) {
    switch (r) {
    case 0: return wasm_i32x4_shuffle(v, v, 0, 0, 0, 0);
    case 1: return wasm_i32x4_shuffle(v, v, 1, 1, 1, 1);
    case 2: return wasm_i32x4_shuffle(v, v, 2, 2, 2, 2);
    default: return wasm_i32x4_shuffle(v, v, 3, 3, 3, 3);
    }
}

/* The 4-row decode kernel: the activation block is loaded and widened
 * once for 4 weight rows (and, for the types with a min, its sum taken
 * once), and the 4 rows' fp16 scales (d, and m: the first 4 bytes of
 * every 32-value block) are gathered into one vector and converted and
 * multiplied by the activation scale together, instead of up to 8 scalar
 * conversions. The products are the same floats (d * dx, m * dx) and the
 * same exact integers as in the one-row kernel, added in the same order,
 * so the results are the same bits. */
#define DEF_DOT32_4R(NAME, QONLY, BYTES, HAS_MIN)                                              \
    static void NAME##_4r(int64_t n, float *out, const void *w, size_t rb, const void *x) {    \
        const uint8_t *bw = w, *bx = x;                                                        \
        v128_t acc[4], accm[4];                                                                \
        for (int r = 0; r < 4; r++) acc[r] = accm[r] = wasm_f32x4_splat(0);                    \
        for (int64_t b = 0; b < n / KQK; b++, bw += BYTES, bx += KB_Q8_0) {                    \
            const xblk xw = widen_x(bx + 2);                                                   \
            const v128_t dx = wasm_f32x4_splat(kern_half(bx));                                 \
            const v128_t dm = wasm_u32x4_make(kern_u32(bw), kern_u32(bw + rb), kern_u32(bw + 2 * rb), \
                                              kern_u32(bw + 3 * rb));                          \
            const v128_t sd = wasm_f32x4_mul(half4_to_f32(dm), dx);                            \
            const v128_t sm = HAS_MIN ? wasm_f32x4_mul(half4_to_f32(wasm_u32x4_shr(dm, 16)), dx) : sd; \
            v128_t xs = sd;                                                                    \
            if (HAS_MIN) {                                                                     \
                const v128_t x0 = load16(bx + 2), x1 = load16(bx + 18);                        \
                xs = wasm_f32x4_convert_i32x4(wasm_i32x4_add(sum_i8(x0), sum_i8(x1)));          \
            }                                                                                  \
            UNROLL for (int r = 0; r < 4; r++) {                                               \
                const wblk wb = QONLY(bw + r * rb);                                            \
                const v128_t p = dot_wx(&wb, &xw);                                             \
                acc[r] = wasm_f32x4_add(acc[r], wasm_f32x4_mul(lane4(sd, r), wasm_f32x4_convert_i32x4(p))); \
                if (HAS_MIN) accm[r] = wasm_f32x4_add(accm[r], wasm_f32x4_mul(lane4(sm, r), xs));  \
            }                                                                                  \
        }                                                                                      \
        for (int r = 0; r < 4; r++) out[r] = hsum4(wasm_f32x4_add(acc[r], accm[r]));           \
    }

DEF_DOT32(dot_q4_0, unpack_q4_0, KB_Q4_0, 0)
DEF_DOT32(dot_q4_1, unpack_q4_1, KB_Q4_1, 1)
DEF_DOT32(dot_q5_0, unpack_q5_0, KB_Q5_0, 0)
DEF_DOT32(dot_q5_1, unpack_q5_1, KB_Q5_1, 1)
DEF_DOT32(dot_q8_0, unpack_q8_0, KB_Q8_0, 0)
DEF_DOT32_4R(dot_q4_0, q_q4_0, KB_Q4_0, 0)
DEF_DOT32_4R(dot_q4_1, q_q4_1, KB_Q4_1, 1)
DEF_DOT32_4R(dot_q5_0, q_q5_0, KB_Q5_0, 0)
DEF_DOT32_4R(dot_q5_1, q_q5_1, KB_Q5_1, 1)
DEF_DOT32_4R(dot_q8_0, q_q8_0, KB_Q8_0, 0)

/* ------------------------------- prefill tile: 8 rows x 4 tokens */

/* For prefill, 4 rows at a time go into the 4 int32 lanes: each row's
 * exact integer dot with a token is taken as 4 partial sums (int16
 * weights against the token's int16 activations, widened once per token
 * and block for all 8 rows), and a 4x4 transpose-and-add leaves row r's
 * sum in lane r. Scales then cost one multiply and add per token for 4
 * rows (the dot-per-vector kernels pay a conversion, splat and
 * horizontal sum per row and token, and Q4_1 the activation sum per row
 * too: here it comes once per token and block from tile_prepare). Each
 * (row, token, block) adds (d * dx) * exact_int (+ m * (dx * sum_x) for
 * Q4_1) in block order: not the bits of vec_dot, but within the same
 * tolerance of the reference. Q4_0 weights stay unsigned (q = 0..15) and
 * the offset comes out as 8 * sum(x). simd128 vectors hold 4 lanes, so
 * the 8-row tile is two 4-row halves. */
typedef struct tile_act { /* KERN_TILE_ACT_BYTES */
    float dx[4];   /* per token */
    int32_t sx[4]; /* sum of the block's 32 activation bytes */
    float dxsx[4]; /* dx * sx */
} tile_act;

_Static_assert(sizeof(tile_act) == KERN_TILE_ACT_BYTES, "tile_act layout");

/* [sum p0, sum p1, sum p2, sum p3] */
static inline v128_t hsum4x4(v128_t p0, v128_t p1, v128_t p2, v128_t p3) {
    const v128_t a = wasm_i32x4_add(wasm_i32x4_shuffle(p0, p1, 0, 1, 4, 5), wasm_i32x4_shuffle(p0, p1, 2, 3, 6, 7));
    const v128_t b = wasm_i32x4_add(wasm_i32x4_shuffle(p2, p3, 0, 1, 4, 5), wasm_i32x4_shuffle(p2, p3, 2, 3, 6, 7));
    return wasm_i32x4_add(wasm_i32x4_shuffle(a, b, 0, 2, 4, 6), wasm_i32x4_shuffle(a, b, 1, 3, 5, 7));
}

/* The fp16 at b + r * rb for rows r = 0..3 -> 4 floats. */
static inline v128_t halves_4rows(const uint8_t *b, size_t rb) {
    return half4_to_f32(wasm_u32x4_make(kern_u32(b), kern_u32(b + rb), kern_u32(b + 2 * rb), kern_u32(b + 3 * rb)));
}

/* One row's 16 packed-nibble bytes -> 4 int16 vectors (values 0-7, 8-15,
 * 16-23, 24-31), unsigned. */
static inline void widen_nibbles(const uint8_t *qs, v128_t W[4]) {
    const v128_t t = load16(qs), m4 = wasm_i16x8_splat(0x0F);
    const v128_t lo = wasm_u16x8_extend_low_u8x16(t), hi = wasm_u16x8_extend_high_u8x16(t);
    W[0] = wasm_v128_and(lo, m4);
    W[1] = wasm_v128_and(hi, m4);
    W[2] = wasm_u16x8_shr(lo, 4);
    W[3] = wasm_u16x8_shr(hi, 4);
}

static inline v128_t dot_w16(const v128_t W[4], const xblk *xw) {
    return wasm_i32x4_add(wasm_i32x4_add(wasm_i32x4_dot_i16x8(W[0], xw->x[0]), wasm_i32x4_dot_i16x8(W[1], xw->x[1])),
                          wasm_i32x4_add(wasm_i32x4_dot_i16x8(W[2], xw->x[2]), wasm_i32x4_dot_i16x8(W[3], xw->x[3])));
}

/* One row's block as 4 int16 vectors for the tile. */
static inline void widen_q4_0(const uint8_t *b, v128_t W[4]) { widen_nibbles(b + 2, W); }
static inline void widen_q4_1(const uint8_t *b, v128_t W[4]) { widen_nibbles(b + 4, W); }
static inline void widen_wblk(const wblk wb, v128_t W[4]) {
    W[0] = wasm_i16x8_extend_low_i8x16(wb.q0);
    W[1] = wasm_i16x8_extend_high_i8x16(wb.q0);
    W[2] = wasm_i16x8_extend_low_i8x16(wb.q1);
    W[3] = wasm_i16x8_extend_high_i8x16(wb.q1);
}
static inline void widen_q5_0(const uint8_t *b, v128_t W[4]) { widen_wblk(q_q5_0(b), W); }
static inline void widen_q5_1(const uint8_t *b, v128_t W[4]) { widen_wblk(q_q5_1(b), W); }
static inline void widen_q8_0(const uint8_t *b, v128_t W[4]) { widen_wblk(q_q8_0(b), W); }

/* OFF8: the weights were widened without Q4_0's -8, taken off as 8 *
 * sum(x) in the exact integer. (Specializing nt == 4 so the token loop
 * unrolls measured no faster.) */
#define DEF_TILE(NAME, WIDEN, BYTES, HAS_MIN, OFF8)                                            \
    static void NAME(int64_t n, float *out, size_t ldo, const void *w, size_t rb, const void *x, \
                     size_t xstride, int nt, const void *actv) {                               \
        const uint8_t *bw = w, *bx = x;                                                        \
        const tile_act *ta = actv;                                                             \
        v128_t acc[2][4];                                                                      \
        for (int h = 0; h < 2; h++)                                                            \
            for (int t = 0; t < 4; t++) acc[h][t] = wasm_f32x4_splat(0);                       \
        for (int64_t b = 0; b < n / KQK; b++, bw += BYTES, bx += KB_Q8_0, ta++) {              \
            xblk xw[4];                                                                        \
            for (int t = 0; t < nt; t++) xw[t] = widen_x(bx + (size_t)t * xstride + 2);        \
            UNROLL for (int h = 0; h < 2; h++) {                                               \
                const uint8_t *bh = bw + (size_t)(4 * h) * rb;                                 \
                v128_t W[4][4];                                                                \
                UNROLL for (int r = 0; r < 4; r++) WIDEN(bh + r * rb, W[r]);                   \
                const v128_t d4 = halves_4rows(bh, rb);                                        \
                const v128_t m4 = HAS_MIN ? halves_4rows(bh + 2, rb) : d4;                     \
                for (int t = 0; t < nt; t++) {                                                 \
                    v128_t p = hsum4x4(dot_w16(W[0], &xw[t]), dot_w16(W[1], &xw[t]), dot_w16(W[2], &xw[t]), \
                                       dot_w16(W[3], &xw[t]));                                 \
                    if (OFF8) p = wasm_i32x4_sub(p, wasm_i32x4_splat(8 * ta->sx[t]));          \
                    const v128_t sc = wasm_f32x4_mul(d4, wasm_f32x4_splat(ta->dx[t]));         \
                    acc[h][t] = wasm_f32x4_add(acc[h][t], wasm_f32x4_mul(sc, wasm_f32x4_convert_i32x4(p))); \
                    if (HAS_MIN)                                                               \
                        acc[h][t] = wasm_f32x4_add(acc[h][t], wasm_f32x4_mul(m4, wasm_f32x4_splat(ta->dxsx[t]))); \
                }                                                                              \
            }                                                                                  \
        }                                                                                      \
        for (int t = 0; t < nt; t++) {                                                         \
            wasm_v128_store(out + (size_t)t * ldo, acc[0][t]);                                 \
            wasm_v128_store(out + (size_t)t * ldo + 4, acc[1][t]);                             \
        }                                                                                      \
    }

DEF_TILE(tile_q4_0, widen_q4_0, KB_Q4_0, 0, 1)
DEF_TILE(tile_q4_1, widen_q4_1, KB_Q4_1, 1, 0)
DEF_TILE(tile_q5_0, widen_q5_0, KB_Q5_0, 0, 0)
DEF_TILE(tile_q5_1, widen_q5_1, KB_Q5_1, 1, 0)
DEF_TILE(tile_q8_0, widen_q8_0, KB_Q8_0, 0, 0)

/* Per-block activation terms of up to 4 tokens for the tile kernels. */
static void tile_prepare_q8_0(int64_t n, const void *x, size_t xstride, int nt, void *actv) {
    tile_act *ta = actv;
    for (int64_t b = 0; b < n / KQK; b++, ta++)
        for (int t = 0; t < nt; t++) {
            const uint8_t *bx = (const uint8_t *)x + (size_t)t * xstride + (size_t)b * KB_Q8_0;
            const v128_t s = wasm_i32x4_add(sum_i8(load16(bx + 2)), sum_i8(load16(bx + 18)));
            ta->sx[t] = (wasm_i32x4_extract_lane(s, 0) + wasm_i32x4_extract_lane(s, 1)) +
                        (wasm_i32x4_extract_lane(s, 2) + wasm_i32x4_extract_lane(s, 3));
            ta->dx[t] = kern_half(bx);
            ta->dxsx[t] = ta->dx[t] * (float)ta->sx[t];
        }
}

/* ------------------------------------------------ k-quants x Q8_K */

/* A k-quant super-block unpacked once for 4 tokens (prefill): the 256
 * values times their sub-block scales as 32 int16 vectors (vector v
 * covers values 8v..8v+7; Q4_K/Q5_K q * sc <= 31 * 63, Q6_K q * |sc| <=
 * 63 * 128, so int16 is exact and so are the int32 dot sums: at most 256
 * * 8064 * 127 < 2^31), and the int16 weights of the correction term
 * against Q8_K's 16 bsums: Q4_K/Q5_K the 8 sub-block mins, each twice
 * (one bsum per 16 values, two per sub-block), Q6_K its 16 scales * 32
 * (the -32 offset). The correction is one dot_i16x8 pair per token,
 * accumulated as a vector (Q6_K: subtracted in the exact integer sum,
 * since it shares the block scale). */
typedef struct kblk {
    v128_t q[32];
    v128_t corr_w[2]; /* 16 int16 */
    float d, dmin;
} kblk;

/* The 12 bytes of 6-bit scales and mins of Q4_K / Q5_K (see
 * kern_k4_scale_min) as three words: all 8 scales and 8 mins with a few
 * masks and shifts (bytes j of lo, hi: scales j, j + 4). */
typedef struct k45_sm {
    uint32_t sc_lo, sc_hi, mn_lo, mn_hi;
} k45_sm;

static inline k45_sm k45_scales(const uint8_t *s12) {
    const uint32_t a = kern_u32(s12), b = kern_u32(s12 + 4), c = kern_u32(s12 + 8);
    k45_sm r = {a & 0x3f3f3f3fu, (c & 0x0f0f0f0fu) | ((a >> 6) & 0x03030303u) << 4, b & 0x3f3f3f3fu,
                ((c >> 4) & 0x0f0f0f0fu) | ((b >> 6) & 0x03030303u) << 4};
    return r;
}

static inline int k45_sc(uint32_t lo, uint32_t hi, int j) { return (int)((j < 4 ? lo >> 8 * j : hi >> 8 * (j - 4)) & 0xFF); }

/* int16 pairs (m_j, m_j) of the 8 mins: the dot with bsums gives m_j *
 * (bsum_2j + bsum_2j+1). */
static inline void k45_corr_w(const k45_sm *sm, v128_t cw[2]) {
    const v128_t mn16 = wasm_u16x8_extend_low_u8x16(wasm_u32x4_make(sm->mn_lo, sm->mn_hi, 0, 0));
    cw[0] = wasm_i16x8_shuffle(mn16, mn16, 0, 0, 1, 1, 2, 2, 3, 3);
    cw[1] = wasm_i16x8_shuffle(mn16, mn16, 4, 4, 5, 5, 6, 6, 7, 7);
}

/* Bit b (0..7) of every byte of v moved to bit 4, the other bits 0 (b a
 * constant once the caller's loop is unrolled). */
static inline v128_t bit_to4(v128_t v, int b) {
    const v128_t t = b <= 4 ? wasm_i16x8_shl(v, 4 - b) : wasm_u16x8_shr(v, b - 4);
    return wasm_v128_and(t, wasm_i8x16_splat(0x10));
}

/* The 4 int8 vectors of group g (values 64g + 16i .. +15 in vector i),
 * unsigned; h0, h1 Q5_K's qh (bit 2g: fifth bit of the low nibbles, 2g +
 * 1 of the high ones). */
static inline void k45_group(const uint8_t *qs, int g, const v128_t *h0, const v128_t *h1, v128_t q8[4]) {
    const v128_t m4 = wasm_i8x16_splat(0x0F);
    const v128_t a0 = load16(qs + 32 * g), a1 = load16(qs + 32 * g + 16);
    q8[0] = wasm_v128_and(a0, m4);
    q8[1] = wasm_v128_and(a1, m4);
    q8[2] = shr4_u8(a0);
    q8[3] = shr4_u8(a1);
    if (h0) {
        q8[0] = wasm_v128_or(q8[0], bit_to4(*h0, 2 * g));
        q8[1] = wasm_v128_or(q8[1], bit_to4(*h1, 2 * g));
        q8[2] = wasm_v128_or(q8[2], bit_to4(*h0, 2 * g + 1));
        q8[3] = wasm_v128_or(q8[3], bit_to4(*h1, 2 * g + 1));
    }
}

/* Q6_K's 4 int8 vectors (q in 0..63) of half `half` of 128-value group
 * h: vector j covers values 128h + 32j + 16half .. +15 (16-value scale
 * index 8h + 2j + half); its 2 high bits are bits 2j, 2j + 1 of qh. */
static inline void q6_group(const uint8_t *bw, int h, int half, v128_t q[4]) {
    const v128_t m4 = wasm_i8x16_splat(0x0F), m30 = wasm_i8x16_splat(0x30);
    const v128_t A = load16(bw + 64 * h + 16 * half), B = load16(bw + 64 * h + 32 + 16 * half);
    const v128_t H = load16(bw + Q6K_QH + 32 * h + 16 * half);
    q[0] = wasm_v128_or(wasm_v128_and(A, m4), wasm_v128_and(wasm_i16x8_shl(H, 4), m30));
    q[1] = wasm_v128_or(wasm_v128_and(B, m4), wasm_v128_and(wasm_i16x8_shl(H, 2), m30));
    q[2] = wasm_v128_or(shr4_u8(A), wasm_v128_and(H, m30));
    q[3] = wasm_v128_or(shr4_u8(B), wasm_v128_and(wasm_u16x8_shr(H, 2), m30));
}

/* Q4_K / Q5_K (layout: see kernels_scalar.c k45_dot): group g takes low
 * nibbles of qs[32g..32g+31] for values 64g..64g+31 (scale sc[2g]) and
 * high nibbles for the next 32 (sc[2g+1]); Q5_K's fifth bit of value
 * 64g + l is bit 2g of qh[l], of 64g + 32 + l bit 2g + 1. */
static inline void unpack_k45(const uint8_t *bw, const uint8_t *qh, const uint8_t *qs, kblk *k) {
    const k45_sm sm = k45_scales(bw + 4);
    k45_corr_w(&sm, k->corr_w);
    const v128_t h0 = qh ? load16(qh) : wasm_i8x16_splat(0), h1 = qh ? load16(qh + 16) : wasm_i8x16_splat(0);
    UNROLL for (int g = 0; g < 4; g++) {
        v128_t q8[4];
        k45_group(qs, g, qh ? &h0 : NULL, &h1, q8);
        const v128_t s0 = wasm_i16x8_splat((int16_t)k45_sc(sm.sc_lo, sm.sc_hi, 2 * g));
        const v128_t s1 = wasm_i16x8_splat((int16_t)k45_sc(sm.sc_lo, sm.sc_hi, 2 * g + 1));
        UNROLL for (int j = 0; j < 4; j++) {
            const v128_t s = j < 2 ? s0 : s1;
            k->q[8 * g + 2 * j] = wasm_i16x8_mul(wasm_u16x8_extend_low_u8x16(q8[j]), s);
            k->q[8 * g + 2 * j + 1] = wasm_i16x8_mul(wasm_u16x8_extend_high_u8x16(q8[j]), s);
        }
    }
    k->d = kern_half(bw);
    k->dmin = kern_half(bw + 2);
}
static inline void unpack_q4_k(const uint8_t *bw, kblk *k) { unpack_k45(bw, NULL, bw + 16, k); }
static inline void unpack_q5_k(const uint8_t *bw, kblk *k) { unpack_k45(bw, bw + 16, bw + 48, k); }

/* Q6_K: sum((q - 32) * sc * x) = sum(q * sc * x) - 32 * sum(sc * bsum)
 * with q in 0..63 (int16 vector 2u, 2u + 1: the 16 values of scale u). */
static inline void unpack_q6_k(const uint8_t *bw, kblk *k) {
    const int8_t *sc = (const int8_t *)(bw + Q6K_SC);
    const v128_t scv = load16(bw + Q6K_SC);
    k->corr_w[0] = wasm_i16x8_shl(wasm_i16x8_extend_low_i8x16(scv), 5);
    k->corr_w[1] = wasm_i16x8_shl(wasm_i16x8_extend_high_i8x16(scv), 5);
    UNROLL for (int h = 0; h < 2; h++)
        UNROLL for (int half = 0; half < 2; half++) {
            v128_t q[4];
            q6_group(bw, h, half, q);
            UNROLL for (int j = 0; j < 4; j++) {
                const int u = 8 * h + 2 * j + half;
                const v128_t s = wasm_i16x8_splat((int16_t)sc[u]);
                k->q[2 * u] = wasm_i16x8_mul(wasm_u16x8_extend_low_u8x16(q[j]), s);
                k->q[2 * u + 1] = wasm_i16x8_mul(wasm_u16x8_extend_high_u8x16(q[j]), s);
            }
        }
    k->d = kern_half(bw + Q6K_D);
    k->dmin = 0;
}

/* sum over the block of (q * sc) * x as 4 int32 partial sums. */
static inline v128_t dot_kblk(const kblk *k, const uint8_t *qx) {
    v128_t s0 = wasm_i32x4_splat(0), s1 = wasm_i32x4_splat(0);
    UNROLL for (int v = 0; v < 16; v++) {
        const v128_t xv = load16(qx + 16 * v);
        s0 = wasm_i32x4_add(s0, wasm_i32x4_dot_i16x8(k->q[2 * v], wasm_i16x8_extend_low_i8x16(xv)));
        s1 = wasm_i32x4_add(s1, wasm_i32x4_dot_i16x8(k->q[2 * v + 1], wasm_i16x8_extend_high_i8x16(xv)));
    }
    return wasm_i32x4_add(s0, s1);
}

/* Q8_K's 16 bsums . 16 int16 correction weights as 4 int32 partial sums
 * (|each product| <= 4096 * 2032) */
static inline v128_t dot_bsums_w(const v128_t cw[2], const uint8_t *bx) {
    return wasm_i32x4_add(wasm_i32x4_dot_i16x8(load16(bx + Q8K_BSUMS), cw[0]),
                          wasm_i32x4_dot_i16x8(load16(bx + Q8K_BSUMS + 16), cw[1]));
}
static inline v128_t dot_bsums(const kblk *k, const uint8_t *bx) { return dot_bsums_w(k->corr_w, bx); }

/* One token: acc += d*dx * sum(q * sc * x); corr += dmin*dx * sum_j m_j *
 * sum(x over sub-block j), subtracted at the end. */
static inline void step_k45(const kblk *k, const uint8_t *bx, v128_t *acc, v128_t *corr) {
    const float dx = kern_f32(bx);
    *acc = wasm_f32x4_add(*acc, wasm_f32x4_mul(wasm_f32x4_splat(dx * k->d), wasm_f32x4_convert_i32x4(dot_kblk(k, bx + Q8K_QS))));
    *corr = wasm_f32x4_add(*corr, wasm_f32x4_mul(wasm_f32x4_splat(dx * k->dmin), wasm_f32x4_convert_i32x4(dot_bsums(k, bx))));
}

static inline void step_q6_k(const kblk *k, const uint8_t *bx, v128_t *acc, v128_t *corr) {
    (void)corr;
    const v128_t s = wasm_i32x4_sub(dot_kblk(k, bx + Q8K_QS), dot_bsums(k, bx));
    *acc = wasm_f32x4_add(*acc, wasm_f32x4_mul(wasm_f32x4_splat(kern_f32(bx) * k->d), wasm_f32x4_convert_i32x4(s)));
}

/* Decode: the block is not stored as int16 products but taken straight
 * from the int8 values against the activations widened to int16 (32
 * vectors, vector v = values 8v..8v+7), with one int32 multiply per
 * scale: the same exact integer in every lane as dot_kblk (lane i of both
 * holds values 2i, 2i+1, 8+2i, 9+2i of each 16), so the same bits as the
 * 4-token kernel. (4-row variants that widen the activations once for
 * 4 rows measured -60% to +15% on matrices streamed from memory, so
 * there are none.) */
static inline void widen_x256(const uint8_t *qx, v128_t xw[32]) {
    UNROLL for (int v = 0; v < 16; v++) {
        const v128_t t = load16(qx + 16 * v);
        xw[2 * v] = wasm_i16x8_extend_low_i8x16(t);
        xw[2 * v + 1] = wasm_i16x8_extend_high_i8x16(t);
    }
}

/* unsigned int8 values (< 128) . 16 widened activations */
static inline v128_t dot_u8w(v128_t q, const v128_t *xw) {
    return wasm_i32x4_add(wasm_i32x4_dot_i16x8(wasm_u16x8_extend_low_u8x16(q), xw[0]),
                          wasm_i32x4_dot_i16x8(wasm_u16x8_extend_high_u8x16(q), xw[1]));
}

static inline v128_t sumi_k45(const uint8_t *bw, int has_qh, const v128_t *xw, v128_t cw[2]) {
    const uint8_t *qh = bw + 16, *qs = has_qh ? bw + 48 : bw + 16;
    const k45_sm sm = k45_scales(bw + 4);
    k45_corr_w(&sm, cw);
    const v128_t h0 = has_qh ? load16(qh) : wasm_i8x16_splat(0), h1 = has_qh ? load16(qh + 16) : wasm_i8x16_splat(0);
    v128_t sumi = wasm_i32x4_splat(0);
    UNROLL for (int g = 0; g < 4; g++) {
        v128_t q8[4];
        k45_group(qs, g, has_qh ? &h0 : NULL, &h1, q8);
        const v128_t *xg = xw + 8 * g;
        const v128_t p0 = wasm_i32x4_add(dot_u8w(q8[0], xg), dot_u8w(q8[1], xg + 2));
        const v128_t p1 = wasm_i32x4_add(dot_u8w(q8[2], xg + 4), dot_u8w(q8[3], xg + 6));
        sumi = wasm_i32x4_add(sumi, wasm_i32x4_mul(p0, wasm_i32x4_splat(k45_sc(sm.sc_lo, sm.sc_hi, 2 * g))));
        sumi = wasm_i32x4_add(sumi, wasm_i32x4_mul(p1, wasm_i32x4_splat(k45_sc(sm.sc_lo, sm.sc_hi, 2 * g + 1))));
    }
    return sumi;
}

/* Q6_K: sum(q * sc * x) - 32 * sum(sc * bsum) */
static inline v128_t sumi_q6_k(const uint8_t *bw, const uint8_t *bx, const v128_t *xw) {
    const int8_t *sc = (const int8_t *)(bw + Q6K_SC);
    v128_t sumi = wasm_i32x4_splat(0);
    UNROLL for (int h = 0; h < 2; h++)
        UNROLL for (int half = 0; half < 2; half++) {
            v128_t q[4];
            q6_group(bw, h, half, q);
            UNROLL for (int j = 0; j < 4; j++) {
                const int u = 8 * h + 2 * j + half;
                sumi = wasm_i32x4_add(sumi, wasm_i32x4_mul(dot_u8w(q[j], xw + 2 * u), wasm_i32x4_splat(sc[u])));
            }
        }
    const v128_t scv = load16(bw + Q6K_SC);
    const v128_t cw[2] = {wasm_i16x8_shl(wasm_i16x8_extend_low_i8x16(scv), 5),
                          wasm_i16x8_shl(wasm_i16x8_extend_high_i8x16(scv), 5)};
    return wasm_i32x4_sub(sumi, dot_bsums_w(cw, bx));
}

#define DEF_DOTK1_45(NAME, HAS_QH, BYTES)                                                      \
    static void NAME(int64_t n, float *out, const void *w, const void *x) {                    \
        const uint8_t *bw = w, *bx = x;                                                        \
        v128_t acc = wasm_f32x4_splat(0), corr = wasm_f32x4_splat(0);                          \
        for (int64_t b = 0; b < n / KQK_K; b++, bw += BYTES, bx += KB_Q8_K) {                  \
            v128_t xw[32], cw[2];                                                              \
            widen_x256(bx + Q8K_QS, xw);                                                       \
            const v128_t sumi = sumi_k45(bw, HAS_QH, xw, cw);                                  \
            const float dx = kern_f32(bx);                                                     \
            acc = wasm_f32x4_add(acc, wasm_f32x4_mul(wasm_f32x4_splat(dx * kern_half(bw)), wasm_f32x4_convert_i32x4(sumi))); \
            corr = wasm_f32x4_add(corr, wasm_f32x4_mul(wasm_f32x4_splat(dx * kern_half(bw + 2)),   \
                                                       wasm_f32x4_convert_i32x4(dot_bsums_w(cw, bx)))); \
        }                                                                                      \
        *out = hsum4(acc) - hsum4(corr);                                                       \
    }

DEF_DOTK1_45(dot_q4_k, 0, KB_Q4_K)
DEF_DOTK1_45(dot_q5_k, 1, KB_Q5_K)

static void dot_q6_k(int64_t n, float *out, const void *w, const void *x) {
    const uint8_t *bw = w, *bx = x;
    v128_t acc = wasm_f32x4_splat(0);
    for (int64_t b = 0; b < n / KQK_K; b++, bw += KB_Q6_K, bx += KB_Q8_K) {
        v128_t xw[32];
        widen_x256(bx + Q8K_QS, xw);
        acc = wasm_f32x4_add(acc, wasm_f32x4_mul(wasm_f32x4_splat(kern_f32(bx) * kern_half(bw + Q6K_D)),
                                                 wasm_f32x4_convert_i32x4(sumi_q6_k(bw, bx, xw))));
    }
    *out = hsum4(acc);
}

/* 4 tokens (prefill): the block unpacked once into int16 products. */
#define DEF_DOTK(NAME, UNPACK, STEPK, BYTES)                                                   \
    static void NAME##_4x(int64_t n, float *out, size_t ldo, const void *w, const void *x, size_t xs) { \
        const uint8_t *bw = w, *bx = x;                                                        \
        v128_t acc[4], corr[4];                                                                \
        for (int k = 0; k < 4; k++) acc[k] = corr[k] = wasm_f32x4_splat(0);                    \
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

const kern_ops kern_ops_simd128 = {
    .isa = KERN_ISA_SIMD128,
    .name = "simd128",
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
            [GGML_TYPE_Q8_0] = dot_q8_0_4r,
        },
    .tile_8x4 =
        {
            [GGML_TYPE_Q4_0] = tile_q4_0,
            [GGML_TYPE_Q4_1] = tile_q4_1,
            [GGML_TYPE_Q5_0] = tile_q5_0,
            [GGML_TYPE_Q5_1] = tile_q5_1,
            [GGML_TYPE_Q8_0] = tile_q8_0,
        },
    .tile_prepare =
        {
            [GGML_TYPE_Q4_0] = tile_prepare_q8_0,
            [GGML_TYPE_Q4_1] = tile_prepare_q8_0,
            [GGML_TYPE_Q5_0] = tile_prepare_q8_0,
            [GGML_TYPE_Q5_1] = tile_prepare_q8_0,
            [GGML_TYPE_Q8_0] = tile_prepare_q8_0,
        },
    .quantize_act = kern_quantize_act_ref,
    .dot_f32_f16 = dot_f32_f16,
    .axpy_f16 = axpy_f16,
};

#else
typedef int kern_simd128_unused; /* ISO C wants a declaration in every file */
#endif
