/* Kernel dispatch (which op table this CPU gets), activation formats, and
 * the row loops built on the per-type dot products: kern_matvec (one token,
 * decode) and kern_matmul (many tokens, prefill, cache-tiled). */
#include "kernels/kernels_internal.h"

#include "gguf/ggml_types.h"
#include "quant/quant.h"

#include <math.h>
#include <stdlib.h>

const kern_ops *kern_ops_for(kern_isa isa) {
    switch (isa) {
    case KERN_ISA_SCALAR: return &kern_ops_scalar;
#if defined(__x86_64__)
    case KERN_ISA_AVX2:
        /* The AVX2 file is compiled with per-function target attributes,
         * so it is always linked; only run it where the CPU has it. */
        if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") &&
            __builtin_cpu_supports("f16c"))
            return &kern_ops_avx2;
        return NULL;
#endif
#if defined(__ARM_NEON) && defined(__aarch64__)
    case KERN_ISA_NEON: return &kern_ops_neon; /* NEON is part of every arm64 CPU */
#endif
#if defined(__wasm_simd128__)
    case KERN_ISA_SIMD128: return &kern_ops_simd128;
#endif
    default: return NULL;
    }
}

const kern_ops *kern_ops_best(void) {
    static const kern_isa order[] = {KERN_ISA_AVX2, KERN_ISA_NEON, KERN_ISA_SIMD128};
    for (size_t i = 0; i < sizeof order / sizeof order[0]; i++) {
        const kern_ops *ops = kern_ops_for(order[i]);
        if (ops) return ops;
    }
    return &kern_ops_scalar;
}

uint32_t kern_act_type(uint32_t wtype) {
    switch (wtype) {
    case GGML_TYPE_F32:
    case GGML_TYPE_F16:
    case GGML_TYPE_BF16: return GGML_TYPE_F32;
    case GGML_TYPE_Q4_0:
    case GGML_TYPE_Q4_1:
    case GGML_TYPE_Q5_0:
    case GGML_TYPE_Q5_1:
    case GGML_TYPE_Q8_0: return GGML_TYPE_Q8_0;
    case GGML_TYPE_Q4_K:
    case GGML_TYPE_Q5_K:
    case GGML_TYPE_Q6_K: return GGML_TYPE_Q8_K;
    default: return GGML_TYPE_COUNT; /* unsupported weight type */
    }
}

/* 0 if the weight type is unsupported or n is not a multiple of its
 * block size. */
size_t kern_act_row_bytes(uint32_t wtype, int64_t n) {
    if (n < 0) return 0;
    const ggml_type_traits *wt = ggml_type_get(wtype);
    if (!wt || n % wt->block_size) return 0;
    switch (kern_act_type(wtype)) {
    case GGML_TYPE_F32: return (size_t)n * 4;
    case GGML_TYPE_Q8_0: return (size_t)(n / KQK) * KB_Q8_0;
    case GGML_TYPE_Q8_K: return (size_t)(n / KQK_K) * KB_Q8_K;
    default: return 0;
    }
}

/* ggml's quantize_row_q8_K_ref: symmetric, scale from the signed value of
 * largest magnitude (iscale = -127/max), round to nearest even, clamp at
 * 127, and the sums of each 16 kept for the k-quant mins. */
static void quantize_q8_k_block(const float *x, uint8_t *b) {
    float max = 0, amax = 0;
    for (int j = 0; j < KQK_K; j++) {
        const float ax = fabsf(x[j]);
        if (ax > amax) {
            amax = ax;
            max = x[j];
        }
    }
    int8_t q[KQK_K];
    float d = 0;
    if (amax == 0) {
        memset(q, 0, sizeof q);
    } else {
        const float iscale = -127.f / max;
        for (int j = 0; j < KQK_K; j++) {
            const int v = (int)nearbyintf(iscale * x[j]); /* ties to even, as ggml's nearest_int */
            q[j] = (int8_t)(v < 127 ? v : 127);
        }
        d = 1 / iscale;
    }
    memcpy(b, &d, 4);
    memcpy(b + Q8K_QS, q, KQK_K);
    for (int j = 0; j < KQK_K / 16; j++) {
        int s = 0;
        for (int i = 0; i < 16; i++) s += q[16 * j + i];
        int16_t s16 = (int16_t)s;
        memcpy(b + Q8K_BSUMS + 2 * j, &s16, 2);
    }
}

