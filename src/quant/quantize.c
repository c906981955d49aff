/* Reference quantizers and dequantizers for ggml block formats (see
 * quant.h). Written for clarity, not speed: tools and tests use them.
 *
 * Block layouts (little-endian; "half" = IEEE f16):
 *   Q4_0  32 values: half d, u8 qs[16]            x = d * (q - 8)
 *   Q4_1  32 values: half d, half m, u8 qs[16]    x = d * q + m
 *   Q5_0  32 values: half d, u8 qh[4], u8 qs[16]  x = d * (q - 16)
 *   Q5_1  32 values: half d, half m, u8 qh[4], u8 qs[16]   x = d * q + m
 *   Q8_0  32 values: half d, i8 qs[32]            x = d * q
 *   For the 32-value types, qs[j] holds value j in its low nibble and value
 *   j + 16 in its high nibble; bit j of the u32 qh is value j's fifth bit.
 *   Q4_K 256 values: half d, half dmin, u8 scales[12], u8 qs[128]
 *   Q5_K 256 values: half d, half dmin, u8 scales[12], u8 qh[32], u8 qs[128]
 *        8 sub-blocks of 32, each with a 6-bit scale and 6-bit min packed in
 *        scales[12]: x = d * sc * q - dmin * m. qs: each group of 64 values
 *        uses 32 bytes, low nibbles for the first 32, high for the next.
 *        Q5_K's fifth bits: qh[l] bit 2*g (value 64g + l) and 2*g + 1
 *        (value 64g + 32 + l).
 *   Q6_K 256 values: u8 ql[128], u8 qh[64], i8 scales[16], half d
 *        16 sub-blocks of 16: x = d * scales[s] * (q - 32), q 6 bits: low
 *        4 in ql, high 2 in qh (see q6k_* below).
 *
 * Float evaluation order matters for bit-exactness with ggml, so products
 * are written as ggml evaluates them and FP contraction (fused
 * multiply-add) is off. */
#include "quant/quant.h"

#include "gguf/ggml_types.h"
#include "quant/fp16.h"

#include <float.h>
#include <math.h>
#include <string.h>

/* GCC does not know this pragma, but in ISO C mode (-std=c11) it never
 * contracts anyway. */
#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#endif

#define QK 32   /* values per block, legacy types */
#define QK_K 256 /* values per super-block, k-quants */

static void put_half(uint8_t *p, float f) {
    uint16_t h = wick_f32_to_f16(f);
    p[0] = (uint8_t)h;
    p[1] = (uint8_t)(h >> 8);
}

static float get_half(const uint8_t *p) { return wick_f16_to_f32((uint16_t)(p[0] | p[1] << 8)); }

static int imin(int a, int b) { return a < b ? a : b; }
static int imax(int a, int b) { return a > b ? a : b; }

/* Round to nearest, ties to even, for |f| < 2^22: adding 1.5 * 2^23 puts
 * the integer in the low mantissa bits (as ggml's nearest_int). */
static int nearest_int(float f) {
    float v = f + 12582912.f;
    uint32_t i;
    memcpy(&i, &v, 4);
    return (int)(i & 0x007FFFFF) - 0x00400000;
}

/* ------------------------------------------------ 32-value block types */

/* The value with the largest magnitude (the first, on ties). */
static float signed_absmax(const float *x, int n) {
    float amax = 0, max = 0;
    for (int j = 0; j < n; j++) {
        if (amax < fabsf(x[j])) {
            amax = fabsf(x[j]);
            max = x[j];
        }
    }
    return max;
}

static void min_max(const float *x, int n, float *mn, float *mx) {
    float lo = FLT_MAX, hi = -FLT_MAX;
    for (int j = 0; j < n; j++) {
        if (x[j] < lo) lo = x[j];
        if (x[j] > hi) hi = x[j];
    }
    *mn = lo;
    *mx = hi;
}

