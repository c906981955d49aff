/* Reference (scalar) quantization for the ggml block formats that test
 * models use: F32, F16, BF16, Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, Q4_K, Q5_K,
 * Q6_K. Block layouts are ggml's (ggml-common.h), so dequantize_row gives
 * the same floats, bit for bit, as ggml's dequantize_row_* and gguf-py's
 * gguf.quants.dequantize. quantize_row follows ggml's reference quantizers
 * (the path llama-quantize takes without an importance matrix); for the
 * legacy types it matches them bit for bit.
 *
 * `n` is the number of floats; it must be a multiple of the type's block
 * size (ggml_type_get(type)->block_size). Blocks take
 * ggml_type_row_bytes(type, n) bytes. */
#ifndef WICK_QUANT_QUANT_H
#define WICK_QUANT_QUANT_H

#include <stdbool.h>
#include <stdint.h>

/* true for the types listed above */
bool quant_type_supported(uint32_t type);

/* false (and nothing written) if the type is unsupported or n is not a
 * multiple of its block size */
bool quantize_row(uint32_t type, const float *x, void *blocks, int64_t n);
bool dequantize_row(uint32_t type, const void *blocks, float *y, int64_t n);

/* The type llama.cpp's quantizer actually writes for a row of `n_per_row`
 * elements when asked for `type`: k-quants need rows that are a multiple
 * of 256 and fall back (Q4_K -> Q5_0, Q5_K -> Q5_1, Q6_K -> Q8_0), then to
 * F16 when even the fallback's block size does not divide the row. Legacy
 * types (block 32) fall back to F16 directly. */
uint32_t quant_fallback_type(uint32_t type, int64_t n_per_row);

#endif
