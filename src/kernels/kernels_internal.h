/* Shared between the kernel files (not part of the public interface):
 * block layouts and byte readers, the per-ISA op tables, and the scalar
 * dot products that SIMD tables fall back to for types they lack.
 *
 * Weight blocks come straight from a mapped GGUF file, so their halves sit
 * at odd offsets (an 18-byte Q4_0 block): every multi-byte field is read
 * with memcpy / byte loads, never through a cast pointer. */
#ifndef WICK_KERNELS_INTERNAL_H
#define WICK_KERNELS_INTERNAL_H

#include "kernels/kernels.h"
#include "quant/fp16.h"

#include <string.h>

#define KQK 32    /* values per block, legacy types */
#define KQK_K 256 /* values per super-block, k-quants */

/* Bytes per block (ggml-common.h layouts, see src/quant/quantize.c). */
#define KB_Q4_0 18  /* half d; u8 qs[16] */
#define KB_Q4_1 20  /* half d, m; u8 qs[16] */
#define KB_Q5_0 22  /* half d; u8 qh[4]; u8 qs[16] */
#define KB_Q5_1 24  /* half d, m; u8 qh[4]; u8 qs[16] */
#define KB_Q8_0 34  /* half d; i8 qs[32] */
#define KB_Q4_K 144 /* half d, dmin; u8 scales[12]; u8 qs[128] */
#define KB_Q5_K 176 /* half d, dmin; u8 scales[12]; u8 qh[32]; u8 qs[128] */
#define KB_Q6_K 210 /* u8 ql[128]; u8 qh[64]; i8 scales[16]; half d */
/* Q8_K activations: f32 d; i8 qs[256]; i16 bsums[16] (sum of each 16). */
#define KB_Q8_K 292
#define Q8K_QS 4
#define Q8K_BSUMS 260
#define Q6K_QH 128
#define Q6K_SC 192
#define Q6K_D 208

static inline float kern_half(const uint8_t *p) {
    return wick_f16_to_f32((uint16_t)(p[0] | p[1] << 8));
}

static inline float kern_f32(const uint8_t *p) {
    float f;
    memcpy(&f, p, 4);
    return f;
}

static inline int16_t kern_i16(const uint8_t *p) { return (int16_t)(uint16_t)(p[0] | p[1] << 8); }

static inline uint32_t kern_u32(const uint8_t *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Q4_K / Q5_K 6-bit scale and min of sub-block j (0..7) from scales[12]. */
static inline void kern_k4_scale_min(int j, const uint8_t *s, int *sc, int *m) {
    if (j < 4) {
        *sc = s[j] & 63;
        *m = s[j + 4] & 63;
    } else {
        *sc = (s[j + 4] & 0xF) | (s[j - 4] >> 6) << 4;
        *m = (s[j + 4] >> 4) | (s[j] >> 6) << 4;
    }
}

/* Scalar dot products (kernels_scalar.c). */
void kern_dot_f32_scalar(int64_t n, float *out, const void *w, const void *x);
void kern_dot_f16_scalar(int64_t n, float *out, const void *w, const void *x);
void kern_dot_bf16_scalar(int64_t n, float *out, const void *w, const void *x);
void kern_dot_q4_0_scalar(int64_t n, float *out, const void *w, const void *x);
void kern_dot_q4_1_scalar(int64_t n, float *out, const void *w, const void *x);
void kern_dot_q5_0_scalar(int64_t n, float *out, const void *w, const void *x);
void kern_dot_q5_1_scalar(int64_t n, float *out, const void *w, const void *x);
void kern_dot_q8_0_scalar(int64_t n, float *out, const void *w, const void *x);
void kern_dot_q4_k_scalar(int64_t n, float *out, const void *w, const void *x);
void kern_dot_q5_k_scalar(int64_t n, float *out, const void *w, const void *x);
void kern_dot_q6_k_scalar(int64_t n, float *out, const void *w, const void *x);

/* Attention helpers (kernels_scalar.c), the fallback for every table. */
float kern_dot_f32_f16_scalar(int64_t n, const float *x, const uint16_t *h);
void kern_axpy_f16_scalar(int64_t n, float a, const uint16_t *h, float *y);

/* Activation quantizer shared by every table (kernels.c): bit-exact with
 * ggml's reference quantize_row_q8_0 / quantize_row_q8_K. */
size_t kern_quantize_act_ref(uint32_t wtype, const float *x, void *out, int64_t n);

extern const kern_ops kern_ops_scalar;
#if defined(__x86_64__)
extern const kern_ops kern_ops_avx2;
#endif
#if defined(__ARM_NEON) && defined(__aarch64__)
extern const kern_ops kern_ops_neon;
#endif
#if defined(__wasm_simd128__)
extern const kern_ops kern_ops_simd128;
#endif

#endif