size_t kern_quantize_act_ref(uint32_t wtype, const float *x, void *out, int64_t n) {
    const size_t bytes = kern_act_row_bytes(wtype, n);
    if (!bytes) return 0;
    uint8_t *o = out;
    switch (kern_act_type(wtype)) {
    case GGML_TYPE_F32: memcpy(o, x, bytes); break;
    case GGML_TYPE_Q8_0:
        /* src/quant's quantizer is ggml's quantize_row_q8_0_ref bit for bit */
        if (!quantize_row(GGML_TYPE_Q8_0, x, o, n)) return 0;
        break;
    case GGML_TYPE_Q8_K:
        for (int64_t b = 0; b < n / KQK_K; b++) quantize_q8_k_block(x + b * KQK_K, o + b * KB_Q8_K);
        break;
    default: return 0;
    }
    return bytes;
}

void kern_matvec(const kern_ops *ops, uint32_t wtype, const void *W, size_t row_bytes,
                 int64_t r0, int64_t r1, int64_t n, const void *xq, float *y) {
    const kern_vec_dot_fn dot = wtype < GGML_TYPE_COUNT ? ops->vec_dot[wtype] : NULL;
    if (!dot) return; /* callers check kern_act_type() != GGML_TYPE_COUNT first */
    const kern_vec_dot_4r_fn dot4r = ops->vec_dot_4r[wtype];
    const uint8_t *w = (const uint8_t *)W + (size_t)r0 * row_bytes;
    int64_t r = r0;
    if (dot4r)
        for (; r + 4 <= r1; r += 4, w += 4 * row_bytes) dot4r(n, &y[r], w, row_bytes, xq);
    for (; r < r1; r++, w += row_bytes) dot(n, &y[r], w, xq);
}

/* Prefill: rows are taken KERN_TILE_ROWS at a time and every token runs
 * over that tile before the next, so the tile (16 rows of a 2048-wide
 * Q4_0 matrix = 18 KiB) stays in L1/L2 while the tokens stream by. Tables
 * with a multi-token kernel (vec_dot_4x) use it for groups of 4 tokens so
 * each weight block is unpacked once for 4 dot products. */
#define KERN_TILE_ROWS 16
#define KERN_TILE_TOKENS 4

/* The 8-row tile path: row blocks of about 128 KiB of weights (L2) are
 * taken one at a time and every group of 4 tokens runs over the block,
 * with the tokens' per-block terms prepared once per (row block, group). */
#define KERN_TILE_MAX_BLOCKS 512 /* n <= 16384 (an 8B model's n_ff is 14336): 24 KiB of stack */

static void matmul_tiled8(const kern_ops *ops, uint32_t wtype, const uint8_t *W, size_t row_bytes,
                          int64_t r0, int64_t r1, int64_t n, const uint8_t *x, size_t x_row_bytes,
                          int64_t n_tokens, float *Y, int64_t ldy) {
    _Alignas(32) uint8_t act[KERN_TILE_MAX_BLOCKS * KERN_TILE_ACT_BYTES];
    const kern_tile_fn tile = ops->tile_8x4[wtype];
    const kern_tile_prepare_fn prep = ops->tile_prepare[wtype];
    int64_t rows_per_block = (int64_t)((128 * 1024) / row_bytes) & ~(int64_t)7;
    if (rows_per_block < 8) rows_per_block = 8;
    for (int64_t rb0 = r0; rb0 < r1; rb0 += rows_per_block) {
        const int64_t rb1 = rb0 + rows_per_block < r1 ? rb0 + rows_per_block : r1;
        for (int64_t t = 0; t < n_tokens; t += 4) {
            const int nt = n_tokens - t < 4 ? (int)(n_tokens - t) : 4;
            const uint8_t *xt = x + (size_t)t * x_row_bytes;
            prep(n, xt, x_row_bytes, nt, act);
            int64_t r = rb0;
            for (; r + 8 <= rb1; r += 8)
                tile(n, &Y[t * ldy + r], (size_t)ldy, W + (size_t)r * row_bytes, row_bytes, xt, x_row_bytes, nt, act);
            for (; r < rb1; r++) /* fewer than 8 rows left in this thread's range */
                for (int k = 0; k < nt; k++)
                    ops->vec_dot[wtype](n, &Y[(t + k) * ldy + r], W + (size_t)r * row_bytes,
                                        xt + (size_t)k * x_row_bytes);
        }
    }
}