static void quantize_q4_0(const float *x, uint8_t *b) {
    const float d = signed_absmax(x, QK) / -8;
    const float id = d ? 1.0f / d : 0.0f;
    put_half(b, d);
    for (int j = 0; j < QK / 2; j++) {
        int q0 = imin(15, (int)(int8_t)(x[j] * id + 8.5f));
        int q1 = imin(15, (int)(int8_t)(x[j + QK / 2] * id + 8.5f));
        b[2 + j] = (uint8_t)(q0 | q1 << 4);
    }
}

static void dequantize_q4_0(const uint8_t *b, float *y) {
    const float d = get_half(b);
    for (int j = 0; j < QK / 2; j++) {
        y[j] = (float)((b[2 + j] & 0xF) - 8) * d;
        y[j + QK / 2] = (float)((b[2 + j] >> 4) - 8) * d;
    }
}

static void quantize_q4_1(const float *x, uint8_t *b) {
    float mn, mx;
    min_max(x, QK, &mn, &mx);
    const float d = (mx - mn) / 15;
    const float id = d ? 1.0f / d : 0.0f;
    put_half(b, d);
    put_half(b + 2, mn);
    for (int j = 0; j < QK / 2; j++) {
        int q0 = imin(15, (int)(int8_t)((x[j] - mn) * id + 0.5f));
        int q1 = imin(15, (int)(int8_t)((x[j + QK / 2] - mn) * id + 0.5f));
        b[4 + j] = (uint8_t)(q0 | q1 << 4);
    }
}

static void dequantize_q4_1(const uint8_t *b, float *y) {
    const float d = get_half(b), m = get_half(b + 2);
    for (int j = 0; j < QK / 2; j++) {
        y[j] = (float)(b[4 + j] & 0xF) * d + m;
        y[j + QK / 2] = (float)(b[4 + j] >> 4) * d + m;
    }
}

/* Packs 32 5-bit values: low nibbles into qs (j | j+16 << 4), fifth bits
 * into the little-endian u32 qh. */
static void pack5(const int *q, uint8_t *qh, uint8_t *qs) {
    uint32_t h = 0;
    for (int j = 0; j < QK / 2; j++) {
        qs[j] = (uint8_t)((q[j] & 0xF) | (q[j + QK / 2] & 0xF) << 4);
        h |= (uint32_t)((q[j] >> 4) & 1) << j;
        h |= (uint32_t)((q[j + QK / 2] >> 4) & 1) << (j + QK / 2);
    }
    for (int k = 0; k < 4; k++) qh[k] = (uint8_t)(h >> (8 * k));
}

static void unpack5(const uint8_t *qh, const uint8_t *qs, int *q) {
    uint32_t h = qh[0] | qh[1] << 8 | (uint32_t)qh[2] << 16 | (uint32_t)qh[3] << 24;
    for (int j = 0; j < QK / 2; j++) {
        q[j] = (qs[j] & 0xF) | (int)((h >> j) & 1) << 4;
        q[j + QK / 2] = (qs[j] >> 4) | (int)((h >> (j + QK / 2)) & 1) << 4;
    }
}

static void quantize_q5_0(const float *x, uint8_t *b) {
    const float d = signed_absmax(x, QK) / -16;
    const float id = d ? 1.0f / d : 0.0f;
    put_half(b, d);
    int q[QK];
    for (int j = 0; j < QK; j++) q[j] = imin(31, (int)(int8_t)(x[j] * id + 16.5f));
    pack5(q, b + 2, b + 6);
}

static void dequantize_q5_0(const uint8_t *b, float *y) {
    const float d = get_half(b);
    int q[QK];
    unpack5(b + 2, b + 6, q);
    for (int j = 0; j < QK; j++) y[j] = (float)(q[j] - 16) * d;
}

static void quantize_q5_1(const float *x, uint8_t *b) {
    float mn, mx;
    min_max(x, QK, &mn, &mx);
    const float d = (mx - mn) / 31;
    const float id = d ? 1.0f / d : 0.0f;
    put_half(b, d);
    put_half(b + 2, mn);
    int q[QK];
    for (int j = 0; j < QK; j++) q[j] = imin(31, (int)(uint8_t)((x[j] - mn) * id + 0.5f));
    pack5(q, b + 4, b + 8);
}

