/* Reference f32 implementations of the per-row operations (see ops.h).
 * Accumulations that ggml does in double (RMSNorm's sum of squares) are
 * done in double here too, so results track llama.cpp closely. */
#include "ops/ops.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

/* exp(x) for softmax and the gated activations: Cody-Waite reduction to
 * r in [-ln2/2, ln2/2], a degree-6 Taylor polynomial (relative error
 * < 2e-7), and 2^n through the exponent bits; x is clamped to [-87, 88]
 * (results stay normal and finite). No libm call and no branches, so the
 * loops below vectorize (SSE2 natively, simd128 in wasm): the libm calls
 * were 15 % of Gemma 3's prefill. */
static inline float exp_fast(float x) {
    x = x < -87.0f ? -87.0f : x;
    x = x > 88.0f ? 88.0f : x;
    const float n = (x * 1.44269504088896341f + 12582912.0f) - 12582912.0f; /* round to nearest */
    const float r = (x - n * 0.693145751953125f) - n * 1.428606765330187e-6f;
    float p = 1.0f / 720.0f;
    p = p * r + 1.0f / 120.0f;
    p = p * r + 1.0f / 24.0f;
    p = p * r + 1.0f / 6.0f;
    p = p * r + 0.5f;
    p = p * r + 1.0f;
    p = p * r + 1.0f;
    const int32_t bits = ((int32_t)n + 127) << 23;
    float scale;
    memcpy(&scale, &bits, sizeof scale);
    return p * scale;
}

void op_rmsnorm(float *y, const float *x, const float *w, int64_t n, float eps) {
    double ss = 0.0;
    for (int64_t i = 0; i < n; i++) ss += (double)x[i] * x[i];
    const float scale = (float)(1.0 / sqrt(ss / (double)n + eps));
    if (w)
        for (int64_t i = 0; i < n; i++) y[i] = x[i] * scale * w[i];
    else
        for (int64_t i = 0; i < n; i++) y[i] = x[i] * scale;
}

void op_rope(float *x, int64_t n_heads, int64_t head_dim, int64_t n_rot, op_rope_mode mode,
             int64_t pos, float base, float freq_scale, const float *factors, float mscale) {
    const int64_t half = n_rot / 2;
    /* theta_i = pos * base^(-2i/n_rot): computed incrementally as ggml does
     * (theta *= theta_scale), so rounding matches its rope cache. */
    const float theta_scale = powf(base, -2.0f / (float)n_rot);
    float theta = (float)pos;
    for (int64_t i = 0; i < half; i++) {
        const float f = factors ? factors[i] : 1.0f;
        const float t = freq_scale * theta / f;
        const float c = cosf(t) * mscale, s = sinf(t) * mscale;
        for (int64_t h = 0; h < n_heads; h++) {
            float *v = x + h * head_dim;
            int64_t a, b;
            if (mode == OP_ROPE_NEOX) {
                a = i;
                b = i + half;
            } else {
                a = 2 * i;
                b = 2 * i + 1;
            }
            const float x0 = v[a], x1 = v[b];
            v[a] = x0 * c - x1 * s;
            v[b] = x0 * s + x1 * c;
        }
        theta *= theta_scale;
    }
}

void op_softmax(float *x, int64_t n) {
    float mx = -INFINITY;
    for (int64_t i = 0; i < n; i++)
        if (x[i] > mx) mx = x[i];
    double sum = 0.0;
    for (int64_t i = 0; i < n; i++) {
        const float e = x[i] == -INFINITY ? 0.0f : exp_fast(x[i] - mx);
        x[i] = e;
        sum += e;
    }
    const float inv = sum > 0 ? (float)(1.0 / sum) : 0.0f;
    for (int64_t i = 0; i < n; i++) x[i] *= inv;
}

void op_swiglu(float *y, const float *g, const float *u, int64_t n) {
    for (int64_t i = 0; i < n; i++) y[i] = g[i] / (1.0f + exp_fast(-g[i])) * u[i];
}

/* 0.5 x (1 + tanh(y)) = x / (1 + exp(-2y)), y = sqrt(2/pi) (x + 0.044715 x^3):
 * the same function without tanh's cancellation or a libm call. */
static inline float gelu_tanh(float x) {
    const float k = 0.7978845608028654f; /* sqrt(2/pi) */
    return x / (1.0f + exp_fast(-2.0f * k * x * (1.0f + 0.044715f * x * x)));
}

float op_gelu_tanh(float x) { return gelu_tanh(x); }

void op_geglu(float *y, const float *g, const float *u, int64_t n) {
    for (int64_t i = 0; i < n; i++) y[i] = gelu_tanh(g[i]) * u[i];
}

void op_softcap(float *x, int64_t n, float cap) {
    /* tanh(z) = 1 - 2 / (1 + exp(2z)): absolute error ~1e-7 */
    for (int64_t i = 0; i < n; i++) x[i] = cap * (1.0f - 2.0f / (1.0f + exp_fast(2.0f * x[i] / cap)));
}
