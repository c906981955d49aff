/* Scalar reference dot products, one per weight type. Integer products
 * are summed exactly per block (or sub-block), then scaled in float, the
 * order llama.cpp's generic kernels use; the SIMD versions must agree with
 * these within float-reassociation error. `n` is a multiple of the
 * weight type's block size (the caller checks). */
#include "kernels/kernels_internal.h"

#include "gguf/ggml_types.h"

void kern_dot_f32_scalar(int64_t n, float *out, const void *w, const void *x) {
    const uint8_t *pw = w;
    const float *px = x; /* activations: our own aligned f32 buffer */
    float s = 0;
    for (int64_t i = 0; i < n; i++) s += kern_f32(pw + 4 * i) * px[i];
    *out = s;
}

void kern_dot_f16_scalar(int64_t n, float *out, const void *w, const void *x) {
    const uint8_t *pw = w;
    const float *px = x;
    float s = 0;
    for (int64_t i = 0; i < n; i++) s += kern_half(pw + 2 * i) * px[i];
    *out = s;
}

void kern_dot_bf16_scalar(int64_t n, float *out, const void *w, const void *x) {
    const uint8_t *pw = w;
    const float *px = x;
    float s = 0;
    for (int64_t i = 0; i < n; i++)
        s += wick_bf16_to_f32((uint16_t)(pw[2 * i] | pw[2 * i + 1] << 8)) * px[i];
    *out = s;
}

/* Sum of the 32 int8 activations of a Q8_0 block (for the types with a
 * min, whose m * sum(x) term needs it). */
static int q8_sum(const int8_t *q) {
    int s = 0;
    for (int j = 0; j < KQK; j++) s += q[j];
    return s;
}

void kern_dot_q4_0_scalar(int64_t n, float *out, const void *w, const void *x) {
    const uint8_t *bw = w, *bx = x;
    float s = 0;
    for (int64_t b = 0; b < n / KQK; b++, bw += KB_Q4_0, bx += KB_Q8_0) {
        const int8_t *qx = (const int8_t *)(bx + 2);
        int sumi = 0;
        for (int j = 0; j < KQK / 2; j++) {
            sumi += ((bw[2 + j] & 0xF) - 8) * qx[j];
            sumi += ((bw[2 + j] >> 4) - 8) * qx[j + KQK / 2];
        }
        s += (float)sumi * (kern_half(bw) * kern_half(bx));
    }
    *out = s;
}

void kern_dot_q4_1_scalar(int64_t n, float *out, const void *w, const void *x) {
    const uint8_t *bw = w, *bx = x;
    float s = 0;
    for (int64_t b = 0; b < n / KQK; b++, bw += KB_Q4_1, bx += KB_Q8_0) {
        const int8_t *qx = (const int8_t *)(bx + 2);
        int sumi = 0;
        for (int j = 0; j < KQK / 2; j++) {
            sumi += (bw[4 + j] & 0xF) * qx[j];
            sumi += (bw[4 + j] >> 4) * qx[j + KQK / 2];
        }
        const float dx = kern_half(bx);
        s += (float)sumi * (kern_half(bw) * dx) + kern_half(bw + 2) * dx * (float)q8_sum(qx);
    }
    *out = s;
}

/* Q5 blocks: 5-bit value j = low nibble | bit j of qh << 4. */
static int q5_dot(const uint8_t *qh4, const uint8_t *qs, const int8_t *qx, int offset) {
    const uint32_t h = kern_u32(qh4);
    int sumi = 0;
    for (int j = 0; j < KQK / 2; j++) {
        int q0 = (qs[j] & 0xF) | (int)((h >> j) & 1) << 4;
        int q1 = (qs[j] >> 4) | (int)((h >> (j + 16)) & 1) << 4;
        sumi += (q0 - offset) * qx[j] + (q1 - offset) * qx[j + KQK / 2];
    }
    return sumi;
}