static void dequantize_q5_1(const uint8_t *b, float *y) {
    const float d = get_half(b), m = get_half(b + 2);
    int q[QK];
    unpack5(b + 4, b + 8, q);
    for (int j = 0; j < QK; j++) y[j] = (float)q[j] * d + m;
}

static void quantize_q8_0(const float *x, uint8_t *b) {
    float amax = 0;
    for (int j = 0; j < QK; j++) amax = fmaxf(amax, fabsf(x[j]));
    const float d = amax / 127;
    const float id = d ? 1.0f / d : 0.0f;
    put_half(b, d);
    for (int j = 0; j < QK; j++) b[2 + j] = (uint8_t)(int8_t)roundf(x[j] * id);
}

static void dequantize_q8_0(const uint8_t *b, float *y) {
    const float d = get_half(b);
    for (int j = 0; j < QK; j++) y[j] = (float)(int8_t)b[2 + j] * d;
}

/* -------------------------------------------------------- k-quants */

/* Scale and min (both >= 0) for 2^bits - 1 = nmax levels over n weighted
 * values, minimizing the weighted squared error: start from the min/max
 * range, then try nstep + 1 slightly different scales, refitting scale and
 * min by least squares for each (ggml's make_qkx2_quants). L receives the
 * levels; returns the scale, *neg_min the negated minimum. */
static float fit_scale_min(int n, int nmax, const float *x, const float *w, uint8_t *L,
                           float *neg_min, float rmin, float rdelta, int nstep) {
    float mn = x[0], mx = x[0];
    float sum_w = w[0], sum_x = sum_w * x[0];
    for (int i = 1; i < n; i++) {
        if (x[i] < mn) mn = x[i];
        if (x[i] > mx) mx = x[i];
        sum_w += w[i];
        sum_x += w[i] * x[i];
    }
    if (mn > 0) mn = 0;
    if (mx == mn) {
        memset(L, 0, (size_t)n);
        *neg_min = -mn;
        return 0.f;
    }
    float iscale = nmax / (mx - mn);
    float scale = 1 / iscale;
    float best_err = 0;
    for (int i = 0; i < n; i++) {
        L[i] = (uint8_t)imax(0, imin(nmax, nearest_int(iscale * (x[i] - mn))));
        float diff = scale * L[i] + mn - x[i];
        best_err += w[i] * (diff * diff);
    }
    uint8_t Laux[32];
    for (int is = 0; is <= nstep; is++) {
        iscale = (rmin + rdelta * is + nmax) / (mx - mn);
        float sum_l = 0, sum_l2 = 0, sum_xl = 0;
        for (int i = 0; i < n; i++) {
            int l = imax(0, imin(nmax, nearest_int(iscale * (x[i] - mn))));
            Laux[i] = (uint8_t)l;
            sum_l += w[i] * l;
            sum_l2 += w[i] * l * l;
            sum_xl += w[i] * l * x[i];
        }
        float D = sum_w * sum_l2 - sum_l * sum_l;
        if (D > 0) {
            float this_scale = (sum_w * sum_xl - sum_x * sum_l) / D;
            float this_min = (sum_l2 * sum_x - sum_l * sum_xl) / D;
            if (this_min > 0) {
                this_min = 0;
                this_scale = sum_xl / sum_l2;
            }
            float err = 0;
            for (int i = 0; i < n; i++) {
                float diff = this_scale * Laux[i] + this_min - x[i];
                err += w[i] * (diff * diff);
            }
            if (err < best_err) {
                memcpy(L, Laux, (size_t)n);
                best_err = err;
                scale = this_scale;
                mn = this_min;
            }
        }
    }
    *neg_min = -mn;
    return scale;
}

/* 6-bit scale/min j (0..7) from the 12-byte packing: sub-blocks 0-3 keep
 * them in the low 6 bits of bytes j and j+4; 4-7 split them into a nibble
 * of byte j+4 and the top two bits of bytes j-4 and j. */
