/* AVX2 + FMA + F16C dot products (x86-64). Compiled without global ISA
 * flags: each function carries a target attribute and kernels.c hands
 * this table out only where __builtin_cpu_supports says the CPU has all
 * three, so the binary still runs on older x86-64.
 *
 * Integer parts are exact (u8 x s8 pairs through maddubs stay far below
 * int16 saturation: at most 2 * 63 * 127 = 16002); float parts keep
 * 8 partial sums per accumulator, so results equal the scalar kernels up
 * to reassociation of the float sum. The *_4x variants run the identical
 * per-token arithmetic for 4 tokens with each weight block unpacked once,
 * so kern_matmul gives the same bits as kern_matvec. */
#include "kernels/kernels_internal.h"

#include "gguf/ggml_types.h"

#include <math.h>
#include <string.h>

#if defined(__x86_64__)
#include <immintrin.h>

#define KT __attribute__((target("avx2,fma,f16c")))

KT static inline float hsum(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

KT static inline float half_at(const uint8_t *p) {
    return _cvtsh_ss((unsigned short)(p[0] | p[1] << 8));
}

/* 16 bytes of packed nibbles -> 32 bytes: value j (low nibble of byte j)
 * in byte j, value j + 16 (high nibble) in byte j + 16: Q8_0 order. */
KT static inline __m256i nibbles32(const uint8_t *qs) {
    const __m128i t = _mm_loadu_si128((const __m128i *)qs);
    const __m256i v = _mm256_set_m128i(_mm_srli_epi16(t, 4), t);
    return _mm256_and_si256(v, _mm256_set1_epi8(0x0F));
}

/* A little-endian u32 of bits -> 32 bytes, 0xFF where bit j is set. */
KT static inline __m256i bits32(const uint8_t *p) {
    const __m256i v = _mm256_set1_epi32((int)kern_u32(p));
    const __m256i spread = _mm256_shuffle_epi8(
        v, _mm256_setr_epi64x(0x0000000000000000, 0x0101010101010101, 0x0202020202020202,
                              0x0303030303030303));
    const __m256i mask = _mm256_set1_epi64x((long long)0x8040201008040201ull);
    return _mm256_cmpeq_epi8(_mm256_and_si256(spread, mask), mask);
}

/* u8 x s8 over 32 bytes -> 8 int32 partial sums. */
KT static inline __m256i dot_u8s8(__m256i u, __m256i s) {
    return _mm256_madd_epi16(_mm256_maddubs_epi16(u, s), _mm256_set1_epi16(1));
}

/* s8 x s8: move w's sign onto x so the first operand is unsigned. */
KT static inline __m256i dot_s8s8(__m256i w, __m256i x) {
    return dot_u8s8(_mm256_sign_epi8(w, w), _mm256_sign_epi8(x, w));
}

/* Sum of 32 int8 as 8 int32 partial sums. */
KT static inline __m256i sum_s8(__m256i x) { return dot_u8s8(_mm256_set1_epi8(1), x); }

KT static inline __m256i load32(const uint8_t *p) { return _mm256_loadu_si256((const __m256i *)p); }

/* ----------------------------------------------------------- floats */

KT static void dot_f32(int64_t n, float *out, const void *w, const void *x) {
    const float *pw = w, *px = x; /* unaligned loads: any alignment is fine */
    __m256 a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps();
    int64_t i = 0;
    for (; i + 16 <= n; i += 16) {
        a0 = _mm256_fmadd_ps(_mm256_loadu_ps(pw + i), _mm256_loadu_ps(px + i), a0);
        a1 = _mm256_fmadd_ps(_mm256_loadu_ps(pw + i + 8), _mm256_loadu_ps(px + i + 8), a1);
    }
    float s = hsum(_mm256_add_ps(a0, a1));
    const uint8_t *bw = w;
    for (; i < n; i++) s += kern_f32(bw + 4 * i) * px[i];
    *out = s;
}

KT static void dot_f16(int64_t n, float *out, const void *w, const void *x) {
    const uint8_t *bw = w;
    const float *px = x;
    __m256 a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps();
    int64_t i = 0;
    for (; i + 16 <= n; i += 16) {
        const __m256 w0 = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(bw + 2 * i)));
        const __m256 w1 = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(bw + 2 * i + 16)));
        a0 = _mm256_fmadd_ps(w0, _mm256_loadu_ps(px + i), a0);
        a1 = _mm256_fmadd_ps(w1, _mm256_loadu_ps(px + i + 8), a1);
    }
    float s = hsum(_mm256_add_ps(a0, a1));
    for (; i < n; i++) s += half_at(bw + 2 * i) * px[i];
    *out = s;
}

KT static void dot_bf16(int64_t n, float *out, const void *w, const void *x) {
    const uint8_t *bw = w;
    const float *px = x;
    __m256 a0 = _mm256_setzero_ps();
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        const __m256i h = _mm256_cvtepu16_epi32(_mm_loadu_si128((const __m128i *)(bw + 2 * i)));
        a0 = _mm256_fmadd_ps(_mm256_castsi256_ps(_mm256_slli_epi32(h, 16)), _mm256_loadu_ps(px + i), a0);
    }
    float s = hsum(a0);
    for (; i < n; i++) s += wick_bf16_to_f32((uint16_t)(bw[2 * i] | bw[2 * i + 1] << 8)) * px[i];
    *out = s;
}

/* Attention over the f16 cache (head_dim values: 64..256, a multiple of 8
 * in every supported model; the tail loop covers the rest). */
KT static float dot_f32_f16(int64_t n, const float *x, const uint16_t *h) {
    __m256 a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps();
    int64_t i = 0;
    for (; i + 16 <= n; i += 16) {
        a0 = _mm256_fmadd_ps(_mm256_loadu_ps(x + i), _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(h + i))), a0);
        a1 = _mm256_fmadd_ps(_mm256_loadu_ps(x + i + 8),
                             _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(h + i + 8))), a1);
    }
    for (; i + 8 <= n; i += 8)
        a0 = _mm256_fmadd_ps(_mm256_loadu_ps(x + i), _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(h + i))), a0);
    float s = hsum(_mm256_add_ps(a0, a1));
    for (; i < n; i++) s += x[i] * _cvtsh_ss(h[i]);
    return s;
}

KT static void axpy_f16(int64_t n, float a, const uint16_t *h, float *y) {
    const __m256 va = _mm256_set1_ps(a);
    int64_t i = 0;
    for (; i + 8 <= n; i += 8)
        _mm256_storeu_ps(y + i, _mm256_fmadd_ps(va, _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(h + i))),
                                                _mm256_loadu_ps(y + i)));
    for (; i < n; i++) y[i] += a * _cvtsh_ss(h[i]);
}

/* Q8_0 activations, bit for bit ggml's quantize_row_q8_0_ref: amax by
 * max of |x| (max_ps keeps the accumulator on NaN, as fmaxf does), d =
 * amax / 127, id = 1 / d, q = roundf(x * id). roundf (halves away from
 * zero) is trunc(v + copysign(0.5 - 2^-25, v)): exact for |v| < 2^23,
 * and here |v| <= 127. */
KT static void quantize_q8_0_avx2(const float *x, uint8_t *o, int64_t nb) {
    const __m256 sign = _mm256_set1_ps(-0.0f), half = _mm256_set1_ps(0.49999997f);
    const __m256i perm = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7);
    for (int64_t b = 0; b < nb; b++, x += KQK, o += KB_Q8_0) {
        __m256 v[4];
        __m256 mx = _mm256_setzero_ps();
        for (int k = 0; k < 4; k++) {
            v[k] = _mm256_loadu_ps(x + 8 * k);
            mx = _mm256_max_ps(_mm256_andnot_ps(sign, v[k]), mx);
        }
        __m128 m4 = _mm_max_ps(_mm256_castps256_ps128(mx), _mm256_extractf128_ps(mx, 1));
        m4 = _mm_max_ps(m4, _mm_movehl_ps(m4, m4));
        m4 = _mm_max_ss(m4, _mm_movehdup_ps(m4));
        const float amax = _mm_cvtss_f32(m4);
        const float d = amax / 127;
        const float id = d ? 1.0f / d : 0.0f;
        const uint16_t dh = wick_f32_to_f16(d);
        o[0] = (uint8_t)(dh & 0xFF);
        o[1] = (uint8_t)(dh >> 8);
        const __m256 vid = _mm256_set1_ps(id);
        __m256i q[4];
        for (int k = 0; k < 4; k++) {
            const __m256 t = _mm256_mul_ps(v[k], vid);
            const __m256 r = _mm256_add_ps(t, _mm256_or_ps(_mm256_and_ps(t, sign), half));
            q[k] = _mm256_cvttps_epi32(r); /* truncates toward zero */
        }
        const __m256i p = _mm256_packs_epi16(_mm256_packs_epi32(q[0], q[1]), _mm256_packs_epi32(q[2], q[3]));
        _mm256_storeu_si256((__m256i *)(o + 2), _mm256_permutevar8x32_epi32(p, perm));
    }
}

