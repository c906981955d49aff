/* CPU compute kernels behind one portable interface (ggml-style ISA
 * separation): a scalar reference for everything, and SIMD versions
 * (AVX2+FMA on x86-64 chosen at run time, NEON on arm64, wasm simd128 in the
 * browser) that must equal it. Callers pick a kern_ops table once
 * (kern_ops_best()) and call through it; threads split rows themselves.
 *
 * Quantized weights are multiplied by activations quantized to 8 bits, as
 * llama.cpp does: Q8_0 blocks for the 32-wide types (Q4_0..Q8_0), Q8_K
 * blocks for the k-quants (f32 d; i8 qs[256]; i16 bsums[16], 292 bytes);
 * F32/F16/BF16 weights take f32 activations. Q8_0 activations are ggml's
 * quantize_row_q8_0_ref bit for bit, Q8_K its quantize_row_q8_K_ref, on
 * every ISA. SIMD dot products equal the scalar ones within float
 * reassociation (tests/unit/test_kernels.c: 1e-6 of sum |w_i * x_i|). */
#ifndef WICK_KERNELS_KERNELS_H
#define WICK_KERNELS_KERNELS_H

#include <stddef.h>
#include <stdint.h>

typedef enum kern_isa {
    KERN_ISA_SCALAR,
    KERN_ISA_AVX2,    /* x86-64 with AVX2 + FMA (+F16C) */
    KERN_ISA_NEON,    /* arm64 */
    KERN_ISA_SIMD128, /* wasm simd128 */
    KERN_ISA_COUNT
} kern_isa;

/* dot(w_row, x) over n elements: `w` is a row of weight type blocks, `x`
 * the activations already in kern_act_type(weight type) format. */
typedef void (*kern_vec_dot_fn)(int64_t n, float *out, const void *w, const void *x);

/* The same for 4 tokens at once (prefill): out[k * ldo] = dot(w, x + k *
 * x_stride) for k in 0..3, each weight block unpacked once. Optional;
 * gives the same bits as 4 vec_dot calls, so kern_matmul == kern_matvec
 * per token exactly. */
typedef void (*kern_vec_dot_4x_fn)(int64_t n, float *out, size_t ldo, const void *w,
                                   const void *x, size_t x_stride);

/* The same for 4 consecutive weight rows and one token (decode): out[r] =
 * dot(w + r * row_bytes, x) for r in 0..3, each activation block loaded
 * once. Optional; the same bits as 4 vec_dot calls. */
typedef void (*kern_vec_dot_4r_fn)(int64_t n, float *out, const void *w, size_t row_bytes,
                                   const void *x);

/* Prefill tile (optional): 8 consecutive weight rows x nt <= 4 tokens,
 * out[t * ldo + r] = dot(w + r * row_bytes, x + t * x_stride) for r in
 * 0..7. `act` holds per-block terms of those nt tokens written by the
 * table's tile_prepare (KERN_TILE_ACT_BYTES per block). Equals vec_dot
 * within the kernels' tolerance, not bit for bit. */
typedef void (*kern_tile_fn)(int64_t n, float *out, size_t ldo, const void *w, size_t row_bytes,
                             const void *x, size_t x_stride, int nt, const void *act);
typedef void (*kern_tile_prepare_fn)(int64_t n, const void *x, size_t x_stride, int nt, void *act);
#define KERN_TILE_ACT_BYTES 48

/* k-quant GEMM (optional): 8 consecutive weight rows x nt <= KERN_GEMM_TOKENS
 * tokens, out[t * ldo + r] = dot(w + r * row_bytes, x + t * x_stride) for
 * r in 0..7. Each super-block of the 8 rows is unpacked once (rows into
 * lanes) for all nt tokens, so the unpacking is amortized over a whole
 * chunk of the prompt. The same bits as vec_dot (both add each
 * super-block's exact integer sums with the same float steps), so a
 * token's logits do not depend on batching. The legacy types take
 * per-block activation terms that gemm_prepare writes once per chunk
 * (KERN_GEMM_ACT_BYTES per block and token; the same bits as their
 * tile_8x4). */
typedef void (*kern_gemm8_fn)(int64_t n, float *out, size_t ldo, const void *w, size_t row_bytes,
                              const void *x, size_t x_stride, int nt, const void *act);
#define KERN_GEMM_TOKENS 64
#define KERN_GEMM_ACT_BYTES 16

typedef struct kern_ops {
    kern_isa isa;
    const char *name;                      /* "scalar", "avx2", ... */
    kern_vec_dot_fn vec_dot[40];           /* indexed by ggml type id; NULL = unsupported */
    kern_vec_dot_4x_fn vec_dot_4x[40];     /* optional (NULL: kern_matmul uses vec_dot) */
    kern_vec_dot_4r_fn vec_dot_4r[40];     /* optional (NULL: rows one at a time) */
    kern_tile_fn tile_8x4[40];             /* optional prefill tiles (with tile_prepare) */
    kern_tile_prepare_fn tile_prepare[40];
    kern_gemm8_fn gemm_8[40];              /* optional prefill GEMM (n_tokens > 1) */
    kern_tile_prepare_fn gemm_prepare[40]; /* its activation terms (NULL: none needed) */
    /* Decode (one token) takes the tiles too: same arithmetic as prefill,
     * so a token's logits do not depend on how the prompt was batched.
     * Set where measured at least as fast as the 4-row kernels (AVX2,
     * with prefetching); wasm has no prefetch, and there the 8 row streams
     * ran at 0.6x from memory, so its decode keeps vec_dot_4r. */
    int tile_decode;
    /* Quantizes f32 activations into the activation format for weight
     * type `wtype`; returns bytes written (kern_act_row_bytes), 0 if the
     * type is unsupported or n is not a multiple of its block size. */
    size_t (*quantize_act)(uint32_t wtype, const float *x, void *out, int64_t n);
    /* Attention over the f16 KV cache: dot(x, h) of n f32 / f16 values,
     * and y[i] += a * h[i]. Every table has them (scalar where no SIMD
     * one exists); the same table gives the same bits whatever the
     * batching or threading, which the forward pass relies on. */
    float (*dot_f32_f16)(int64_t n, const float *x, const uint16_t *h);
    void (*axpy_f16)(int64_t n, float a, const uint16_t *h, float *y);
} kern_ops;

const kern_ops *kern_ops_for(kern_isa isa); /* NULL if not compiled in / not supported by this CPU */
const kern_ops *kern_ops_best(void);        /* the fastest available here */

/* ggml type id of the activation format for weight type `wtype`. */
uint32_t kern_act_type(uint32_t wtype);
size_t kern_act_row_bytes(uint32_t wtype, int64_t n);

/* y[r] = dot(W[r], x) for r in [r0, r1): W rows are `row_bytes` apart.
 * `xq` from ops->quantize_act. */
void kern_matvec(const kern_ops *ops, uint32_t wtype, const void *W, size_t row_bytes,
                 int64_t r0, int64_t r1, int64_t n, const void *xq, float *y);

/* Y[t][r] = dot(W[r], X[t]) for t in [0, n_tokens), r in [r0, r1), tiled so
 * each weight tile is read once per block of tokens (prefill). X rows are
 * `x_row_bytes` apart (quantized activations), Y rows `ldy` floats apart. */
void kern_matmul(const kern_ops *ops, uint32_t wtype, const void *W, size_t row_bytes,
                 int64_t r0, int64_t r1, int64_t n, const void *X, size_t x_row_bytes,
                 int64_t n_tokens, float *Y, int64_t ldy);

#endif