static void k4_get_scale_min(int j, const uint8_t *s, int *sc, int *m) {
    if (j < 4) {
        *sc = s[j] & 63;
        *m = s[j + 4] & 63;
    } else {
        *sc = (s[j + 4] & 0xF) | (s[j - 4] >> 6) << 4;
        *m = (s[j + 4] >> 4) | (s[j] >> 6) << 4;
    }
}

static void k4_set_scale_min(int j, uint8_t *s, int sc, int m) {
    if (j < 4) {
        s[j] = (uint8_t)sc;
        s[j + 4] = (uint8_t)m;
    } else {
        s[j + 4] = (uint8_t)((sc & 0xF) | (m & 0xF) << 4);
        s[j - 4] |= (uint8_t)((sc >> 4) << 6);
        s[j] |= (uint8_t)((m >> 4) << 6);
    }
}

/* Shared by Q4_K (nmax 15) and Q5_K (nmax 31): picks per-sub-block scales
 * and mins, quantizes them to 6 bits against the super-block's d/dmin
 * (written to hdr[0..4) and scales[12]), then requantizes every value
 * with the final scales into L[256]. */
static void quantize_k_scales(const float *x, int nmax, float rmin, float rdelta, int nstep,
                              uint8_t *hdr, uint8_t *L) {
    float scales[8], mins[8], w[32];
    float max_scale = 0, max_min = 0;
    for (int j = 0; j < 8; j++) {
        const float *xs = x + 32 * j;
        float sum_x2 = 0;
        for (int l = 0; l < 32; l++) sum_x2 += xs[l] * xs[l];
        float av_x = sqrtf(sum_x2 / 32);
        for (int l = 0; l < 32; l++) w[l] = av_x + fabsf(xs[l]);
        scales[j] = fit_scale_min(32, nmax, xs, w, L + 32 * j, &mins[j], rmin, rdelta, nstep);
        if (scales[j] > max_scale) max_scale = scales[j];
        if (mins[j] > max_min) max_min = mins[j];
    }
    uint8_t *packed = hdr + 4;
    memset(packed, 0, 12);
    float inv_scale = max_scale > 0 ? 63.f / max_scale : 0.f;
    float inv_min = max_min > 0 ? 63.f / max_min : 0.f;
    for (int j = 0; j < 8; j++) {
        int ls = imin(63, (uint8_t)nearest_int(inv_scale * scales[j]));
        int lm = imin(63, (uint8_t)nearest_int(inv_min * mins[j]));
        k4_set_scale_min(j, packed, ls, lm);
    }
    put_half(hdr, max_scale / 63.f);
    put_half(hdr + 2, max_min / 63.f);
    const float d_all = get_half(hdr), dmin_all = get_half(hdr + 2);
    for (int j = 0; j < 8; j++) {
        int sc, m;
        k4_get_scale_min(j, packed, &sc, &m);
        const float d = d_all * sc;
        if (!d) continue;
        const float dm = dmin_all * m;
        for (int l = 0; l < 32; l++)
            L[32 * j + l] = (uint8_t)imax(0, imin(nmax, nearest_int((x[32 * j + l] + dm) / d)));
    }
}

static void quantize_q4_k(const float *x, uint8_t *b) {
    uint8_t L[QK_K];
    quantize_k_scales(x, 15, -1.f, 0.1f, 20, b, L);
    uint8_t *qs = b + 16;
    for (int g = 0; g < QK_K / 64; g++)
        for (int l = 0; l < 32; l++) qs[32 * g + l] = (uint8_t)(L[64 * g + l] | L[64 * g + 32 + l] << 4);
}