/* Q8_K activations, bit for bit ggml's quantize_row_q8_K_ref: the
 * signed value of the first element of largest magnitude sets iscale =
 * -127 / max; q = nearbyint(iscale * x) (ties to even, as round_ps with
 * the default mode), at most 127; d = 1 / iscale; int16 sums of each 16. */
KT static void quantize_q8_k_avx2(const float *x, uint8_t *o, int64_t nb) {
    const __m256 sign = _mm256_set1_ps(-0.0f);
    const __m256i perm = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7), c127 = _mm256_set1_epi32(127);
    for (int64_t b = 0; b < nb; b++, x += KQK_K, o += KB_Q8_K) {
        __m256 mx = _mm256_setzero_ps();
        for (int k = 0; k < KQK_K / 8; k++) mx = _mm256_max_ps(_mm256_andnot_ps(sign, _mm256_loadu_ps(x + 8 * k)), mx);
        __m128 m4 = _mm_max_ps(_mm256_castps256_ps128(mx), _mm256_extractf128_ps(mx, 1));
        m4 = _mm_max_ps(m4, _mm_movehl_ps(m4, m4));
        m4 = _mm_max_ss(m4, _mm_movehdup_ps(m4));
        const float amax = _mm_cvtss_f32(m4);
        if (amax == 0) {
            memset(o, 0, KB_Q8_K);
            continue;
        }
        float max = 0;
        for (int j = 0; j < KQK_K; j++)
            if (fabsf(x[j]) == amax) {
                max = x[j];
                break;
            }
        const float iscale = -127.f / max, d = 1 / iscale;
        memcpy(o, &d, 4);
        const __m256 vis = _mm256_set1_ps(iscale);
        for (int c = 0; c < KQK_K / 32; c++) {
            __m256i q[4];
            for (int k = 0; k < 4; k++) {
                const __m256 t = _mm256_mul_ps(_mm256_loadu_ps(x + 32 * c + 8 * k), vis);
                q[k] = _mm256_min_epi32(_mm256_cvtps_epi32(_mm256_round_ps(t, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC)), c127);
            }
            const __m256i p = _mm256_packs_epi16(_mm256_packs_epi32(q[0], q[1]), _mm256_packs_epi32(q[2], q[3]));
            _mm256_storeu_si256((__m256i *)(o + Q8K_QS + 32 * c), _mm256_permutevar8x32_epi32(p, perm));
            for (int h = 0; h < 2; h++) {
                const __m256i s8 = _mm256_add_epi32(q[2 * h], q[2 * h + 1]);
                __m128i s = _mm_add_epi32(_mm256_castsi256_si128(s8), _mm256_extracti128_si256(s8, 1));
                s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0x4E));
                s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0xB1));
                const int16_t bs = (int16_t)_mm_cvtsi128_si32(s);
                memcpy(o + Q8K_BSUMS + 2 * (2 * c + h), &bs, 2);
            }
        }
    }
}

KT static size_t quantize_act_avx2(uint32_t wtype, const float *x, void *out, int64_t n) {
    const uint32_t at = kern_act_type(wtype);
    if (at != GGML_TYPE_Q8_0 && at != GGML_TYPE_Q8_K) return kern_quantize_act_ref(wtype, x, out, n);
    const size_t bytes = kern_act_row_bytes(wtype, n);
    if (bytes && at == GGML_TYPE_Q8_0) quantize_q8_0_avx2(x, out, n / KQK);
    if (bytes && at == GGML_TYPE_Q8_K) quantize_q8_k_avx2(x, out, n / KQK_K);
    return bytes;
}

/* ------------------------------------------- 32-value blocks x Q8_0 */

/* Each type: a weight-block unpacker giving signed or unsigned bytes and,
 * for the types with a min, m; then the shared accumulation below.
 * `sgn` = weight bytes are signed (need the sign trick). */
typedef struct wblk {
    __m256i q;
    float d, m;
} wblk;

KT static inline wblk unpack_q4_0(const uint8_t *b) {
    /* q - 8 as int8 */
    wblk r = {_mm256_sub_epi8(nibbles32(b + 2), _mm256_set1_epi8(8)), half_at(b), 0};
    return r;
}
KT static inline wblk unpack_q4_1(const uint8_t *b) {
    wblk r = {nibbles32(b + 4), half_at(b), half_at(b + 2)};
    return r;
}
KT static inline wblk unpack_q5_0(const uint8_t *b) {
    /* q - 16 = nibble where the fifth bit is set, else nibble - 16, i.e.
     * the nibble with 0xF0 OR'd in */
    const __m256i hi = _mm256_andnot_si256(bits32(b + 2), _mm256_set1_epi8((char)0xF0));
    wblk r = {_mm256_or_si256(nibbles32(b + 6), hi), half_at(b), 0};
    return r;
}
KT static inline wblk unpack_q5_1(const uint8_t *b) {
    const __m256i hi = _mm256_and_si256(bits32(b + 4), _mm256_set1_epi8(0x10));
    wblk r = {_mm256_or_si256(nibbles32(b + 8), hi), half_at(b), half_at(b + 2)};
    return r;
}
KT static inline wblk unpack_q8_0(const uint8_t *b) {
    wblk r = {load32(b + 2), half_at(b), 0};
    return r;
}

/* One block's contribution for one token: acc += d*dx * sum(q*x) (+ m*dx
 * * sum(x) for the types with a min, into the same accumulator: the two
 * terms nearly cancel, and summing them per block keeps the accumulator
 * small instead of two large sums cancelling at the end). */
#define STEP(SIGNED, HAS_MIN, wb, bx, acc)                                                  \
    do {                                                                                    \
        const __m256i xq_ = load32((bx) + 2);                                               \
        const float dx_ = half_at(bx);                                                      \
        const __m256i p_ = SIGNED ? dot_s8s8((wb).q, xq_) : dot_u8s8((wb).q, xq_);          \
        acc = _mm256_fmadd_ps(_mm256_set1_ps((wb).d * dx_), _mm256_cvtepi32_ps(p_), acc);   \
        if (HAS_MIN)                                                                        \
            acc = _mm256_fmadd_ps(_mm256_set1_ps((wb).m * dx_), _mm256_cvtepi32_ps(sum_s8(xq_)), acc); \
    } while (0)

/* One row of the 4-row kernel: lane L of `sc` holds d * dx, lane L + 1
 * m * dx. */
#define ROW4S(SIGNED, HAS_MIN, UNPACK, wp, xq, sc, L, xs, acc)                              \
    do {                                                                                    \
        const wblk wb_ = UNPACK(wp);                                                        \
        const __m256i p_ = SIGNED ? dot_s8s8(wb_.q, xq) : dot_u8s8(wb_.q, xq);              \
        acc = _mm256_fmadd_ps(_mm256_permutevar8x32_ps(sc, _mm256_set1_epi32(L)),           \
                              _mm256_cvtepi32_ps(p_), acc);                                 \
        if (HAS_MIN)                                                                        \
            acc = _mm256_fmadd_ps(_mm256_permutevar8x32_ps(sc, _mm256_set1_epi32((L) + 1)), xs, acc); \
    } while (0)

#define DEF_DOT32(NAME, UNPACK, BYTES, SIGNED, HAS_MIN)                                     \
    KT static void NAME(int64_t n, float *out, const void *w, const void *x) {              \
        const uint8_t *bw = w, *bx = x;                                                     \
        __m256 acc = _mm256_setzero_ps();                                                   \
        for (int64_t b = 0; b < n / KQK; b++, bw += BYTES, bx += KB_Q8_0) {                 \
            const wblk wb = UNPACK(bw);                                                     \
            STEP(SIGNED, HAS_MIN, wb, bx, acc);                                             \
        }                                                                                   \
        *out = hsum(acc);                                                                   \
    }                                                                                       \
    KT static void NAME##_4x(int64_t n, float *out, size_t ldo, const void *w, const void *x, \
                             size_t xs) {                                                   \
        const uint8_t *bw = w, *bx = x;                                                     \
        __m256 acc[4];                                                                      \
        for (int k = 0; k < 4; k++) acc[k] = _mm256_setzero_ps();                           \
        for (int64_t b = 0; b < n / KQK; b++, bw += BYTES, bx += KB_Q8_0) {                 \
            const wblk wb = UNPACK(bw);                                                     \
            for (int k = 0; k < 4; k++) STEP(SIGNED, HAS_MIN, wb, bx + k * xs, acc[k]);     \
        }                                                                                   \
        for (int k = 0; k < 4; k++) out[k * ldo] = hsum(acc[k]);                            \
    }

