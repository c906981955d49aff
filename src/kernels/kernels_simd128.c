/* WebAssembly simd128 dot products (browser build, -msimd128). Same
 * scheme as the AVX2 file at 16 bytes a vector: int8 values are widened
 * to int16 and multiplied pairwise into int32 (i32x4.dot_i16x8_s), which
 * is exact; block scales are applied in f32 with 4 partial sums. F16
 * weights (simd128 has no half conversion) use the scalar kernel. The
 * *_4x variants repeat the per-token arithmetic exactly, so kern_matmul
 * equals kern_matvec bit for bit here too. */
#include "kernels/kernels_internal.h"

#include "gguf/ggml_types.h"

#if defined(__wasm_simd128__)
#include <wasm_simd128.h>

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

static inline wblk nib(const uint8_t *qs, float d, float m, int8_t off) {
    const v128_t t = load16(qs), m4 = wasm_i8x16_splat(0x0F), o = wasm_i8x16_splat(off);
    wblk r = {wasm_i8x16_sub(wasm_v128_and(t, m4), o), wasm_i8x16_sub(wasm_u8x16_shr(t, 4), o), d, m};
    return r;
}
static inline wblk unpack_q4_0(const uint8_t *b) { return nib(b + 2, kern_half(b), 0, 8); }
static inline wblk unpack_q4_1(const uint8_t *b) { return nib(b + 4, kern_half(b), kern_half(b + 2), 0); }
static inline wblk unpack_q5_0(const uint8_t *b) {
    wblk r = nib(b + 6, kern_half(b), 0, 0);
    const uint32_t h = kern_u32(b + 2);
    const v128_t f0 = wasm_i8x16_splat((int8_t)0xF0); /* q - 16: nibble | 0xF0 where bit clear */
    r.q0 = wasm_v128_or(r.q0, wasm_v128_andnot(f0, bits16(h, 0)));
    r.q1 = wasm_v128_or(r.q1, wasm_v128_andnot(f0, bits16(h, 1)));
    return r;
}
static inline wblk unpack_q5_1(const uint8_t *b) {
    wblk r = nib(b + 8, kern_half(b), kern_half(b + 2), 0);
    const uint32_t h = kern_u32(b + 4);
    const v128_t x10 = wasm_i8x16_splat(0x10);
    r.q0 = wasm_v128_or(r.q0, wasm_v128_and(bits16(h, 0), x10));
    r.q1 = wasm_v128_or(r.q1, wasm_v128_and(bits16(h, 1), x10));
    return r;
}
static inline wblk unpack_q8_0(const uint8_t *b) {
    wblk r = {load16(b + 2), load16(b + 18), kern_half(b), 0};
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

DEF_DOT32(dot_q4_0, unpack_q4_0, KB_Q4_0, 0)
DEF_DOT32(dot_q4_1, unpack_q4_1, KB_Q4_1, 1)
DEF_DOT32(dot_q5_0, unpack_q5_0, KB_Q5_0, 0)
DEF_DOT32(dot_q5_1, unpack_q5_1, KB_Q5_1, 1)
DEF_DOT32(dot_q8_0, unpack_q8_0, KB_Q8_0, 0)

/* A k-quant super-block unpacked once (for 1 or 4 tokens): 16 vectors of
 * int8 values, vector v covering values 16v..16v+15, with its scale. */
typedef struct kblk {
    v128_t q[16];
    int sc[16];
    int mn[8]; /* Q4_K/Q5_K sub-block mins (Q6_K: unused) */
    float d, dmin;
} kblk;

/* Q4_K / Q5_K (layout: see kernels_scalar.c k45_dot): group g = v / 4
 * takes low nibbles of qs[32g..32g+31] for vectors 4g, 4g+1 and high
 * nibbles for 4g+2, 4g+3; Q5_K's fifth bit of value 64g + l is bit 2g of
 * qh[l], of 64g + 32 + l bit 2g + 1. */
static inline void unpack_k45(const uint8_t *bw, const uint8_t *qh, const uint8_t *qs, kblk *k) {
    const v128_t m4 = wasm_i8x16_splat(0x0F), b1 = wasm_i8x16_splat(1);
    v128_t h0 = qh ? load16(qh) : wasm_i8x16_splat(0), h1 = qh ? load16(qh + 16) : wasm_i8x16_splat(0);
    for (int g = 0; g < 4; g++) {
        int sc0, sc1;
        kern_k4_scale_min(2 * g, bw + 4, &sc0, &k->mn[2 * g]);
        kern_k4_scale_min(2 * g + 1, bw + 4, &sc1, &k->mn[2 * g + 1]);
        k->sc[4 * g] = k->sc[4 * g + 1] = sc0;
        k->sc[4 * g + 2] = k->sc[4 * g + 3] = sc1;
        const v128_t a = load16(qs + 32 * g), c = load16(qs + 32 * g + 16);
        v128_t lo0 = wasm_v128_and(a, m4), lo1 = wasm_v128_and(c, m4);
        v128_t hi0 = wasm_u8x16_shr(a, 4), hi1 = wasm_u8x16_shr(c, 4);
        if (qh) {
            lo0 = wasm_v128_or(lo0, wasm_i8x16_shl(wasm_v128_and(h0, b1), 4));
            lo1 = wasm_v128_or(lo1, wasm_i8x16_shl(wasm_v128_and(h1, b1), 4));
            hi0 = wasm_v128_or(hi0, wasm_i8x16_shl(wasm_v128_and(wasm_u8x16_shr(h0, 1), b1), 4));
            hi1 = wasm_v128_or(hi1, wasm_i8x16_shl(wasm_v128_and(wasm_u8x16_shr(h1, 1), b1), 4));
            h0 = wasm_u8x16_shr(h0, 2);
            h1 = wasm_u8x16_shr(h1, 2);
        }
        k->q[4 * g] = lo0;
        k->q[4 * g + 1] = lo1;
        k->q[4 * g + 2] = hi0;
        k->q[4 * g + 3] = hi1;
    }
    k->d = kern_half(bw);
    k->dmin = kern_half(bw + 2);
}
static inline void unpack_q4_k(const uint8_t *bw, kblk *k) { unpack_k45(bw, NULL, bw + 16, k); }
static inline void unpack_q5_k(const uint8_t *bw, kblk *k) { unpack_k45(bw, bw + 16, bw + 48, k); }

/* Q6_K: vector v = 8h + 2k + half covers values 128h + 32k + 16half ..+15
 * and has scale sc[v]; q - 32 fits int8 (-32..31). */
static inline void unpack_q6_k(const uint8_t *bw, kblk *k) {
    const v128_t m4 = wasm_i8x16_splat(0x0F), m2 = wasm_i8x16_splat(0x03), c32 = wasm_i8x16_splat(32);
    const int8_t *sc = (const int8_t *)(bw + Q6K_SC);
    for (int h = 0; h < 2; h++) {
        for (int half = 0; half < 2; half++) {
            const v128_t A = load16(bw + 64 * h + 16 * half), B = load16(bw + 64 * h + 32 + 16 * half);
            const v128_t H = load16(bw + Q6K_QH + 32 * h + 16 * half);
            const v128_t q[4] = {
                wasm_v128_or(wasm_v128_and(A, m4), wasm_i8x16_shl(wasm_v128_and(H, m2), 4)),
                wasm_v128_or(wasm_v128_and(B, m4), wasm_i8x16_shl(wasm_v128_and(wasm_u8x16_shr(H, 2), m2), 4)),
                wasm_v128_or(wasm_u8x16_shr(A, 4), wasm_i8x16_shl(wasm_v128_and(wasm_u8x16_shr(H, 4), m2), 4)),
                wasm_v128_or(wasm_u8x16_shr(B, 4), wasm_i8x16_shl(wasm_u8x16_shr(H, 6), 4)),
            };
            for (int j = 0; j < 4; j++) k->q[8 * h + 2 * j + half] = wasm_i8x16_sub(q[j], c32);
        }
    }
    for (int v = 0; v < 16; v++) k->sc[v] = sc[v];
    k->d = kern_half(bw + Q6K_D);
    k->dmin = 0;
}

/* One token: acc += d*dx * sum_v sc_v * (q.x)_v; returns the Q4_K/Q5_K
 * min term dmin*dx * sum_j m_j * sum(x over sub-block j) (bsums). */
static inline float step_k(const kblk *k, const uint8_t *bx, v128_t *acc, int has_min) {
    const uint8_t *qx = bx + Q8K_QS;
    v128_t sumi = wasm_i32x4_splat(0);
    for (int v = 0; v < 16; v++)
        sumi = wasm_i32x4_add(sumi, wasm_i32x4_mul(dot_i8(k->q[v], load16(qx + 16 * v)), wasm_i32x4_splat(k->sc[v])));
    const float dx = kern_f32(bx);
    *acc = wasm_f32x4_add(*acc, wasm_f32x4_mul(wasm_f32x4_splat(dx * k->d), wasm_f32x4_convert_i32x4(sumi)));
    if (!has_min) return 0;
    int sum_m = 0;
    for (int j = 0; j < 8; j++)
        sum_m += k->mn[j] * (kern_i16(bx + Q8K_BSUMS + 4 * j) + kern_i16(bx + Q8K_BSUMS + 4 * j + 2));
    return dx * k->dmin * (float)sum_m;
}

#define DEF_DOTK(NAME, UNPACK, BYTES, HAS_MIN)                                                 \
    static void NAME(int64_t n, float *out, const void *w, const void *x) {                    \
        const uint8_t *bw = w, *bx = x;                                                        \
        v128_t acc = wasm_f32x4_splat(0);                                                      \
        float corr = 0;                                                                        \
        kblk kb;                                                                               \
        for (int64_t b = 0; b < n / KQK_K; b++, bw += BYTES, bx += KB_Q8_K) {                  \
            UNPACK(bw, &kb);                                                                   \
            corr += step_k(&kb, bx, &acc, HAS_MIN);                                            \
        }                                                                                      \
        *out = hsum4(acc) - corr;                                                              \
    }                                                                                          \
    static void NAME##_4x(int64_t n, float *out, size_t ldo, const void *w, const void *x, size_t xs) { \
        const uint8_t *bw = w, *bx = x;                                                        \
        v128_t acc[4];                                                                         \
        float corr[4] = {0, 0, 0, 0};                                                          \
        for (int k = 0; k < 4; k++) acc[k] = wasm_f32x4_splat(0);                              \
        kblk kb;                                                                               \
        for (int64_t b = 0; b < n / KQK_K; b++, bw += BYTES, bx += KB_Q8_K) {                  \
            UNPACK(bw, &kb);                                                                   \
            for (int k = 0; k < 4; k++) corr[k] += step_k(&kb, bx + k * xs, &acc[k], HAS_MIN); \
        }                                                                                      \
        for (int k = 0; k < 4; k++) out[k * ldo] = hsum4(acc[k]) - corr[k];                    \
    }

DEF_DOTK(dot_q4_k, unpack_q4_k, KB_Q4_K, 1)
DEF_DOTK(dot_q5_k, unpack_q5_k, KB_Q5_K, 1)
DEF_DOTK(dot_q6_k, unpack_q6_k, KB_Q6_K, 0)

const kern_ops kern_ops_simd128 = {
    .isa = KERN_ISA_SIMD128,
    .name = "simd128",
    .vec_dot =
        {
            [GGML_TYPE_F32] = dot_f32,
            [GGML_TYPE_F16] = kern_dot_f16_scalar,
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
    .quantize_act = kern_quantize_act_ref,
    .dot_f32_f16 = kern_dot_f32_f16_scalar,
    .axpy_f16 = kern_axpy_f16_scalar,
};

#else
typedef int kern_simd128_unused; /* ISO C wants a declaration in every file */
#endif
