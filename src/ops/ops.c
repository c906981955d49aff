/* Reference f32 implementations of the per-row operations (see ops.h).
 * Accumulations that ggml does in double (RMSNorm's sum of squares) are
 * done in double here too, so results track llama.cpp closely. */
#include "ops/ops.h"

#include <math.h>

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
        const float e = x[i] == -INFINITY ? 0.0f : expf(x[i] - mx);
        x[i] = e;
        sum += e;
    }
    const float inv = sum > 0 ? (float)(1.0 / sum) : 0.0f;
    for (int64_t i = 0; i < n; i++) x[i] *= inv;
}

void op_swiglu(float *y, const float *g, const float *u, int64_t n) {
    for (int64_t i = 0; i < n; i++) y[i] = g[i] / (1.0f + expf(-g[i])) * u[i];
}

float op_gelu_tanh(float x) {
    const float k = 0.7978845608028654f; /* sqrt(2/pi) */
    return 0.5f * x * (1.0f + tanhf(k * x * (1.0f + 0.044715f * x * x)));
}

void op_geglu(float *y, const float *g, const float *u, int64_t n) {
    for (int64_t i = 0; i < n; i++) y[i] = op_gelu_tanh(g[i]) * u[i];
}

void op_softcap(float *x, int64_t n, float cap) {
    for (int64_t i = 0; i < n; i++) x[i] = cap * tanhf(x[i] / cap);
}