void kern_dot_q5_0_scalar(int64_t n, float *out, const void *w, const void *x) {
    const uint8_t *bw = w, *bx = x;
    float s = 0;
    for (int64_t b = 0; b < n / KQK; b++, bw += KB_Q5_0, bx += KB_Q8_0) {
        int sumi = q5_dot(bw + 2, bw + 6, (const int8_t *)(bx + 2), 16);
        s += (float)sumi * (kern_half(bw) * kern_half(bx));
    }
    *out = s;
}

void kern_dot_q5_1_scalar(int64_t n, float *out, const void *w, const void *x) {
    const uint8_t *bw = w, *bx = x;
    float s = 0;
    for (int64_t b = 0; b < n / KQK; b++, bw += KB_Q5_1, bx += KB_Q8_0) {
        const int8_t *qx = (const int8_t *)(bx + 2);
        int sumi = q5_dot(bw + 4, bw + 8, qx, 0);
        const float dx = kern_half(bx);
        s += (float)sumi * (kern_half(bw) * dx) + kern_half(bw + 2) * dx * (float)q8_sum(qx);
    }
    *out = s;
}

void kern_dot_q8_0_scalar(int64_t n, float *out, const void *w, const void *x) {
    const uint8_t *bw = w, *bx = x;
    float s = 0;
    for (int64_t b = 0; b < n / KQK; b++, bw += KB_Q8_0, bx += KB_Q8_0) {
        const int8_t *qw = (const int8_t *)(bw + 2), *qx = (const int8_t *)(bx + 2);
        int sumi = 0;
        for (int j = 0; j < KQK; j++) sumi += qw[j] * qx[j];
        s += (float)sumi * (kern_half(bw) * kern_half(bx));
    }
    *out = s;
}

/* Q4_K and Q5_K share everything but the fifth bit: x = d*sc*q - dmin*m
 * per 32-value sub-block, so dot = d*dx*sum(sc_j * q.x_j)
 * - dmin*dx*sum(m_j * sum(x_j)), the sums of x coming from Q8_K's bsums. */
static float k45_dot(const uint8_t *bw, const uint8_t *bx, const uint8_t *qh, const uint8_t *qs) {
    const float dx = kern_f32(bx);
    const int8_t *qx = (const int8_t *)(bx + Q8K_QS);
    const uint8_t *sc = bw + 4;
    int sum_q = 0, sum_m = 0;
    for (int g = 0; g < KQK_K / 64; g++) {
        int sc1, m1, sc2, m2;
        kern_k4_scale_min(2 * g, sc, &sc1, &m1);
        kern_k4_scale_min(2 * g + 1, sc, &sc2, &m2);
        int s1 = 0, s2 = 0;
        for (int l = 0; l < 32; l++) {
            int q1 = qs[32 * g + l] & 0xF, q2 = qs[32 * g + l] >> 4;
            if (qh) {
                q1 |= ((qh[l] >> (2 * g)) & 1) << 4;
                q2 |= ((qh[l] >> (2 * g + 1)) & 1) << 4;
            }
            s1 += q1 * qx[64 * g + l];
            s2 += q2 * qx[64 * g + 32 + l];
        }
        sum_q += sc1 * s1 + sc2 * s2;
        const uint8_t *bs = bx + Q8K_BSUMS + 8 * g; /* 4 i16 sums of 16 */
        sum_m += m1 * (kern_i16(bs) + kern_i16(bs + 2)) + m2 * (kern_i16(bs + 4) + kern_i16(bs + 6));
    }
    return dx * kern_half(bw) * (float)sum_q - dx * kern_half(bw + 2) * (float)sum_m;
}

void kern_dot_q4_k_scalar(int64_t n, float *out, const void *w, const void *x) {
    const uint8_t *bw = w, *bx = x;
    float s = 0;
    for (int64_t b = 0; b < n / KQK_K; b++, bw += KB_Q4_K, bx += KB_Q8_K)
        s += k45_dot(bw, bx, NULL, bw + 16);
    *out = s;
}