/* The 4-row decode kernel: the activation block is loaded once for 4
 * weight rows, and the 4 rows' fp16 scales (d, and m for the types with
 * a min: the first 4 bytes of every 32-value block) are gathered into one
 * vector and converted and multiplied by the activation scale together,
 * instead of 8 scalar conversions; each row then broadcasts its lane. The
 * products are the same floats (d * dx, m * dx) as in the one-row kernel,
 * so the results are the same bits. Q8_0 has none: on the 49k-row output
 * matrix one sequential row stream measured faster than 4, even with
 * prefetching. */
#define DEF_DOT32_4R(NAME, UNPACK, BYTES, SIGNED, HAS_MIN)                                  \
    KT static void NAME##_4r(int64_t n, float *out, const void *w, size_t rb, const void *x) { \
        const uint8_t *bw = w, *bx = x;                                                     \
        __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;                         \
        for (int64_t b = 0; b < n / KQK; b++, bw += BYTES, bx += KB_Q8_0) {                 \
            const __m256i xq = load32(bx + 2);                                              \
            const __m256 dx = _mm256_set1_ps(half_at(bx));                                  \
            /* the same block of the next 4 rows: measured 1.4-1.9x on \
             * matrices streamed from memory, where 4 interleaved row \
             * streams otherwise defeat the hardware prefetcher */      \
            _mm_prefetch((const char *)bw + 4 * rb, _MM_HINT_T0);                           \
            _mm_prefetch((const char *)bw + 5 * rb, _MM_HINT_T0);                           \
            _mm_prefetch((const char *)bw + 6 * rb, _MM_HINT_T0);                           \
            _mm_prefetch((const char *)bw + 7 * rb, _MM_HINT_T0);                           \
            __m128i s4 = _mm_cvtsi32_si128((int)kern_u32(bw));                              \
            s4 = _mm_insert_epi32(s4, (int)kern_u32(bw + rb), 1);                           \
            s4 = _mm_insert_epi32(s4, (int)kern_u32(bw + 2 * rb), 2);                       \
            s4 = _mm_insert_epi32(s4, (int)kern_u32(bw + 3 * rb), 3);                       \
            const __m256 sc = _mm256_mul_ps(_mm256_cvtph_ps(s4), dx); /* d0 m0 d1 m1 .. */  \
            const __m256 xs = HAS_MIN ? _mm256_cvtepi32_ps(sum_s8(xq)) : _mm256_setzero_ps(); \
            ROW4S(SIGNED, HAS_MIN, UNPACK, bw, xq, sc, 0, xs, a0);                      \
            ROW4S(SIGNED, HAS_MIN, UNPACK, bw + rb, xq, sc, 2, xs, a1);                 \
            ROW4S(SIGNED, HAS_MIN, UNPACK, bw + 2 * rb, xq, sc, 4, xs, a2);             \
            ROW4S(SIGNED, HAS_MIN, UNPACK, bw + 3 * rb, xq, sc, 6, xs, a3);             \
        }                                                                                   \
        out[0] = hsum(a0);                                                                   \
        out[1] = hsum(a1);                                                                   \
        out[2] = hsum(a2);                                                                   \
        out[3] = hsum(a3);                                                                   \
    }

DEF_DOT32(dot_q4_0, unpack_q4_0, KB_Q4_0, 1, 0)
DEF_DOT32(dot_q4_1, unpack_q4_1, KB_Q4_1, 0, 1)
DEF_DOT32(dot_q5_0, unpack_q5_0, KB_Q5_0, 1, 0)
DEF_DOT32(dot_q5_1, unpack_q5_1, KB_Q5_1, 0, 1)
DEF_DOT32(dot_q8_0, unpack_q8_0, KB_Q8_0, 1, 0)
DEF_DOT32_4R(dot_q4_0, unpack_q4_0, KB_Q4_0, 1, 0)
DEF_DOT32_4R(dot_q4_1, unpack_q4_1, KB_Q4_1, 0, 1)
DEF_DOT32_4R(dot_q5_0, unpack_q5_0, KB_Q5_0, 1, 0)
DEF_DOT32_4R(dot_q5_1, unpack_q5_1, KB_Q5_1, 0, 1)

/* ---------------------------------- prefill tile: 8 rows x 4 tokens */

/* For prefill the rows go into the lanes: 8 weight rows are transposed,
 * 4 bytes at a time, so one vector holds values 4g..4g+3 of all 8 rows;
 * maddubs against the token's 4 activation bytes broadcast gives, after
 * summing the 8 groups, the exact integer dot product of every row with
 * that token in one int32 lane per row. Scales then cost one multiply
 * and one fma per token for 8 rows (the dot-per-vector kernels pay a
 * conversion, broadcast and horizontal sum per row and token). Each
 * (row, token, block) adds (d * dx) * exact_int (+ (m * dx) * sum_x for
 * Q4_1) in block order: not the bits of vec_dot (whose 8 lanes
 * reassociate the sum), but within the same tolerance of the reference.
 *
 * Q4_0 weights stay unsigned (q = 0..15) and the offset comes out as
 * 8 * sum(x): maddubs needs an unsigned operand. int16 sums of 8 groups:
 * |q x| pairs <= 2 * 15 * 127 = 3810, times 8 = 30480 < 32767. */
typedef struct tile_act { /* KERN_TILE_ACT_BYTES */
    float dx[4];     /* per token */
    int32_t sx[4];   /* sum of the block's 32 activation bytes */
    float dxsx[4];   /* dx * sx */
} tile_act;

/* The same terms for the 64-token GEMM: act[block * KERN_GEMM_TOKENS + t]. */
typedef struct gemm_act {
    float dx;
    int32_t sx;
    float dxsx;
    float pad_;
} gemm_act;

/* The 4 packed-nibble vectors of 8 rows' blocks: P[g] holds dword g of
 * every row's 16 qs bytes (rows 0-3 in the low lane, 4-7 in the high). */
KT static inline void load_q4_8rows(const uint8_t *qs, size_t rb, __m256i P[4]) {
    __m256i a = _mm256_inserti128_si256(_mm256_castsi128_si256(_mm_loadu_si128((const __m128i *)qs)),
                                        _mm_loadu_si128((const __m128i *)(qs + 4 * rb)), 1);
    __m256i b = _mm256_inserti128_si256(_mm256_castsi128_si256(_mm_loadu_si128((const __m128i *)(qs + rb))),
                                        _mm_loadu_si128((const __m128i *)(qs + 5 * rb)), 1);
    __m256i c = _mm256_inserti128_si256(_mm256_castsi128_si256(_mm_loadu_si128((const __m128i *)(qs + 2 * rb))),
                                        _mm_loadu_si128((const __m128i *)(qs + 6 * rb)), 1);
    __m256i d = _mm256_inserti128_si256(_mm256_castsi128_si256(_mm_loadu_si128((const __m128i *)(qs + 3 * rb))),
                                        _mm_loadu_si128((const __m128i *)(qs + 7 * rb)), 1);
    const __m256i ab0 = _mm256_unpacklo_epi32(a, b), ab1 = _mm256_unpackhi_epi32(a, b);
    const __m256i cd0 = _mm256_unpacklo_epi32(c, d), cd1 = _mm256_unpackhi_epi32(c, d);
    P[0] = _mm256_unpacklo_epi64(ab0, cd0);
    P[1] = _mm256_unpackhi_epi64(ab0, cd0);
    P[2] = _mm256_unpacklo_epi64(ab1, cd1);
    P[3] = _mm256_unpackhi_epi64(ab1, cd1);
}

static inline uint16_t u16le(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }

/* The fp16 at b + r * rb for rows r = 0..7 -> 8 floats. */
KT static inline __m256 halves_8rows(const uint8_t *b, size_t rb) {
    const __m128i h = _mm_setr_epi16((short)u16le(b), (short)u16le(b + rb), (short)u16le(b + 2 * rb),
                                     (short)u16le(b + 3 * rb), (short)u16le(b + 4 * rb),
                                     (short)u16le(b + 5 * rb), (short)u16le(b + 6 * rb),
                                     (short)u16le(b + 7 * rb));
    return _mm256_cvtph_ps(h);
}

/* Fifth bits of 8 rows (qh words, lane = row), for the values 4g..4g+3:
 * byte k of each lane gets 0x10 where bit 4g + k is set. */
KT static inline __m256i fifth_bits_group(__m256i H, int g) {
    const __m256i x = _mm256_srl_epi32(H, _mm_cvtsi32_si128(4 * g));
    const __m256i spread = _mm256_shuffle_epi8(
        x, _mm256_setr_epi8(0, 0, 0, 0, 4, 4, 4, 4, 8, 8, 8, 8, 12, 12, 12, 12, 0, 0, 0, 0, 4, 4, 4, 4, 8, 8, 8, 8,
                            12, 12, 12, 12));
    const __m256i bit = _mm256_set1_epi32(0x08040201);
    return _mm256_and_si256(_mm256_cmpeq_epi8(_mm256_and_si256(spread, bit), bit), _mm256_set1_epi8(0x10));
}