static void dequantize_q4_k(const uint8_t *b, float *y) {
    const float d = get_half(b), dmin = get_half(b + 2);
    const uint8_t *s = b + 4, *qs = b + 16;
    for (int g = 0; g < QK_K / 64; g++) {
        int sc, m;
        k4_get_scale_min(2 * g, s, &sc, &m);
        const float d1 = d * sc, m1 = dmin * m;
        k4_get_scale_min(2 * g + 1, s, &sc, &m);
        const float d2 = d * sc, m2 = dmin * m;
        for (int l = 0; l < 32; l++) y[64 * g + l] = d1 * (qs[32 * g + l] & 0xF) - m1;
        for (int l = 0; l < 32; l++) y[64 * g + 32 + l] = d2 * (qs[32 * g + l] >> 4) - m2;
    }
}

static void quantize_q5_k(const float *x, uint8_t *b) {
    uint8_t L[QK_K];
    quantize_k_scales(x, 31, -0.5f, 0.1f, 15, b, L);
    uint8_t *qh = b + 16, *qs = b + 48;
    memset(qh, 0, 32);
    for (int g = 0; g < QK_K / 64; g++) {
        for (int l = 0; l < 32; l++) {
            int l1 = L[64 * g + l], l2 = L[64 * g + 32 + l];
            qh[l] |= (uint8_t)((l1 >> 4) << (2 * g) | (l2 >> 4) << (2 * g + 1));
            qs[32 * g + l] = (uint8_t)((l1 & 0xF) | (l2 & 0xF) << 4);
        }
    }
}

static void dequantize_q5_k(const uint8_t *b, float *y) {
    const float d = get_half(b), dmin = get_half(b + 2);
    const uint8_t *s = b + 4, *qh = b + 16, *qs = b + 48;
    for (int g = 0; g < QK_K / 64; g++) {
        int sc, m;
        k4_get_scale_min(2 * g, s, &sc, &m);
        const float d1 = d * sc, m1 = dmin * m;
        k4_get_scale_min(2 * g + 1, s, &sc, &m);
        const float d2 = d * sc, m2 = dmin * m;
        for (int l = 0; l < 32; l++) {
            int q1 = (qs[32 * g + l] & 0xF) | ((qh[l] >> (2 * g)) & 1) << 4;
            int q2 = (qs[32 * g + l] >> 4) | ((qh[l] >> (2 * g + 1)) & 1) << 4;
            y[64 * g + l] = d1 * q1 - m1;
            y[64 * g + 32 + l] = d2 * q2 - m2;
        }
    }
}

/* Symmetric scale for n values on levels -nmax..nmax-1, weighted by x^2:
 * start from the max magnitude, try 18 nearby scales, keep the best least-
 * squares fit (ggml's make_qx_quants with rmse_type 1). */
static float fit_scale_sym(int n, int nmax, const float *x, int8_t *L) {
    float max = 0, amax = 0;
    for (int i = 0; i < n; i++) {
        float ax = fabsf(x[i]);
        if (ax > amax) {
            amax = ax;
            max = x[i];
        }
    }
    if (amax < 1e-30f) {
        memset(L, 0, (size_t)n);
        return 0.f;
    }
    float iscale = -nmax / max;
    float sumlx = 0, suml2 = 0;
    for (int i = 0; i < n; i++) {
        int l = imax(-nmax, imin(nmax - 1, nearest_int(iscale * x[i])));
        L[i] = (int8_t)(l + nmax);
        float w = x[i] * x[i];
        sumlx += w * x[i] * l;
        suml2 += w * l * l;
    }
    float scale = sumlx / suml2;
    float best = scale * sumlx;
    for (int is = -9; is <= 9; is++) {
        if (is == 0) continue;
        iscale = -(nmax + 0.1f * is) / max;
        sumlx = suml2 = 0;
        for (int i = 0; i < n; i++) {
            int l = imax(-nmax, imin(nmax - 1, nearest_int(iscale * x[i])));
            float w = x[i] * x[i];
            sumlx += w * x[i] * l;
            suml2 += w * l * l;
        }
        if (suml2 > 0 && sumlx * sumlx > best * suml2) {
            for (int i = 0; i < n; i++)
                L[i] = (int8_t)(nmax + imax(-nmax, imin(nmax - 1, nearest_int(iscale * x[i]))));
            scale = sumlx / suml2;
            best = scale * sumlx;
        }
    }
    return scale;
}

