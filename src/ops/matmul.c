/* Threaded matrix products (see matmul.h). */
#include "ops/matmul.h"

#include "gguf/ggml_types.h"
#include "quant/quant.h"

#include <string.h>

typedef struct matmul_task {
    const op_exec *ex;
    const op_weight *W;
    const float *bias;
    const float *X;
    int64_t ldx, n_tokens;
    float *Y;
    int64_t ldy;
    size_t act_row; /* bytes per quantized activation row; 0: fallback path */
    int matvec_only; /* one token through kern_matvec (op_matvec_logits) */
} matmul_task;

void op_weight_row(const op_weight *W, int64_t r, float *out) {
    const uint8_t *row = (const uint8_t *)W->data + (size_t)r * W->row_bytes;
    if (W->type == GGML_TYPE_F32)
        memcpy(out, row, (size_t)W->n_in * sizeof(float));
    else
        dequantize_row(W->type, row, out, W->n_in);
}

/* Four accumulators: breaks the add dependency chain so the compiler can
 * vectorize without -ffast-math. */
static float dot_f32(const float *a, const float *b, int64_t n) {
    float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    int64_t i = 0;
    for (; i + 4 <= n; i += 4) {
        s0 += a[i] * b[i];
        s1 += a[i + 1] * b[i + 1];
        s2 += a[i + 2] * b[i + 2];
        s3 += a[i + 3] * b[i + 3];
    }
    for (; i < n; i++) s0 += a[i] * b[i];
    return (s0 + s1) + (s2 + s3);
}

static void matmul_worker(void *arg, int ith, int nth) {
    const matmul_task *t = arg;
    const op_weight *W = t->W;
    /* split in units of 8 rows, so each thread's range runs the 4-row
     * decode and 8-row prefill kernels without a slow remainder */
    long long u0, u1;
    wick_split_range((W->n_out + 7) / 8, ith, nth, &u0, &u1);
    const long long r0 = u0 * 8, r1 = u1 * 8 < W->n_out ? u1 * 8 : W->n_out;
    if (r0 >= r1) return;
    if (t->act_row && t->matvec_only) {
        kern_matvec(t->ex->ops, W->type, W->data, W->row_bytes, r0, r1, W->n_in, t->ex->act, t->Y);
        return;
    }
    if (t->act_row) {
        kern_matmul(t->ex->ops, W->type, W->data, W->row_bytes, r0, r1, W->n_in, t->ex->act,
                    t->act_row, t->n_tokens, t->Y, t->ldy);
        if (t->bias)
            for (int64_t k = 0; k < t->n_tokens; k++)
                for (long long r = r0; r < r1; r++) t->Y[k * t->ldy + r] += t->bias[r];
        return;
    }
    float *row = t->ex->scratch + (size_t)ith * (size_t)W->n_in;
    for (long long r = r0; r < r1; r++) {
        op_weight_row(W, r, row);
        const float b = t->bias ? t->bias[r] : 0.0f;
        for (int64_t k = 0; k < t->n_tokens; k++)
            t->Y[k * t->ldy + r] = dot_f32(row, t->X + k * t->ldx, W->n_in) + b;
    }
}

/* Runs one product; `quantized`: ex->act already holds X in W's
 * activation format (a previous product of the same input). */
static void matmul_one(const op_exec *ex, const op_weight *W, const float *bias, const float *X,
                       int64_t ldx, int64_t n_tokens, float *Y, int64_t ldy, int quantized,
                       int matvec_only) {
    /* the one-row stream only for types without a 4-row decode kernel
     * (Q8_0's long rows): for the others the prefetching tiles read the
     * output matrix faster (Q4_0 2048-wide: 1.2x) */
    const int stream = matvec_only && n_tokens == 1 && !bias && ex->ops && W->type < 40 &&
                       !ex->ops->vec_dot_4r[W->type];
    matmul_task t = {ex, W, bias, X, ldx, n_tokens, Y, ldy, 0, stream};
    if (ex->ops && kern_act_type(W->type) != GGML_TYPE_COUNT && ex->ops->vec_dot[W->type]) {
        t.act_row = kern_act_row_bytes(W->type, W->n_in);
        if (!quantized)
            for (int64_t k = 0; k < n_tokens; k++)
                ex->ops->quantize_act(W->type, X + k * ldx, (uint8_t *)ex->act + (size_t)k * t.act_row,
                                      W->n_in);
    }
    wick_thread_pool_run(ex->pool, matmul_worker, &t);
}

void op_matmul(const op_exec *ex, const op_weight *W, const float *bias, const float *X,
               int64_t ldx, int64_t n_tokens, float *Y, int64_t ldy) {
    matmul_one(ex, W, bias, X, ldx, n_tokens, Y, ldy, 0, 0);
}

void op_matvec_logits(const op_exec *ex, const op_weight *W, const float *x, float *y) {
    matmul_one(ex, W, NULL, x, W->n_in, 1, y, W->n_out, 0, 1);
}

void op_matmul_shared(const op_exec *ex, int n_w, const op_weight *const *W, const float *const *bias,
                      const float *X, int64_t ldx, int64_t n_tokens, float *const *Y, const int64_t *ldy) {
    for (int i = 0; i < n_w; i++) {
        /* the quantized input is reusable when the previous weight took the
         * same activation format over the same width through the kernels */
        int reuse = 0;
        if (i > 0 && ex->ops) {
            const op_weight *a = W[i - 1], *b = W[i];
            const uint32_t ta = kern_act_type(a->type), tb = kern_act_type(b->type);
            reuse = ta == tb && ta != GGML_TYPE_COUNT && a->n_in == b->n_in && ex->ops->vec_dot[a->type] &&
                    ex->ops->vec_dot[b->type];
        }
        matmul_one(ex, W[i], bias ? bias[i] : NULL, X, ldx, n_tokens, Y[i], ldy[i], reuse, 0);
    }
}