/* The unsigned values of 8 rows' blocks, rows in lanes: V[g] = values
 * 4g..4g+3 (g < 4) and 16 + 4(g-4).. (g >= 4) of every row; with QH_OFF
 * >= 0 the fifth bits from qh. */
KT static inline void unpack8_q45(const uint8_t *bw, size_t rb, int qs_off, int qh_off, __m256i V[8]) {
    const __m256i m4 = _mm256_set1_epi8(0x0F);
    __m256i P[4];
    load_q4_8rows(bw + qs_off, rb, P);
    for (int g = 0; g < 4; g++) {
        V[g] = _mm256_and_si256(P[g], m4);
        V[g + 4] = _mm256_and_si256(_mm256_srli_epi16(P[g], 4), m4);
    }
    if (qh_off >= 0) {
        const uint8_t *h = bw + qh_off;
        const __m256i H = _mm256_setr_epi32((int)kern_u32(h), (int)kern_u32(h + rb), (int)kern_u32(h + 2 * rb),
                                            (int)kern_u32(h + 3 * rb), (int)kern_u32(h + 4 * rb),
                                            (int)kern_u32(h + 5 * rb), (int)kern_u32(h + 6 * rb),
                                            (int)kern_u32(h + 7 * rb));
        for (int g = 0; g < 8; g++) V[g] = _mm256_or_si256(V[g], fifth_bits_group(H, g));
    }
}

/* The exact integer dot of 8 rows (lanes) with one token's block, the
 * offset not yet removed. 5-bit values sum 4 groups in int16
 * (2 * 31 * 127 * 4 = 31496), 4-bit values all 8. */
KT static inline __m256i idot8_q45(const __m256i V[8], const uint8_t *xq, int five) {
    const __m256i ones = _mm256_set1_epi16(1);
    if (five) {
        __m256i s0 = _mm256_maddubs_epi16(V[0], _mm256_set1_epi32((int)kern_u32(xq)));
        __m256i s1 = _mm256_maddubs_epi16(V[4], _mm256_set1_epi32((int)kern_u32(xq + 16)));
        for (int g = 1; g < 4; g++) {
            s0 = _mm256_add_epi16(s0, _mm256_maddubs_epi16(V[g], _mm256_set1_epi32((int)kern_u32(xq + 4 * g))));
            s1 = _mm256_add_epi16(s1, _mm256_maddubs_epi16(V[g + 4], _mm256_set1_epi32((int)kern_u32(xq + 16 + 4 * g))));
        }
        return _mm256_add_epi32(_mm256_madd_epi16(s0, ones), _mm256_madd_epi16(s1, ones));
    }
    __m256i s16 = _mm256_maddubs_epi16(V[0], _mm256_set1_epi32((int)kern_u32(xq)));
    for (int g = 1; g < 8; g++)
        s16 = _mm256_add_epi16(s16, _mm256_maddubs_epi16(V[g], _mm256_set1_epi32((int)kern_u32(xq + 4 * g))));
    return _mm256_madd_epi16(s16, ones);
}

/* One block's contribution for one token, in the float steps both the
 * 4-token tile and the 64-token GEMM use (so they agree bit for bit). */
#define Q45_ACCUM(ACC, P, D8, M8, DX, SX, DXSX, KIND)                                       \
    do {                                                                                    \
        __m256i p_ = (P);                                                                   \
        if (!((KIND) & 1)) p_ = _mm256_sub_epi32(p_, _mm256_set1_epi32(((KIND) >= 2 ? 16 : 8) * (SX))); \
        (ACC) = _mm256_fmadd_ps(_mm256_mul_ps((D8), _mm256_set1_ps(DX)), _mm256_cvtepi32_ps(p_), (ACC)); \
        if ((KIND) & 1) (ACC) = _mm256_fmadd_ps((M8), _mm256_set1_ps(DXSX), (ACC));        \
    } while (0)

/* KIND: 0 Q4_0 (q - 8), 1 Q4_1 (d q + m), 2 Q5_0 (q - 16), 3 Q5_1 (d q + m). */
#define DEF_TILE_Q45(NAME, BYTES, QS_OFF, QH_OFF, KIND)                                     \
    KT static void NAME(int64_t n, float *out, size_t ldo, const void *w, size_t rb,        \
                        const void *x, size_t xstride, int nt, const void *actv) {          \
        const uint8_t *bw = w, *bx = x;                                                     \
        const tile_act *ta = actv;                                                          \
        __m256 acc[4] = {_mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(),     \
                         _mm256_setzero_ps()};                                              \
        for (int64_t b = 0; b < n / KQK; b++, bw += BYTES, bx += KB_Q8_0, ta++) {           \
            /* decode streams 8 rows at once: fetch the next 8 rows' block */                \
            for (int r = 8; r < 16; r++) _mm_prefetch((const char *)bw + r * rb, _MM_HINT_T0); \
            __m256i V[8];                                                                   \
            unpack8_q45(bw, rb, QS_OFF, QH_OFF, V);                                         \
            const __m256 d8 = halves_8rows(bw, rb);                                         \
            const __m256 m8 = ((KIND) & 1) ? halves_8rows(bw + 2, rb) : _mm256_setzero_ps(); \
            for (int t = 0; t < nt; t++) {                                                  \
                const __m256i p = idot8_q45(V, bx + (size_t)t * xstride + 2, (KIND) >= 2);  \
                Q45_ACCUM(acc[t], p, d8, m8, ta->dx[t], ta->sx[t], ta->dxsx[t], KIND);      \
            }                                                                               \
        }                                                                                   \
        for (int t = 0; t < nt; t++) _mm256_storeu_ps(out + (size_t)t * ldo, acc[t]);        \
    }                                                                                       \
    /* Prefill: each block of the 8 rows unpacked once for up to 64 tokens,       \
     * whose per-block terms gemm_prepare wrote (act[b][t]). */                     \
    KT static void NAME##_gemm(int64_t n, float *out, size_t ldo, const void *w, size_t rb,  \
                               const void *x, size_t xstride, int nt, const void *actv) {   \
        const uint8_t *bw = w, *bx = x;                                                     \
        const gemm_act *ga = actv;                                                          \
        _Alignas(32) float acc[KERN_GEMM_TOKENS][8];                                        \
        memset(acc, 0, sizeof acc);                                                         \
        for (int64_t b = 0; b < n / KQK; b++, bw += BYTES, bx += KB_Q8_0, ga += KERN_GEMM_TOKENS) { \
            __m256i V[8];                                                                   \
            unpack8_q45(bw, rb, QS_OFF, QH_OFF, V);                                         \
            const __m256 d8 = halves_8rows(bw, rb);                                         \
            const __m256 m8 = ((KIND) & 1) ? halves_8rows(bw + 2, rb) : _mm256_setzero_ps(); \
            for (int t = 0; t < nt; t++) {                                                  \
                const __m256i p = idot8_q45(V, bx + (size_t)t * xstride + 2, (KIND) >= 2);  \
                __m256 a = _mm256_load_ps(acc[t]);                                          \
                Q45_ACCUM(a, p, d8, m8, ga[t].dx, ga[t].sx, ga[t].dxsx, KIND);              \
                _mm256_store_ps(acc[t], a);                                                 \
            }                                                                               \
        }                                                                                   \
        for (int t = 0; t < nt; t++) _mm256_storeu_ps(out + (size_t)t * ldo, _mm256_load_ps(acc[t])); \
    }

DEF_TILE_Q45(tile_q4_0, KB_Q4_0, 2, -1, 0)
DEF_TILE_Q45(tile_q4_1, KB_Q4_1, 4, -1, 1)
DEF_TILE_Q45(tile_q5_0, KB_Q5_0, 6, 2, 2)
DEF_TILE_Q45(tile_q5_1, KB_Q5_1, 8, 4, 3)

/* Q8_0: signed weights, so the sign trick per group (|w| unsigned, x
 * takes w's sign) and a madd per group (|pair| <= 2 * 128 * 127 fits
 * int16 once, not summed). */