/* Q6_K byte offsets */
#define Q6K_QL 0
#define Q6K_QH 128
#define Q6K_SC 192
#define Q6K_D 208

static void quantize_q6_k(const float *x, uint8_t *b) {
    int8_t L[QK_K];
    float scales[16];
    float max_scale = 0, max_abs_scale = 0;
    for (int s = 0; s < 16; s++) {
        scales[s] = fit_scale_sym(16, 32, x + 16 * s, L + 16 * s);
        if (fabsf(scales[s]) > max_abs_scale) {
            max_abs_scale = fabsf(scales[s]);
            max_scale = scales[s];
        }
    }
    memset(b, 0, 210);
    if (!max_abs_scale) return; /* all zero: d = 0 */
    const float iscale = -128.f / max_scale;
    put_half(b + Q6K_D, 1 / iscale);
    int8_t *sc = (int8_t *)(b + Q6K_SC);
    for (int s = 0; s < 16; s++) sc[s] = (int8_t)imin(127, nearest_int(iscale * scales[s]));
    const float d_all = get_half(b + Q6K_D);
    for (int s = 0; s < 16; s++) {
        const float d = d_all * sc[s];
        if (!d) continue;
        for (int l = 0; l < 16; l++)
            L[16 * s + l] = (int8_t)(imax(-32, imin(31, nearest_int(x[16 * s + l] / d))) + 32);
    }
    /* each half (128 values) uses 64 ql bytes and 32 qh bytes: value
     * 128h + 32k + l (k = 0..3) keeps its low nibble in ql[64h + l + 32(k&1)]
     * (high nibble when k >= 2) and its top two bits in qh[32h + l] at 2k. */
    uint8_t *ql = b + Q6K_QL, *qh = b + Q6K_QH;
    for (int h = 0; h < 2; h++) {
        for (int l = 0; l < 32; l++) {
            const int8_t *q = L + 128 * h + l;
            ql[64 * h + l] = (uint8_t)((q[0] & 0xF) | (q[64] & 0xF) << 4);
            ql[64 * h + 32 + l] = (uint8_t)((q[32] & 0xF) | (q[96] & 0xF) << 4);
            qh[32 * h + l] = (uint8_t)((q[0] >> 4) | (q[32] >> 4) << 2 | (q[64] >> 4) << 4 | (q[96] >> 4) << 6);
        }
    }
}

static void dequantize_q6_k(const uint8_t *b, float *y) {
    const float d = get_half(b + Q6K_D);
    const uint8_t *ql = b + Q6K_QL, *qh = b + Q6K_QH;
    const int8_t *sc = (const int8_t *)(b + Q6K_SC);
    for (int h = 0; h < 2; h++) {
        for (int l = 0; l < 32; l++) {
            const int s = 8 * h + l / 16;
            const uint8_t lo0 = ql[64 * h + l], lo1 = ql[64 * h + 32 + l], hi = qh[32 * h + l];
            const int q1 = ((lo0 & 0xF) | ((hi >> 0) & 3) << 4) - 32;
            const int q2 = ((lo1 & 0xF) | ((hi >> 2) & 3) << 4) - 32;
            const int q3 = ((lo0 >> 4) | ((hi >> 4) & 3) << 4) - 32;
            const int q4 = ((lo1 >> 4) | ((hi >> 6) & 3) << 4) - 32;
            float *o = y + 128 * h + l;
            o[0] = d * sc[s + 0] * q1;
            o[32] = d * sc[s + 2] * q2;
            o[64] = d * sc[s + 4] * q3;
            o[96] = d * sc[s + 6] * q4;
        }
    }
}

/* ------------------------------------------------------------ dispatch */

typedef struct quant_impl {
    uint32_t type;
    int block;      /* values per block */
    int bytes;      /* bytes per block */
    void (*quantize)(const float *x, uint8_t *b);
    void (*dequantize)(const uint8_t *b, float *y);
} quant_impl;