void kern_dot_q5_k_scalar(int64_t n, float *out, const void *w, const void *x) {
    const uint8_t *bw = w, *bx = x;
    float s = 0;
    for (int64_t b = 0; b < n / KQK_K; b++, bw += KB_Q5_K, bx += KB_Q8_K)
        s += k45_dot(bw, bx, bw + 16, bw + 48);
    *out = s;
}

/* Q6_K: 16 sub-blocks of 16 with int8 scales; q = 6 bits - 32. Value
 * 128h + 32k + l (k 0..3, l 0..31) takes ql[64h + l + 32(k&1)] nibble k>>1
 * and bits 2k..2k+1 of qh[32h + l]; its scale is sc[8h + 2k + l/16]. */
void kern_dot_q6_k_scalar(int64_t n, float *out, const void *w, const void *x) {
    const uint8_t *bw = w, *bx = x;
    float s = 0;
    for (int64_t b = 0; b < n / KQK_K; b++, bw += KB_Q6_K, bx += KB_Q8_K) {
        const uint8_t *ql = bw, *qh = bw + Q6K_QH;
        const int8_t *sc = (const int8_t *)(bw + Q6K_SC);
        const int8_t *qx = (const int8_t *)(bx + Q8K_QS);
        int sumi = 0;
        for (int h = 0; h < 2; h++) {
            for (int k = 0; k < 4; k++) {
                for (int half = 0; half < 2; half++) {
                    int ss = 0;
                    for (int l = 16 * half; l < 16 * half + 16; l++) {
                        const uint8_t lo = ql[64 * h + l + 32 * (k & 1)];
                        const int q = ((k < 2 ? lo & 0xF : lo >> 4) | ((qh[32 * h + l] >> (2 * k)) & 3) << 4) - 32;
                        ss += q * qx[128 * h + 32 * k + l];
                    }
                    sumi += sc[8 * h + 2 * k + half] * ss;
                }
            }
        }
        s += kern_f32(bx) * kern_half(bw + Q6K_D) * (float)sumi;
    }
    *out = s;
}

float kern_dot_f32_f16_scalar(int64_t n, const float *x, const uint16_t *h) {
    float s = 0.0f;
    for (int64_t i = 0; i < n; i++) s += x[i] * wick_f16_to_f32(h[i]);
    return s;
}

void kern_axpy_f16_scalar(int64_t n, float a, const uint16_t *h, float *y) {
    for (int64_t i = 0; i < n; i++) y[i] += a * wick_f16_to_f32(h[i]);
}

const kern_ops kern_ops_scalar = {
    .isa = KERN_ISA_SCALAR,
    .name = "scalar",
    .vec_dot =
        {
            [GGML_TYPE_F32] = kern_dot_f32_scalar,
            [GGML_TYPE_F16] = kern_dot_f16_scalar,
            [GGML_TYPE_BF16] = kern_dot_bf16_scalar,
            [GGML_TYPE_Q4_0] = kern_dot_q4_0_scalar,
            [GGML_TYPE_Q4_1] = kern_dot_q4_1_scalar,
            [GGML_TYPE_Q5_0] = kern_dot_q5_0_scalar,
            [GGML_TYPE_Q5_1] = kern_dot_q5_1_scalar,
            [GGML_TYPE_Q8_0] = kern_dot_q8_0_scalar,
            [GGML_TYPE_Q4_K] = kern_dot_q4_k_scalar,
            [GGML_TYPE_Q5_K] = kern_dot_q5_k_scalar,
            [GGML_TYPE_Q6_K] = kern_dot_q6_k_scalar,
        },
    .quantize_act = kern_quantize_act_ref,
    .dot_f32_f16 = kern_dot_f32_f16_scalar,
    .axpy_f16 = kern_axpy_f16_scalar,
};