KT static void tile_q8_0(int64_t n, float *out, size_t ldo, const void *w, size_t rb, const void *x,
                         size_t xstride, int nt, const void *actv) {
    const uint8_t *bw = w, *bx = x;
    const tile_act *ta = actv;
    const __m256i ones = _mm256_set1_epi16(1);
    __m256 acc[4] = {_mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps()};
    for (int64_t b = 0; b < n / KQK; b++, bw += KB_Q8_0, bx += KB_Q8_0, ta++) {
        for (int r = 16; r < 24; r++) _mm_prefetch((const char *)bw + r * rb, _MM_HINT_T0);
        __m256i R[8], V[8], A[8];
        for (int r = 0; r < 8; r++) R[r] = load32(bw + (size_t)r * rb + 2);
        const __m256i t0 = _mm256_unpacklo_epi32(R[0], R[1]), t1 = _mm256_unpackhi_epi32(R[0], R[1]);
        const __m256i t2 = _mm256_unpacklo_epi32(R[2], R[3]), t3 = _mm256_unpackhi_epi32(R[2], R[3]);
        const __m256i t4 = _mm256_unpacklo_epi32(R[4], R[5]), t5 = _mm256_unpackhi_epi32(R[4], R[5]);
        const __m256i t6 = _mm256_unpacklo_epi32(R[6], R[7]), t7 = _mm256_unpackhi_epi32(R[6], R[7]);
        const __m256i u0 = _mm256_unpacklo_epi64(t0, t2), u1 = _mm256_unpackhi_epi64(t0, t2);
        const __m256i u2 = _mm256_unpacklo_epi64(t1, t3), u3 = _mm256_unpackhi_epi64(t1, t3);
        const __m256i u4 = _mm256_unpacklo_epi64(t4, t6), u5 = _mm256_unpackhi_epi64(t4, t6);
        const __m256i u6 = _mm256_unpacklo_epi64(t5, t7), u7 = _mm256_unpackhi_epi64(t5, t7);
        V[0] = _mm256_permute2x128_si256(u0, u4, 0x20);
        V[4] = _mm256_permute2x128_si256(u0, u4, 0x31);
        V[1] = _mm256_permute2x128_si256(u1, u5, 0x20);
        V[5] = _mm256_permute2x128_si256(u1, u5, 0x31);
        V[2] = _mm256_permute2x128_si256(u2, u6, 0x20);
        V[6] = _mm256_permute2x128_si256(u2, u6, 0x31);
        V[3] = _mm256_permute2x128_si256(u3, u7, 0x20);
        V[7] = _mm256_permute2x128_si256(u3, u7, 0x31);
        for (int g = 0; g < 8; g++) A[g] = _mm256_sign_epi8(V[g], V[g]);
        const __m256 d8 = halves_8rows(bw, rb);
        for (int t = 0; t < nt; t++) {
            const uint8_t *xq = bx + (size_t)t * xstride + 2;
            __m256i p = _mm256_setzero_si256();
            for (int g = 0; g < 8; g++) {
                const __m256i xb = _mm256_sign_epi8(_mm256_set1_epi32((int)kern_u32(xq + 4 * g)), V[g]);
                p = _mm256_add_epi32(p, _mm256_madd_epi16(_mm256_maddubs_epi16(A[g], xb), ones));
            }
            acc[t] = _mm256_fmadd_ps(_mm256_mul_ps(d8, _mm256_set1_ps(ta->dx[t])), _mm256_cvtepi32_ps(p), acc[t]);
        }
    }
    for (int t = 0; t < nt; t++) _mm256_storeu_ps(out + (size_t)t * ldo, acc[t]);
}

_Static_assert(sizeof(tile_act) == KERN_TILE_ACT_BYTES, "tile_act layout");
_Static_assert(sizeof(gemm_act) == KERN_GEMM_ACT_BYTES, "gemm_act layout");

/* Per-block activation terms of up to 4 tokens for the tile kernels. */
KT static void tile_prepare_q8_0(int64_t n, const void *x, size_t xstride, int nt, void *actv) {
    tile_act *ta = actv;
    const __m256i one8 = _mm256_set1_epi8(1);
    for (int64_t b = 0; b < n / KQK; b++, ta++)
        for (int t = 0; t < nt; t++) {
            const uint8_t *bx = (const uint8_t *)x + (size_t)t * xstride + (size_t)b * KB_Q8_0;
            const __m256i s = _mm256_madd_epi16(_mm256_maddubs_epi16(one8, load32(bx + 2)), _mm256_set1_epi16(1));
            __m128i h = _mm_add_epi32(_mm256_castsi256_si128(s), _mm256_extracti128_si256(s, 1));
            h = _mm_add_epi32(h, _mm_shuffle_epi32(h, 0x4E));
            h = _mm_add_epi32(h, _mm_shuffle_epi32(h, 0xB1));
            ta->sx[t] = _mm_cvtsi128_si32(h);
            ta->dx[t] = half_at(bx);
            ta->dxsx[t] = ta->dx[t] * (float)ta->sx[t];
        }
}

KT static void gemm_prepare_q8_0(int64_t n, const void *x, size_t xstride, int nt, void *actv) {
    gemm_act *ga = actv;
    const __m256i one8 = _mm256_set1_epi8(1);
    for (int64_t b = 0; b < n / KQK; b++, ga += KERN_GEMM_TOKENS)
        for (int t = 0; t < nt; t++) {
            const uint8_t *bx = (const uint8_t *)x + (size_t)t * xstride + (size_t)b * KB_Q8_0;
            const __m256i s = _mm256_madd_epi16(_mm256_maddubs_epi16(one8, load32(bx + 2)), _mm256_set1_epi16(1));
            __m128i h = _mm_add_epi32(_mm256_castsi256_si128(s), _mm256_extracti128_si256(s, 1));
            h = _mm_add_epi32(h, _mm_shuffle_epi32(h, 0x4E));
            h = _mm_add_epi32(h, _mm_shuffle_epi32(h, 0xB1));
            ga[t].sx = _mm_cvtsi128_si32(h);
            ga[t].dx = half_at(bx);
            ga[t].dxsx = ga[t].dx * (float)ga[t].sx;
        }
}

/* ------------------------------------------------ k-quants x Q8_K */

/* A k-quant super-block unpacked once (for 1 or 4 tokens): 8 vectors of
 * 32 unsigned values with their int16 scale vectors, and the int16
 * weights of the correction term: Q4_K/Q5_K the 8 sub-block mins, each
 * twice (Q8_K keeps one activation sum per 16 values, two per sub-block),
 * Q6_K its 16 scales. The correction is a madd against the 16 bsums
 * (one load), accumulated as a vector: no scalar loop per token. */
typedef struct kblk {
    __m256i q[8], sc[8];
    __m256i corr_w; /* 16 int16 */
    float d, dmin;
} kblk;

/* Q4_K / Q5_K: 4 groups of 64 values, each 32 bytes of qs (low nibbles =
 * values 64g..64g+31 with scale sc[2g], high = the next 32 with sc[2g+1]);
 * Q5_K's fifth bits: bit 2g of qh[l] for value 64g + l, 2g+1 for +32. */
KT static inline void unpack_k45(const uint8_t *bw, const uint8_t *qh, const uint8_t *qs, kblk *k) {
    /* The 12 bytes of 6-bit scales and mins (see kern_k4_scale_min) as
     * three words: all 8 scales and 8 mins with a few masks and shifts. */
    const uint32_t a = kern_u32(bw + 4), b = kern_u32(bw + 8), c = kern_u32(bw + 12);
    const uint32_t sc_lo = a & 0x3f3f3f3fu, sc_hi = (c & 0x0f0f0f0fu) | ((a >> 6) & 0x03030303u) << 4;
    const uint32_t mn_lo = b & 0x3f3f3f3fu, mn_hi = ((c >> 4) & 0x0f0f0f0fu) | ((b >> 6) & 0x03030303u) << 4;
    const __m128i sc16 = _mm_cvtepu8_epi16(_mm_setr_epi32((int)sc_lo, (int)sc_hi, 0, 0));
    const __m128i mn16 = _mm_cvtepu8_epi16(_mm_setr_epi32((int)mn_lo, (int)mn_hi, 0, 0));
    const __m256i sc2 = _mm256_broadcastsi128_si256(sc16);
    /* int16 pairs (m_j, m_j): madd gives m_j * (bsum_2j + bsum_2j+1) */
    k->corr_w = _mm256_set_m128i(_mm_unpackhi_epi16(mn16, mn16), _mm_unpacklo_epi16(mn16, mn16));
    __m256i h = qh ? load32(qh) : _mm256_setzero_si256();
    const __m256i m4 = _mm256_set1_epi8(0x0F), b1 = _mm256_set1_epi8(0x01);
    for (int g = 0; g < 4; g++) {
        /* broadcast int16 lane j of the scales: bytes 2j, 2j+1 everywhere */
        k->sc[2 * g] = _mm256_shuffle_epi8(sc2, _mm256_set1_epi16((short)(0x0100 + 0x0202 * (2 * g))));
        k->sc[2 * g + 1] = _mm256_shuffle_epi8(sc2, _mm256_set1_epi16((short)(0x0100 + 0x0202 * (2 * g + 1))));
        const __m256i q = load32(qs + 32 * g);
        __m256i lo = _mm256_and_si256(q, m4), hi = _mm256_and_si256(_mm256_srli_epi16(q, 4), m4);
        if (qh) {
            lo = _mm256_or_si256(lo, _mm256_slli_epi16(_mm256_and_si256(h, b1), 4));
            hi = _mm256_or_si256(hi, _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(h, 1), b1), 4));
            h = _mm256_srli_epi16(h, 2);
        }
        k->q[2 * g] = lo;
        k->q[2 * g + 1] = hi;
    }
    k->d = half_at(bw);
    k->dmin = half_at(bw + 2);
}
KT static inline void unpack_q4_k(const uint8_t *bw, kblk *k) { unpack_k45(bw, NULL, bw + 16, k); }
KT static inline void unpack_q5_k(const uint8_t *bw, kblk *k) { unpack_k45(bw, bw + 16, bw + 48, k); }