static const quant_impl IMPLS[] = {
    {GGML_TYPE_Q4_0, QK, 18, quantize_q4_0, dequantize_q4_0},
    {GGML_TYPE_Q4_1, QK, 20, quantize_q4_1, dequantize_q4_1},
    {GGML_TYPE_Q5_0, QK, 22, quantize_q5_0, dequantize_q5_0},
    {GGML_TYPE_Q5_1, QK, 24, quantize_q5_1, dequantize_q5_1},
    {GGML_TYPE_Q8_0, QK, 34, quantize_q8_0, dequantize_q8_0},
    {GGML_TYPE_Q4_K, QK_K, 144, quantize_q4_k, dequantize_q4_k},
    {GGML_TYPE_Q5_K, QK_K, 176, quantize_q5_k, dequantize_q5_k},
    {GGML_TYPE_Q6_K, QK_K, 210, quantize_q6_k, dequantize_q6_k},
};

static const quant_impl *find_impl(uint32_t type) {
    for (size_t i = 0; i < sizeof IMPLS / sizeof IMPLS[0]; i++)
        if (IMPLS[i].type == type) return &IMPLS[i];
    return NULL;
}

bool quant_type_supported(uint32_t type) {
    return type == GGML_TYPE_F32 || type == GGML_TYPE_F16 || type == GGML_TYPE_BF16 ||
           find_impl(type) != NULL;
}

bool quantize_row(uint32_t type, const float *x, void *blocks, int64_t n) {
    if (n < 0 || (n && (!x || !blocks))) return false;
    uint8_t *out = blocks;
    switch (type) {
    case GGML_TYPE_F32:
        if (n) memcpy(out, x, (size_t)n * 4);
        return true;
    case GGML_TYPE_F16:
    case GGML_TYPE_BF16:
        for (int64_t i = 0; i < n; i++) {
            uint16_t h = type == GGML_TYPE_F16 ? wick_f32_to_f16(x[i]) : wick_f32_to_bf16(x[i]);
            out[2 * i] = (uint8_t)h;
            out[2 * i + 1] = (uint8_t)(h >> 8);
        }
        return true;
    default: break;
    }
    const quant_impl *q = find_impl(type);
    if (!q || n % q->block) return false;
    for (int64_t i = 0; i < n / q->block; i++) q->quantize(x + i * q->block, out + i * q->bytes);
    return true;
}

bool dequantize_row(uint32_t type, const void *blocks, float *y, int64_t n) {
    if (n < 0 || (n && (!y || !blocks))) return false;
    const uint8_t *in = blocks;
    switch (type) {
    case GGML_TYPE_F32:
        if (n) memcpy(y, in, (size_t)n * 4);
        return true;
    case GGML_TYPE_F16:
    case GGML_TYPE_BF16:
        for (int64_t i = 0; i < n; i++) {
            uint16_t h = (uint16_t)(in[2 * i] | in[2 * i + 1] << 8);
            y[i] = type == GGML_TYPE_F16 ? wick_f16_to_f32(h) : wick_bf16_to_f32(h);
        }
        return true;
    default: break;
    }
    const quant_impl *q = find_impl(type);
    if (!q || n % q->block) return false;
    for (int64_t i = 0; i < n / q->block; i++) q->dequantize(in + i * q->bytes, y + i * q->block);
    return true;
}

uint32_t quant_fallback_type(uint32_t type, int64_t n_per_row) {
    const ggml_type_traits *t = ggml_type_get(type);
    if (!t || n_per_row % t->block_size == 0) return type;
    uint32_t alt;
    switch (type) {
    case GGML_TYPE_Q4_K: alt = GGML_TYPE_Q5_0; break;
    case GGML_TYPE_Q5_K: alt = GGML_TYPE_Q5_1; break;
    case GGML_TYPE_Q6_K: alt = GGML_TYPE_Q8_0; break;
    default: return GGML_TYPE_F16;
    }
    return n_per_row % ggml_type_get(alt)->block_size == 0 ? alt : GGML_TYPE_F16;
}
