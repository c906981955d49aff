/* Element-wise and per-row operations of the transformer forward pass, in
 * f32. Shapes are given per call; "row" means one token's vector. */
#ifndef WICK_OPS_OPS_H
#define WICK_OPS_OPS_H

#include <stdint.h>

/* y = x / sqrt(mean(x^2) + eps) * w, over n elements (w may be NULL: no
 * gain). x and y may alias. */
void op_rmsnorm(float *y, const float *x, const float *w, int64_t n, float eps);

/* RoPE modes, as llama.cpp names them. NORM rotates adjacent pairs
 * (x[2i], x[2i+1]) (llama); NEOX rotates (x[i], x[i + n_rot/2]) (qwen,
 * gemma, phi3). */
typedef enum op_rope_mode { OP_ROPE_NORM = 0, OP_ROPE_NEOX = 2 } op_rope_mode;

/* Rotates the first n_rot dims of each of n_heads heads of head_dim floats
 * at position pos: theta_i = pos * freq_scale * base^(-2i/n_rot) /
 * factor_i, where `factors` (n_rot/2 floats, LongRoPE / llama3) may be
 * NULL (all 1). cos/sin are multiplied by mscale (LongRoPE attention
 * factor; 1 otherwise). */
void op_rope(float *x, int64_t n_heads, int64_t head_dim, int64_t n_rot, op_rope_mode mode,
             int64_t pos, float base, float freq_scale, const float *factors, float mscale);

/* In-place softmax over n floats. */
void op_softmax(float *x, int64_t n);

/* y[i] = silu(g[i]) * u[i] (SwiGLU) or gelu_tanh(g[i]) * u[i] (GeGLU). */
void op_swiglu(float *y, const float *g, const float *u, int64_t n);
void op_geglu(float *y, const float *g, const float *u, int64_t n);
float op_gelu_tanh(float x);

/* x = cap * tanh(x / cap) over n floats (Gemma 2 soft-capping). */
void op_softcap(float *x, int64_t n, float cap);

#endif