/* The lane sums of two int32 vectors at once (exact). */
KT static inline void hsum2_i32(__m256i a, __m256i b, int32_t *sa, int32_t *sb) {
    const __m256i h = _mm256_hadd_epi32(a, b); /* a01 a23 b01 b23 | a45 a67 b45 b67 */
    __m128i q = _mm_add_epi32(_mm256_castsi256_si128(h), _mm256_extracti128_si256(h, 1));
    q = _mm_hadd_epi32(q, q); /* a b a b */
    *sa = _mm_cvtsi128_si32(q);
    *sb = _mm_extract_epi32(q, 1);
}

/* A super-block's contribution from its exact integer sums, in the float
 * steps every k-quant kernel uses (vec_dot, 4x and the 8-row GEMM), so
 * their results agree bit for bit: acc += (d dx) isum; acc -= (m dx) imin. */
KT static inline float kfinish(float acc, float d, float dmin, float dx, int32_t isum, int32_t imin) {
    const float a = d * dx, b = dmin * dx;
    acc = fmaf(a, (float)isum, acc);
    return fmaf(-b, (float)imin, acc);
}

/* One token: isum = sum_j sc_j * (q.x)_j; imin = sum_j m_j * sum(x over
 * sub-block j), from Q8_K's bsums. */
KT static inline void step_k45(const kblk *k, const uint8_t *bx, float *acc) {
    const uint8_t *qx = bx + Q8K_QS;
    __m256i sumi = _mm256_setzero_si256();
    for (int j = 0; j < 8; j++)
        sumi = _mm256_add_epi32(sumi, _mm256_madd_epi16(_mm256_maddubs_epi16(k->q[j], load32(qx + 32 * j)), k->sc[j]));
    const __m256i pm = _mm256_madd_epi16(load32(bx + Q8K_BSUMS), k->corr_w);
    int32_t is, im;
    hsum2_i32(sumi, pm, &is, &im);
    *acc = kfinish(*acc, k->d, k->dmin, kern_f32(bx), is, im);
}

/* Q6_K: sum((q - 32) * x) = sum(q * x) - 32 * sum(x), with q in 0..63
 * unsigned for maddubs and sum(x) per 16 from bsums. Value 128h + 32k + l
 * takes nibble k>>1 of ql[64h + 32(k&1) + l] and bits 2k, 2k+1 of
 * qh[32h + l]; scale sc[8h + 2k + (l >= 16)] (one per 128-bit lane). */
KT static inline void unpack_q6_k(const uint8_t *bw, kblk *k) {
    const __m256i m4 = _mm256_set1_epi8(0x0F), m2 = _mm256_set1_epi8(0x03);
    const int8_t *sc = (const int8_t *)(bw + Q6K_SC);
    for (int h = 0; h < 2; h++) {
        const __m256i A = load32(bw + 64 * h), B = load32(bw + 64 * h + 32);
        const __m256i H = load32(bw + Q6K_QH + 32 * h);
        const __m256i lo[4] = {_mm256_and_si256(A, m4), _mm256_and_si256(B, m4),
                               _mm256_and_si256(_mm256_srli_epi16(A, 4), m4),
                               _mm256_and_si256(_mm256_srli_epi16(B, 4), m4)};
        for (int j = 0; j < 4; j++) {
            const __m256i hb = _mm256_and_si256(_mm256_srli_epi16(H, 2 * j), m2);
            k->q[4 * h + j] = _mm256_or_si256(lo[j], _mm256_slli_epi16(hb, 4));
            const int s = 8 * h + 2 * j;
            k->sc[4 * h + j] = _mm256_set_m128i(_mm_set1_epi16(sc[s + 1]), _mm_set1_epi16(sc[s]));
        }
    }
    /* the 16 scales, sign-extended to int16, times 32 */
    k->corr_w = _mm256_slli_epi16(_mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)sc)), 5);
    k->d = half_at(bw + Q6K_D);
    k->dmin = 0;
}

/* isum = sum_s sc_s (q.x)_s, imin = 32 sum_s sc_s bsum_s (the -32 offset). */
KT static inline void step_q6_k(const kblk *k, const uint8_t *bx, float *acc) {
    const uint8_t *qx = bx + Q8K_QS;
    __m256i sumi = _mm256_setzero_si256();
    for (int j = 0; j < 8; j++)
        sumi = _mm256_add_epi32(sumi, _mm256_madd_epi16(_mm256_maddubs_epi16(k->q[j], load32(qx + 32 * j)), k->sc[j]));
    const __m256i pm = _mm256_madd_epi16(load32(bx + Q8K_BSUMS), k->corr_w);
    int32_t is, im;
    hsum2_i32(sumi, pm, &is, &im);
    *acc = kfinish(*acc, k->d, k->d, kern_f32(bx), is, im);
}

#define DEF_DOTK(NAME, UNPACK, STEPK, BYTES)                                                \
    KT static void NAME(int64_t n, float *out, const void *w, const void *x) {              \
        const uint8_t *bw = w, *bx = x;                                                     \
        float acc = 0;                                                                      \
        kblk kb;                                                                            \
        for (int64_t b = 0; b < n / KQK_K; b++, bw += BYTES, bx += KB_Q8_K) {               \
            UNPACK(bw, &kb);                                                                \
            STEPK(&kb, bx, &acc);                                                           \
        }                                                                                   \
        *out = acc;                                                                         \
    }                                                                                       \
    KT static void NAME##_4x(int64_t n, float *out, size_t ldo, const void *w, const void *x, \
                             size_t xs) {                                                   \
        const uint8_t *bw = w, *bx = x;                                                     \
        float acc[4] = {0, 0, 0, 0};                                                        \
        kblk kb;                                                                            \
        for (int64_t b = 0; b < n / KQK_K; b++, bw += BYTES, bx += KB_Q8_K) {               \
            UNPACK(bw, &kb);                                                                \
            for (int k = 0; k < 4; k++) STEPK(&kb, bx + k * xs, &acc[k]);                   \
        }                                                                                   \
        for (int k = 0; k < 4; k++) out[k * ldo] = acc[k];                                  \
    }

/* Decode, 4 rows: the next call's 4 rows are prefetched (4 interleaved
 * row streams defeat the hardware prefetcher), and each super-block's 8
 * integer sums of the 4 rows are reduced together; the float steps per
 * row are kfinish's, in lanes, so the result is vec_dot's bit for bit. */
KT static inline __m128i hsum4_i32(__m256i a, __m256i b, __m256i c, __m256i d) {
    const __m256i h = _mm256_hadd_epi32(_mm256_hadd_epi32(a, b), _mm256_hadd_epi32(c, d));
    return _mm_add_epi32(_mm256_castsi256_si128(h), _mm256_extracti128_si256(h, 1));
}

#define DEF_DOTK_4R(NAME, UNPACK, BYTES, QS_CORR_DMIN)                                       \
    KT static void NAME(int64_t n, float *out, const void *w, size_t rb, const void *x) {   \
        const uint8_t *bw = w, *bx = x;                                                     \
        __m128 acc = _mm_setzero_ps();                                                      \
        kblk kb;                                                                            \
        for (int64_t b = 0; b < n / KQK_K; b++, bw += BYTES, bx += KB_Q8_K) {               \
            for (int r = 4; r < 8; r++)                                                     \
                for (int l = 0; l < BYTES; l += 64) _mm_prefetch((const char *)bw + r * rb + l, _MM_HINT_T0); \
            const uint8_t *qx = bx + Q8K_QS;                                                \
            __m256i si[4], pm[4];                                                           \
            float d[4], dm[4];                                                              \
            for (int r = 0; r < 4; r++) {                                                   \
                UNPACK(bw + (size_t)r * rb, &kb);                                           \
                __m256i sumi = _mm256_setzero_si256();                                      \
                for (int j = 0; j < 8; j++)                                                 \
                    sumi = _mm256_add_epi32(sumi, _mm256_madd_epi16(_mm256_maddubs_epi16(kb.q[j], load32(qx + 32 * j)), kb.sc[j])); \
                si[r] = sumi;                                                               \
                pm[r] = _mm256_madd_epi16(load32(bx + Q8K_BSUMS), kb.corr_w);               \
                d[r] = kb.d;                                                                \
                dm[r] = QS_CORR_DMIN ? kb.d : kb.dmin;                                      \
            }                                                                               \
            const __m128i is = hsum4_i32(si[0], si[1], si[2], si[3]);                       \
            const __m128i im = hsum4_i32(pm[0], pm[1], pm[2], pm[3]);                       \
            const __m128 dx = _mm_set1_ps(kern_f32(bx));                                    \
            const __m128 a = _mm_mul_ps(_mm_loadu_ps(d), dx), bb = _mm_mul_ps(_mm_loadu_ps(dm), dx); \
            acc = _mm_fmadd_ps(a, _mm_cvtepi32_ps(is), acc);                                \
            acc = _mm_fnmadd_ps(bb, _mm_cvtepi32_ps(im), acc);                              \
        }                                                                                   \
        _mm_storeu_ps(out, acc);                                                            \
    }

