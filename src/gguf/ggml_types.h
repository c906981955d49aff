/* The ggml tensor types that GGUF files use: ids, names and block layout.
 * A tensor row of n elements of type t takes n / block_size * type_size
 * bytes; n must be a multiple of block_size. */
#ifndef WICK_GGUF_GGML_TYPES_H
#define WICK_GGUF_GGML_TYPES_H

#include <stdbool.h>
#include <stdint.h>

typedef enum ggml_type {
    GGML_TYPE_F32 = 0,
    GGML_TYPE_F16 = 1,
    GGML_TYPE_Q4_0 = 2,
    GGML_TYPE_Q4_1 = 3,
    GGML_TYPE_Q5_0 = 6,
    GGML_TYPE_Q5_1 = 7,
    GGML_TYPE_Q8_0 = 8,
    GGML_TYPE_Q8_1 = 9,
    GGML_TYPE_Q2_K = 10,
    GGML_TYPE_Q3_K = 11,
    GGML_TYPE_Q4_K = 12,
    GGML_TYPE_Q5_K = 13,
    GGML_TYPE_Q6_K = 14,
    GGML_TYPE_Q8_K = 15,
    GGML_TYPE_IQ2_XXS = 16,
    GGML_TYPE_IQ2_XS = 17,
    GGML_TYPE_IQ3_XXS = 18,
    GGML_TYPE_IQ1_S = 19,
    GGML_TYPE_IQ4_NL = 20,
    GGML_TYPE_IQ3_S = 21,
    GGML_TYPE_IQ2_S = 22,
    GGML_TYPE_IQ4_XS = 23,
    GGML_TYPE_I8 = 24,
    GGML_TYPE_I16 = 25,
    GGML_TYPE_I32 = 26,
    GGML_TYPE_I64 = 27,
    GGML_TYPE_F64 = 28,
    GGML_TYPE_IQ1_M = 29,
    GGML_TYPE_BF16 = 30,
    GGML_TYPE_TQ1_0 = 34,
    GGML_TYPE_TQ2_0 = 35,
    GGML_TYPE_MXFP4 = 39,
    GGML_TYPE_COUNT = 40 /* one past the largest id; gaps are retired types */
} ggml_type;

typedef struct ggml_type_traits {
    const char *name;    /* as ggml prints it: "q4_K", "bf16" */
    uint32_t block_size; /* elements per block */
    uint32_t type_size;  /* bytes per block */
} ggml_type_traits;

/* NULL for ids that are out of range or retired. */
const ggml_type_traits *ggml_type_get(uint32_t type);

/* Bytes for `n_elements` of `type`; false if the type is unknown, n is not a
 * multiple of the block size, or the result overflows. */
bool ggml_type_row_bytes(uint32_t type, uint64_t n_elements, uint64_t *bytes);

#endif