void kern_matmul(const kern_ops *ops, uint32_t wtype, const void *W, size_t row_bytes,
                 int64_t r0, int64_t r1, int64_t n, const void *X, size_t x_row_bytes,
                 int64_t n_tokens, float *Y, int64_t ldy) {
    const kern_vec_dot_fn dot = wtype < GGML_TYPE_COUNT ? ops->vec_dot[wtype] : NULL;
    if (!dot) return;
    const kern_vec_dot_4x_fn dot4 = wtype < GGML_TYPE_COUNT ? ops->vec_dot_4x[wtype] : NULL;
    const uint8_t *x = X;
    /* Decode (one token) takes the tile path too where the table says so:
     * the same arithmetic as prefill, so a token gives the same logits
     * whether it was decoded alone or in a batch (prefix reuse, re-sent
     * requests). */
    void *gact = NULL; /* the legacy types' per-chunk activation terms */
    if (n_tokens > 1 && ops->gemm_8[wtype] && ops->gemm_prepare[wtype])
        gact = malloc((size_t)(n / 32) * KERN_GEMM_TOKENS * KERN_GEMM_ACT_BYTES);
    if (n_tokens > 1 && ops->gemm_8[wtype] && (gact || !ops->gemm_prepare[wtype])) {
        /* token chunks outer: a chunk's activations (64 tokens of a
         * 2048-wide Q8_K row: 146 KiB) stay in L2 while this thread's
         * rows stream by, 8 at a time */
        const kern_gemm8_fn gemm = ops->gemm_8[wtype];
        for (int64_t t = 0; t < n_tokens; t += KERN_GEMM_TOKENS) {
            const int nt = n_tokens - t < KERN_GEMM_TOKENS ? (int)(n_tokens - t) : KERN_GEMM_TOKENS;
            const uint8_t *xt = x + (size_t)t * x_row_bytes;
            if (gact) ops->gemm_prepare[wtype](n, xt, x_row_bytes, nt, gact);
            int64_t r = r0;
            for (; r + 8 <= r1; r += 8)
                gemm(n, &Y[t * ldy + r], (size_t)ldy, (const uint8_t *)W + (size_t)r * row_bytes, row_bytes, xt,
                     x_row_bytes, nt, gact);
            for (; r < r1; r++)
                for (int k = 0; k < nt; k++)
                    dot(n, &Y[(t + k) * ldy + r], (const uint8_t *)W + (size_t)r * row_bytes,
                        xt + (size_t)k * x_row_bytes);
        }
        free(gact);
        return;
    }
    if ((n_tokens > 1 || ops->tile_decode) && ops->tile_8x4[wtype] && ops->tile_prepare[wtype] && n / 32 <= KERN_TILE_MAX_BLOCKS) {
        matmul_tiled8(ops, wtype, W, row_bytes, r0, r1, n, x, x_row_bytes, n_tokens, Y, ldy);
        return;
    }
    for (int64_t rt = r0; rt < r1; rt += KERN_TILE_ROWS) {
        const int64_t re = rt + KERN_TILE_ROWS < r1 ? rt + KERN_TILE_ROWS : r1;
        int64_t t = 0;
        if (dot4) {
            for (; t + KERN_TILE_TOKENS <= n_tokens; t += KERN_TILE_TOKENS) {
                const uint8_t *w = (const uint8_t *)W + (size_t)rt * row_bytes;
                for (int64_t r = rt; r < re; r++, w += row_bytes)
                    dot4(n, &Y[t * ldy + r], (size_t)ldy, w, x + (size_t)t * x_row_bytes, x_row_bytes);
            }
        }
        for (; t < n_tokens; t++)
            kern_matvec(ops, wtype, W, row_bytes, rt, re, n, x + (size_t)t * x_row_bytes, Y + t * ldy);
    }
}