DEF_DOTK_4R(dot_q4_k_4r, unpack_q4_k, KB_Q4_K, 0)
DEF_DOTK_4R(dot_q5_k_4r, unpack_q5_k, KB_Q5_K, 0)
DEF_DOTK_4R(dot_q6_k_4r, unpack_q6_k, KB_Q6_K, 1)

DEF_DOTK(dot_q4_k, unpack_q4_k, step_k45, KB_Q4_K)
DEF_DOTK(dot_q5_k, unpack_q5_k, step_k45, KB_Q5_K)
DEF_DOTK(dot_q6_k, unpack_q6_k, step_q6_k, KB_Q6_K)

/* ------------------------------------ k-quant GEMM: 8 rows x <= 64 tokens */

/* A super-block of 8 rows unpacked with rows in lanes (as the legacy
 * tiles): q[j][g] holds values 4g..4g+3 of sub-block j of every row
 * (unsigned), sc[j] / mn[j] that sub-block's scale / min of each row as
 * an int16 pair per row lane (madd against two int16 sums). 2.6 KiB: it
 * sits in L1 while up to 64 tokens run over it. */
typedef struct k8blk {
    __m256i q[8][8];
    __m256i sc[8], mn[8];
    __m256 d, dmin;
} k8blk;

/* dword g of 8 rows' 32-byte vectors R[r] -> V[g] (lane r = row r). */
KT static inline void transpose8x8_32(const __m256i R[8], __m256i V[8]) {
    const __m256i t0 = _mm256_unpacklo_epi32(R[0], R[1]), t1 = _mm256_unpackhi_epi32(R[0], R[1]);
    const __m256i t2 = _mm256_unpacklo_epi32(R[2], R[3]), t3 = _mm256_unpackhi_epi32(R[2], R[3]);
    const __m256i t4 = _mm256_unpacklo_epi32(R[4], R[5]), t5 = _mm256_unpackhi_epi32(R[4], R[5]);
    const __m256i t6 = _mm256_unpacklo_epi32(R[6], R[7]), t7 = _mm256_unpackhi_epi32(R[6], R[7]);
    const __m256i u0 = _mm256_unpacklo_epi64(t0, t2), u1 = _mm256_unpackhi_epi64(t0, t2);
    const __m256i u2 = _mm256_unpacklo_epi64(t1, t3), u3 = _mm256_unpackhi_epi64(t1, t3);
    const __m256i u4 = _mm256_unpacklo_epi64(t4, t6), u5 = _mm256_unpackhi_epi64(t4, t6);
    const __m256i u6 = _mm256_unpacklo_epi64(t5, t7), u7 = _mm256_unpackhi_epi64(t5, t7);
    V[0] = _mm256_permute2x128_si256(u0, u4, 0x20);
    V[4] = _mm256_permute2x128_si256(u0, u4, 0x31);
    V[1] = _mm256_permute2x128_si256(u1, u5, 0x20);
    V[5] = _mm256_permute2x128_si256(u1, u5, 0x31);
    V[2] = _mm256_permute2x128_si256(u2, u6, 0x20);
    V[6] = _mm256_permute2x128_si256(u2, u6, 0x31);
    V[3] = _mm256_permute2x128_si256(u3, u7, 0x20);
    V[7] = _mm256_permute2x128_si256(u3, u7, 0x31);
}

/* qh != NULL: Q5_K (fifth bits: bit 2p of qh[l] for value 64p + l of the
 * pair p's low sub-block, bit 2p+1 for its high one). */
KT static void unpack8_k45(const uint8_t *bw, size_t rb, int qh_off, int qs_off, k8blk *k) {
    uint8_t sc[8][8], mn[8][8]; /* [row][sub-block] */
    for (int r = 0; r < 8; r++) {
        const uint8_t *p = bw + (size_t)r * rb;
        const uint32_t a = kern_u32(p + 4), b = kern_u32(p + 8), c = kern_u32(p + 12);
        const uint32_t w[4] = {a & 0x3f3f3f3fu, (c & 0x0f0f0f0fu) | ((a >> 6) & 0x03030303u) << 4,
                               b & 0x3f3f3f3fu, ((c >> 4) & 0x0f0f0f0fu) | ((b >> 6) & 0x03030303u) << 4};
        memcpy(sc[r], w, 8);
        memcpy(mn[r], w + 2, 8);
    }
    for (int j = 0; j < 8; j++) {
        const __m128i s16 = _mm_setr_epi16(sc[0][j], sc[1][j], sc[2][j], sc[3][j], sc[4][j], sc[5][j], sc[6][j], sc[7][j]);
        const __m128i m16 = _mm_setr_epi16(mn[0][j], mn[1][j], mn[2][j], mn[3][j], mn[4][j], mn[5][j], mn[6][j], mn[7][j]);
        k->sc[j] = _mm256_set_m128i(_mm_unpackhi_epi16(s16, s16), _mm_unpacklo_epi16(s16, s16));
        k->mn[j] = _mm256_set_m128i(_mm_unpackhi_epi16(m16, m16), _mm_unpacklo_epi16(m16, m16));
    }
    const __m256i m4 = _mm256_set1_epi8(0x0F);
    __m256i H[8];
    if (qh_off >= 0) {
        __m256i R[8];
        for (int r = 0; r < 8; r++) R[r] = load32(bw + (size_t)r * rb + qh_off);
        transpose8x8_32(R, H); /* H[g]: qh bytes 4g..4g+3 of each row */
    }
    for (int p = 0; p < 4; p++) {
        __m256i R[8], V[8];
        for (int r = 0; r < 8; r++) R[r] = load32(bw + (size_t)r * rb + qs_off + 32 * p);
        transpose8x8_32(R, V);
        for (int g = 0; g < 8; g++) {
            __m256i lo = _mm256_and_si256(V[g], m4), hi = _mm256_and_si256(_mm256_srli_epi16(V[g], 4), m4);
            if (qh_off >= 0) {
                const __m256i b1 = _mm256_set1_epi8(1);
                const __m256i h = _mm256_srl_epi16(H[g], _mm_cvtsi32_si128(2 * p));
                lo = _mm256_or_si256(lo, _mm256_slli_epi16(_mm256_and_si256(h, b1), 4));
                hi = _mm256_or_si256(hi, _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(h, 1), b1), 4));
            }
            k->q[2 * p][g] = lo;
            k->q[2 * p + 1][g] = hi;
        }
    }
    k->d = halves_8rows(bw, rb);
    k->dmin = halves_8rows(bw + 2, rb);
}

/* int16 sums of 8 groups: |pair| <= 2 * 31 * 127 (5-bit values) = 7874,
 * times 8 would overflow for Q5_K, so Q5_K sums 4 groups per madd. */
