/* The WebGPU plan: everything a small executor (web/src/gpu/) needs to run
 * the forward pass of src/model/forward.c on a GPU, decided here in C so
 * the executor stays generic:
 *
 *   buffers   GPU buffers and their sizes: weights (every tensor placed at
 *             a 256-byte-aligned offset, tensors larger than the binding
 *             limit split by rows), the KV cache (f32, one binding per
 *             layer for K and one for V), activations, token ids, logits;
 *   uploads   {shard, file offset, bytes, buffer, offset}: GGUF bytes copied as
 *             they are (raw block bytes; the kernels dequantize);
 *   kernels   WGSL sources (src/gpu/wgsl/<family>.wgsl, concatenated in
 *             the order given), an entry point and override constants;
 *   steps     for a step of n tokens (decode: 1; a prefill chunk: up to
 *             n_batch), the exact dispatch list: kernel, bindings (binding
 *             index, buffer, offset, size), the dispatch's parameter words
 *             (one 256-byte uniform slot each) and workgroup counts.
 *
 * Binding convention of every kernel: @binding(0) the Step uniform
 * (n_tokens, pos0: what changes from step to step, written by the executor
 * before each step), @binding(1) the dispatch's own parameters (uniform),
 * @binding(2..) storage buffers as the dispatch lists them. Kernels that
 * read quantized weights declare them at @binding(2) (gpu_quant.wgsl).
 *
 * docs/gpu.md describes the JSON form (gpu_plan_json.c). */
#ifndef WICK_GPU_GPU_PLAN_H
#define WICK_GPU_GPU_PLAN_H

#include "core/buf.h"
#include "wick.h"

#include <stdint.h>

#define GPU_ALIGN 256u       /* minStorage/UniformBufferOffsetAlignment (WebGPU default) */
#define GPU_PARAM_WORDS 24u  /* u32 words of a dispatch's parameters (<= 256 bytes) */
#define GPU_MAX_BINDS 8u     /* storage bindings of one dispatch (the limit is 8 by default) */
#define GPU_MAX_CONSTS 6u

typedef struct gpu_plan_opts {
    uint32_t n_ctx;        /* KV positions; 0: as wick_context (the model's, at most 4096) */
    uint32_t n_batch;      /* most tokens one step takes; 0: 32 */
    uint64_t max_binding;  /* maxStorageBufferBindingSize; 0: 128 MiB (WebGPU's default) */
    uint64_t max_buffer;   /* maxBufferSize; 0: 256 MiB (WebGPU's default) */
    uint32_t compact;      /* non-zero: products with few, long-running lanes (the
                              generic matmul.wgsl) instead of mv1 / mm, which are
                              shaped for real GPUs and cost software adapters
                              (SwiftShader) several times more */
} gpu_plan_opts;

typedef enum gpu_buffer_kind { GPU_BUF_WEIGHTS, GPU_BUF_KV, GPU_BUF_ACT, GPU_BUF_TOKENS, GPU_BUF_LOGITS } gpu_buffer_kind;

typedef struct gpu_buffer {
    char name[24];
    gpu_buffer_kind kind;
    uint64_t size;         /* bytes, a multiple of 4 */
} gpu_buffer;

typedef struct gpu_upload {
    uint32_t shard;              /* which file of a split GGUF (0: the only one) */
    uint64_t file_offset, bytes; /* bytes need not be a multiple of 4: pad the copy */
    uint32_t buffer;
    uint64_t offset;
} gpu_upload;

typedef struct gpu_kernel {
    char name[40];
    const char *sources[6];  /* wgsl families, concatenated; unused entries NULL. The
                                family "reduce" is reduce_sg or reduce_wg, as the
                                executor's device has subgroups or not (it also sets
                                the kernel's SG constant) */
    const char *entry;
    uint32_t n_consts;
    const char *const_names[GPU_MAX_CONSTS];
    double const_values[GPU_MAX_CONSTS];
} gpu_kernel;

typedef struct gpu_binding {
    uint32_t binding, buffer;
    uint64_t offset, size;
} gpu_binding;

typedef struct gpu_dispatch {
    uint32_t kernel;
    uint32_t n_binds;
    gpu_binding binds[GPU_MAX_BINDS];
    uint32_t n_params;
    uint32_t params[GPU_PARAM_WORDS];
    uint32_t wg[3];
} gpu_dispatch;

typedef struct gpu_step {
    uint32_t n_tokens;
    gpu_dispatch *d;
    size_t n, cap;
} gpu_step;

typedef struct gpu_plan gpu_plan;

/* Plans `model` (weights bound and checked as wick_context_new does). Fails
 * with a message naming the limit when a KV or activation binding would
 * exceed max_binding (weights are split instead). */
wick_status gpu_plan_new(const wick_model *model, const gpu_plan_opts *opts, gpu_plan **out,
                         wick_error *err);
void gpu_plan_free(gpu_plan *p);

/* Read access for the executor's tests. */
uint32_t gpu_plan_n_ctx(const gpu_plan *p);
uint32_t gpu_plan_n_batch(const gpu_plan *p);
uint32_t gpu_plan_n_vocab(const gpu_plan *p);
const gpu_buffer *gpu_plan_buffers(const gpu_plan *p, size_t *n);
const gpu_upload *gpu_plan_uploads(const gpu_plan *p, size_t *n);
const gpu_kernel *gpu_plan_kernels(const gpu_plan *p, size_t *n);
uint32_t gpu_plan_tokens_buffer(const gpu_plan *p);
uint32_t gpu_plan_logits_buffer(const gpu_plan *p);

/* The dispatch list of a step of n_tokens (1 <= n_tokens <= n_batch)
 * tokens at any position (positions come through the Step uniform).
 * Free with gpu_step_free. */
wick_status gpu_plan_step(const gpu_plan *p, uint32_t n_tokens, gpu_step *out, wick_error *err);
void gpu_step_free(gpu_step *s);

/* JSON (see docs/gpu.md): the load-time part (model shape, buffers,
 * uploads, kernels) and one step's dispatch list. Append to `out`. */
wick_status gpu_plan_json(const gpu_plan *p, wick_buf *out, wick_error *err);
wick_status gpu_step_json(const gpu_plan *p, const gpu_step *s, wick_buf *out, wick_error *err);

/* Checks a step against the plan: every binding inside its buffer,
 * offsets 256-aligned, sizes multiples of 4 and within max_binding, kernel
 * ids valid, workgroup counts within 65535. The unit test and
 * gpu_plan_step (after building) use it. */
wick_status gpu_step_check(const gpu_plan *p, const gpu_step *s, wick_error *err);

#endif
