/* Weight-matrix products for the forward pass, split across a thread pool
 * by output rows. A weight is a GGUF tensor of ne = [n_in, n_out] (n_in
 * fastest), so output row r is the dot product of stored row r with the
 * input vector.
 *
 * Products go through src/kernels: the activations are quantized once per
 * call to the weight type's activation format (Q8_0 / Q8_K, as llama.cpp
 * does, so results track it closely), then each thread runs kern_matmul
 * over its rows for the whole batch, reading each weight tile once per
 * batch (prefill). Types the kernels lack fall back to dequantizing each
 * row (src/quant) and f32 dots. */
#ifndef WICK_OPS_MATMUL_H
#define WICK_OPS_MATMUL_H

#include "kernels/kernels.h"
#include "platform/thread_pool.h"

#include <stddef.h>
#include <stdint.h>

typedef struct op_weight {
    const void *data;  /* memory-mapped tensor data */
    uint32_t type;     /* ggml type id */
    int64_t n_in;      /* ne[0]: elements per row */
    int64_t n_out;     /* ne[1]: rows */
    size_t row_bytes;
} op_weight;

/* What a product needs besides its operands. */
typedef struct op_exec {
    wick_thread_pool *pool;
    const kern_ops *ops;
    float *scratch;          /* n_threads * max_in floats (fallback path) */
    void *act;               /* max_tokens * kern_act_row_bytes(F32, max_in) bytes */
} op_exec;

/* Y[t][r] = dot(W[r], X[t]) (+ bias[r]) for t < n_tokens, r < W->n_out. X
 * rows are ldx floats apart, Y rows ldy. n_tokens and W->n_in must be
 * within the sizes `ex`'s buffers were made for. */
/* The output projection: one token, only ever the last one (so no batched
 * result must agree with it). Types without a 4-row decode kernel (Q8_0)
 * go through the one-row matvec kernel, whose single sequential stream
 * reads their long rows fastest; the others through the usual path. */
void op_matvec_logits(const op_exec *ex, const op_weight *W, const float *x, float *y);

void op_matmul(const op_exec *ex, const op_weight *W, const float *bias, const float *X,
               int64_t ldx, int64_t n_tokens, float *Y, int64_t ldy);

/* Several products of the same input, X quantized once for all of them
 * where the weights share an activation format (Q/K/V, gate/up): the same
 * results as n_w op_matmul calls. bias may be NULL, or hold NULLs. */
void op_matmul_shared(const op_exec *ex, int n_w, const op_weight *const *W, const float *const *bias,
                      const float *X, int64_t ldx, int64_t n_tokens, float *const *Y, const int64_t *ldy);

/* One row of W as f32 (the embedding lookup). */
void op_weight_row(const op_weight *W, int64_t r, float *out);

#endif