#define DEF_GEMM8_K45(NAME, BYTES, QH_OFF, QS_OFF)                                           \
    KT static void NAME(int64_t n, float *out, size_t ldo, const void *w, size_t rb, const void *x, \
                        size_t xs, int nt, const void *act_unused) {                         \
        (void)act_unused;                                                                    \
        _Alignas(32) float acc[KERN_GEMM_TOKENS][8];                                         \
        memset(acc, 0, sizeof acc);                                                          \
        k8blk k;                                                                             \
        const int gs = (QH_OFF) >= 0 ? 4 : 8;                                                \
        for (int64_t b = 0; b < n / KQK_K; b++) {                                            \
            unpack8_k45((const uint8_t *)w + (size_t)b * BYTES, rb, QH_OFF, QS_OFF, &k);     \
            for (int t = 0; t < nt; t++) {                                                   \
                const uint8_t *bx = (const uint8_t *)x + (size_t)t * xs + (size_t)b * KB_Q8_K; \
                const uint8_t *qx = bx + Q8K_QS;                                             \
                __m256i isum = _mm256_setzero_si256(), imin = _mm256_setzero_si256();        \
                for (int j = 0; j < 8; j++) {                                                \
                    for (int g0 = 0; g0 < 8; g0 += gs) {                                     \
                        __m256i s16 = _mm256_maddubs_epi16(k.q[j][g0], _mm256_set1_epi32((int)kern_u32(qx + 32 * j + 4 * g0))); \
                        for (int g = g0 + 1; g < g0 + gs; g++)                               \
                            s16 = _mm256_add_epi16(s16, _mm256_maddubs_epi16(k.q[j][g], _mm256_set1_epi32((int)kern_u32(qx + 32 * j + 4 * g)))); \
                        isum = _mm256_add_epi32(isum, _mm256_madd_epi16(s16, k.sc[j]));     \
                    }                                                                        \
                    imin = _mm256_add_epi32(imin, _mm256_madd_epi16(k.mn[j], _mm256_set1_epi32((int)kern_u32(bx + Q8K_BSUMS + 4 * j)))); \
                }                                                                            \
                const __m256 dx = _mm256_set1_ps(kern_f32(bx));                              \
                __m256 a = _mm256_load_ps(acc[t]);                                           \
                a = _mm256_fmadd_ps(_mm256_mul_ps(k.d, dx), _mm256_cvtepi32_ps(isum), a);    \
                a = _mm256_fnmadd_ps(_mm256_mul_ps(k.dmin, dx), _mm256_cvtepi32_ps(imin), a); \
                _mm256_store_ps(acc[t], a);                                                  \
            }                                                                                \
        }                                                                                    \
        for (int t = 0; t < nt; t++) _mm256_storeu_ps(out + (size_t)t * ldo, _mm256_load_ps(acc[t])); \
    }

/* Q6_K, 8 rows: q[v][g] = values 32v + 4g.. (unsigned 0..63) of every
 * row, scale 2v + (g >= 4); sc[s]: scale s as an int16 pair per row lane;
 * scp[p]: scales 2p, 2p+1 as the pair, against bsums 2p, 2p+1. */
typedef struct k8blk6 {
    __m256i q[8][8];
    __m256i sc[16], scp[8];
    __m256 d;
} k8blk6;

KT static void unpack8_q6_k(const uint8_t *bw, size_t rb, k8blk6 *k) {
    for (int s = 0; s < 16; s += 8) {
        /* 8 scales of 8 rows: int8 -> int16 lanes = rows, then pairs */
        int16_t v[8][8]; /* [scale][row] */
        for (int r = 0; r < 8; r++)
            for (int i = 0; i < 8; i++) v[i][r] = (int8_t)bw[(size_t)r * rb + Q6K_SC + s + i];
        for (int i = 0; i < 8; i++) {
            const __m128i x = _mm_loadu_si128((const __m128i *)v[i]);
            k->sc[s + i] = _mm256_set_m128i(_mm_unpackhi_epi16(x, x), _mm_unpacklo_epi16(x, x));
        }
        for (int i = 0; i < 8; i += 2) {
            const __m128i a = _mm_loadu_si128((const __m128i *)v[i]), b = _mm_loadu_si128((const __m128i *)v[i + 1]);
            k->scp[(s + i) / 2] = _mm256_set_m128i(_mm_unpackhi_epi16(a, b), _mm_unpacklo_epi16(a, b));
        }
    }
    const __m256i m4 = _mm256_set1_epi8(0x0F), m2 = _mm256_set1_epi8(0x03);
    for (int h = 0; h < 2; h++) {
        __m256i R[8], A[8], B[8], H[8];
        for (int r = 0; r < 8; r++) R[r] = load32(bw + (size_t)r * rb + 64 * h);
        transpose8x8_32(R, A);
        for (int r = 0; r < 8; r++) R[r] = load32(bw + (size_t)r * rb + 64 * h + 32);
        transpose8x8_32(R, B);
        for (int r = 0; r < 8; r++) R[r] = load32(bw + (size_t)r * rb + Q6K_QH + 32 * h);
        transpose8x8_32(R, H);
        for (int g = 0; g < 8; g++) {
            const __m256i lo[4] = {_mm256_and_si256(A[g], m4), _mm256_and_si256(B[g], m4),
                                   _mm256_and_si256(_mm256_srli_epi16(A[g], 4), m4),
                                   _mm256_and_si256(_mm256_srli_epi16(B[g], 4), m4)};
            for (int j = 0; j < 4; j++) {
                const __m256i hb = _mm256_and_si256(_mm256_srli_epi16(H[g], 2 * j), m2);
                k->q[4 * h + j][g] = _mm256_or_si256(lo[j], _mm256_slli_epi16(hb, 4));
            }
        }
    }
    k->d = halves_8rows(bw + Q6K_D, rb);
}

/* int16 sums of 2 groups: |pair| <= 2 * 63 * 127 = 16002, two 32004. */
KT static void gemm8_q6_k(int64_t n, float *out, size_t ldo, const void *w, size_t rb, const void *x, size_t xs,
                          int nt, const void *act_unused) {
    (void)act_unused;
    _Alignas(32) float acc[KERN_GEMM_TOKENS][8];
    memset(acc, 0, sizeof acc);
    k8blk6 k;
    for (int64_t b = 0; b < n / KQK_K; b++) {
        unpack8_q6_k((const uint8_t *)w + (size_t)b * KB_Q6_K, rb, &k);
        for (int t = 0; t < nt; t++) {
            const uint8_t *bx = (const uint8_t *)x + (size_t)t * xs + (size_t)b * KB_Q8_K;
            const uint8_t *qx = bx + Q8K_QS;
            __m256i isum = _mm256_setzero_si256(), imin = _mm256_setzero_si256();
            for (int v = 0; v < 8; v++)
                for (int gp = 0; gp < 4; gp++) {
                    const uint8_t *xg = qx + 32 * v + 8 * gp;
                    const __m256i s16 = _mm256_add_epi16(
                        _mm256_maddubs_epi16(k.q[v][2 * gp], _mm256_set1_epi32((int)kern_u32(xg))),
                        _mm256_maddubs_epi16(k.q[v][2 * gp + 1], _mm256_set1_epi32((int)kern_u32(xg + 4))));
                    isum = _mm256_add_epi32(isum, _mm256_madd_epi16(s16, k.sc[2 * v + (gp >= 2)]));
                }
            for (int p = 0; p < 8; p++)
                imin = _mm256_add_epi32(imin, _mm256_madd_epi16(k.scp[p], _mm256_set1_epi32((int)kern_u32(bx + Q8K_BSUMS + 4 * p))));
            imin = _mm256_slli_epi32(imin, 5);
            const __m256 ddx = _mm256_mul_ps(k.d, _mm256_set1_ps(kern_f32(bx)));
            __m256 a = _mm256_load_ps(acc[t]);
            a = _mm256_fmadd_ps(ddx, _mm256_cvtepi32_ps(isum), a);
            a = _mm256_fnmadd_ps(ddx, _mm256_cvtepi32_ps(imin), a);
            _mm256_store_ps(acc[t], a);
        }
    }
    for (int t = 0; t < nt; t++) _mm256_storeu_ps(out + (size_t)t * ldo, _mm256_load_ps(acc[t]));
}

DEF_GEMM8_K45(gemm8_q4_k, KB_Q4_K, -1, 16)
DEF_GEMM8_K45(gemm8_q5_k, KB_Q5_K, 16, 48)

const kern_ops kern_ops_avx2 = {
    .isa = KERN_ISA_AVX2,
    .name = "avx2",
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
            [GGML_TYPE_Q4_K] = dot_q4_k_4r,
            [GGML_TYPE_Q5_K] = dot_q5_k_4r,
            [GGML_TYPE_Q6_K] = dot_q6_k_4r,
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
    .gemm_8 =
        {
            [GGML_TYPE_Q4_K] = gemm8_q4_k,
            [GGML_TYPE_Q5_K] = gemm8_q5_k,
            [GGML_TYPE_Q6_K] = gemm8_q6_k,
            [GGML_TYPE_Q4_0] = tile_q4_0_gemm,
            [GGML_TYPE_Q4_1] = tile_q4_1_gemm,
            [GGML_TYPE_Q5_0] = tile_q5_0_gemm,
            [GGML_TYPE_Q5_1] = tile_q5_1_gemm,
        },
    .gemm_prepare =
        {
            [GGML_TYPE_Q4_0] = gemm_prepare_q8_0,
            [GGML_TYPE_Q4_1] = gemm_prepare_q8_0,
            [GGML_TYPE_Q5_0] = gemm_prepare_q8_0,
            [GGML_TYPE_Q5_1] = gemm_prepare_q8_0,
        },
    .tile_decode = 1,
    .quantize_act = quantize_act_avx2,
    .dot_f32_f16 = dot_f32_f16,
    .axpy_f16 = axpy_f16,
};

#else
typedef int kern_avx2_unused; /* ISO C wants a declaration in every file */
#endif
