/* The plan's internals, shared by gpu_plan.c (placement: buffers, uploads,
 * kernels), gpu_step.c (the dispatch list of a step) and gpu_plan_json.c. */
#ifndef WICK_GPU_GPU_PLAN_INTERNAL_H
#define WICK_GPU_GPU_PLAN_INTERNAL_H

#include "gpu/gpu_plan.h"
#include "model/weights.h"

#include <stdbool.h>

/* One contiguous run of rows of a tensor in one binding. */
typedef struct gpu_part {
    uint32_t buffer;
    uint64_t offset, size; /* binding: size is the rows' bytes rounded up to 4 */
    uint32_t row0, rows;
} gpu_part;

/* A weight (matrix or f32 vector) on the GPU: parts[first .. first+n_parts). */
typedef struct gpu_tensor {
    uint32_t type;
    uint32_t n_in, n_out;
    uint64_t row_bytes;
    uint32_t shard;
    uint64_t file_offset;
    uint32_t first_part, n_parts;
} gpu_tensor;

#define GPU_NONE UINT32_MAX

typedef struct gpu_layer {
    uint32_t attn_norm, ffn_norm, post_attn_norm, post_ffw_norm, q_norm, k_norm; /* tensor ids */
    uint32_t bq, bk, bv, wq, wk, wv, wo, wqkv, gate, up, down;
    gpu_binding kc, vc; /* this layer's K and V cache: [n_ctx][n_head_kv * head_dim] f32 */
} gpu_layer;

/* Activation buffers, [n_batch][width] f32 each (see gpu_plan.c). */
enum { ACT_X, ACT_H, ACT_Q, ACT_K, ACT_V, ACT_ATTN, ACT_O, ACT_G, ACT_U, ACT_PART, ACT_DUMMY, ACT_COUNT };

struct gpu_plan {
    model_weights w;
    model_hparams hp;
    uint32_t n_ctx, n_batch;
    uint64_t max_binding, max_buffer;
    bool compact;              /* gpu_plan_opts.compact */
    const float *rope_factors; /* as forward.c picks them, or NULL */
    uint32_t rope_factors_t;   /* its tensor id, or GPU_NONE */
    const wick_model *model;   /* to turn weight pointers into (shard, file offset) */

    gpu_buffer *buffers;
    size_t n_buffers, cap_buffers;
    gpu_upload *uploads;
    size_t n_uploads, cap_uploads;
    gpu_kernel *kernels;
    size_t n_kernels, cap_kernels;
    gpu_part *parts;
    size_t n_parts, cap_parts;
    gpu_tensor *tensors;
    size_t n_tensors, cap_tensors;

    uint32_t weights_pool, kv_pool; /* the buffer being filled, or GPU_NONE */
    uint32_t tok_embd, output, output_norm;
    gpu_layer *layers;
    uint32_t act[ACT_COUNT];
    uint32_t tokens, logits;
};

/* Kernel id by name; GPU_NONE when the plan did not register it. */
uint32_t gpu_kernel_find(const gpu_plan *p, const char *name);

/* Threads per row of the generic products of rows of n_in (matmul.wgsl TPR). */
uint32_t gpu_matmul_tpr(uint32_t n_in);

/* matvec.wgsl: mv1's workgroup (decode), mm's tile (prefill steps). */
#define GPU_MV1_WG 256u
#define GPU_MM_ROWS 64u
#define GPU_MM_TOKS 32u

/* Which product kernel serves rows of `type` x n_in in steps of n_tok
 * tokens: matvec.wgsl (rows of a multiple of 32, at least 256) or
 * matmul.wgsl. */
typedef struct gpu_mm_choice {
    char name[40];
    bool matvec, decode; /* matvec.wgsl (mm); its mv1 entry (one token) */
    uint32_t tpr, rows_per_wg, tokens_per_wg;
} gpu_mm_choice;
void gpu_matmul_choose(const gpu_plan *p, uint32_t type, uint32_t n_in, uint32_t n_tok, gpu_mm_choice *c);

/* attention.wgsl: positions per attn_split workgroup in a step of n
 * tokens, and the most partial records (per head) any step writes. */
uint32_t gpu_attn_chunk(const gpu_plan *p, uint32_t n_tok);
uint64_t gpu_attn_records(const gpu_plan *p);
#define GPU_ATTN_MAX_CHUNK 1024u
#define GPU_ATTN_MAX_HD 256u

/* Whole-buffer binding of an activation buffer. */
gpu_binding gpu_act_binding(const gpu_plan *p, uint32_t binding, uint32_t buffer);

static inline uint32_t gpu_f32_bits(float f) {
    union {
        float f;
        uint32_t u;
    } v = {f};
    return v.u;
}

#endif
