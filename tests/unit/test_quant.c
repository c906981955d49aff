/* Reference quantizers: f16/bf16 conversions on hand-checked values,
 * quantization error (relative RMSE) per type on seeded Gaussian data with
 * bounds, exact cases (zeros, values on the grid), argument checks and the
 * llama.cpp fallback types. Bit-exactness against ggml and gguf-py is
 * checked by tests/conformance/quant.sh. */
#include "quant/quant.h"

#include "gguf/ggml_types.h"
#include "quant/fp16.h"
#include "test_harness.h"

#include <math.h>
#include <stdlib.h>

static void test_fp16(test_state *ts) {
    static const struct {
        float f;
        uint16_t h;
    } cases[] = {
        {0.0f, 0x0000},       {-0.0f, 0x8000},        {1.0f, 0x3C00},
        {-2.0f, 0xC000},      {0.1f, 0x2E66},         {65504.0f, 0x7BFF},
        {65519.0f, 0x7BFF},   {65520.0f, 0x7C00},     {1e10f, 0x7C00},
        {-INFINITY, 0xFC00},  {6.1035156e-05f, 0x0400}, /* smallest normal */
        {5.9604645e-08f, 0x0001},                     /* 2^-24, smallest subnormal */
        {2.9802322e-08f, 0x0000},                     /* 2^-25: tie, rounds to even 0 */
        {2.9802326e-08f, 0x0001},                     /* just above the tie */
        {8.940697e-08f, 0x0002},                      /* 1.5 * 2^-24: tie, rounds to even 2 */
        {1.00048828125f, 0x3C00},                     /* 1 + 2^-11: tie, to even */
        {1.00146484375f, 0x3C02},                     /* 1 + 3 * 2^-11: tie, to even (up) */
        {6.097555e-05f, 0x03FF},                      /* largest subnormal */
        {3.14159265f, 0x4248},
    };
    int bad = 0;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint16_t h = wick_f32_to_f16(cases[i].f);
        if (h != cases[i].h) {
            bad++;
            fprintf(stderr, "f16(%g) = 0x%04X, want 0x%04X\n", cases[i].f, h, cases[i].h);
        }
    }
    CHECK(ts, bad == 0);
    /* NaN stays NaN (quiet), sign kept */
    uint16_t hn = wick_f32_to_f16(-NAN);
    CHECK(ts, (hn & 0x7C00) == 0x7C00 && (hn & 0x3FF) != 0 && (hn & 0x8000));
    CHECK(ts, isnan(wick_f16_to_f32(0x7E00)));
    CHECK(ts, wick_f16_to_f32(0x7C00) == INFINITY && wick_f16_to_f32(0xFC00) == -INFINITY);
    /* every finite half converts to float and back unchanged */
    int rt = 0;
    for (uint32_t h = 0; h < 0x10000; h++) {
        if ((h & 0x7C00) == 0x7C00) continue;
        if (wick_f32_to_f16(wick_f16_to_f32((uint16_t)h)) != h) rt++;
    }
    CHECK_MSG(ts, rt == 0, "%d halves did not round-trip", rt);
    CHECK(ts, wick_f16_to_f32(0x0001) == ldexpf(1.0f, -24));
    CHECK(ts, wick_f16_to_f32(0x3555) == 0.333251953125f);

    /* bfloat16 */
    CHECK(ts, wick_f32_to_bf16(1.0f) == 0x3F80);
    CHECK(ts, wick_f32_to_bf16(-2.0f) == 0xC000);
    CHECK(ts, wick_f32_to_bf16(wick_f32_from_bits(0x3F808000)) == 0x3F80); /* tie to even (down) */
    CHECK(ts, wick_f32_to_bf16(wick_f32_from_bits(0x3F818000)) == 0x3F82); /* tie to even (up) */
    CHECK(ts, wick_f32_to_bf16(wick_f32_from_bits(0x3F808001)) == 0x3F81);
    CHECK(ts, wick_f32_to_bf16(3.4028235e38f) == 0x7F80);                  /* FLT_MAX rounds to inf */
    CHECK(ts, wick_f32_to_bf16(INFINITY) == 0x7F80);
    uint16_t bn = wick_f32_to_bf16(wick_f32_from_bits(0x7F800001)); /* signalling NaN stays NaN */
    CHECK(ts, (bn & 0x7F80) == 0x7F80 && (bn & 0x7F) != 0);
    CHECK(ts, wick_bf16_to_f32(0x4049) == 3.140625f);
    printf("fp16: %zu f16 cases, 63488 half round trips (%d failures), 10 bf16 cases\n",
           sizeof cases / sizeof cases[0], rt);
}

/* xorshift64* and Box-Muller: deterministic Gaussian test data */
static double gauss(uint64_t *s) {
    double u[2];
    for (int k = 0; k < 2; k++) {
        *s ^= *s >> 12;
        *s ^= *s << 25;
        *s ^= *s >> 27;
        u[k] = ((*s * 2685821657736338717ull) >> 11) * (1.0 / 9007199254740992.0);
    }
    return sqrt(-2.0 * log(u[0] + 1e-300)) * cos(6.283185307179586 * u[1]);
}

static void test_rmse(test_state *ts) {
    static const struct {
        uint32_t type;
        double max_rmse; /* relative to the data's RMS; measured values are ~0.8x these */
    } types[] = {
        {GGML_TYPE_F32, 0.0},     {GGML_TYPE_F16, 0.0005},  {GGML_TYPE_BF16, 0.003},
        {GGML_TYPE_Q8_0, 0.008},  {GGML_TYPE_Q6_K, 0.022},  {GGML_TYPE_Q5_1, 0.045},
        {GGML_TYPE_Q5_0, 0.055},  {GGML_TYPE_Q5_K, 0.042},  {GGML_TYPE_Q4_1, 0.09},
        {GGML_TYPE_Q4_0, 0.10},   {GGML_TYPE_Q4_K, 0.082},
    };
    enum { N = 256 * 64 };
    float *x = malloc(N * sizeof *x), *y = malloc(N * sizeof *y);
    uint8_t *q = malloc(N * 4);
    uint64_t seed = 0x9E3779B97F4A7C15ull;
    for (int i = 0; i < N; i++) x[i] = (float)(0.02 * gauss(&seed));
    double rms = 0;
    for (int i = 0; i < N; i++) rms += (double)x[i] * x[i];
    rms = sqrt(rms / N);
    printf("relative RMSE on %d Gaussian values (sigma 0.02):\n", N);
    for (size_t t = 0; t < sizeof types / sizeof types[0]; t++) {
        uint32_t type = types[t].type;
        uint64_t bytes;
        CHECK(ts, ggml_type_row_bytes(type, N, &bytes));
        memset(q, 0xAB, N * 4);
        CHECK(ts, quantize_row(type, x, q, N));
        CHECK(ts, dequantize_row(type, q, y, N));
        double se = 0;
        for (int i = 0; i < N; i++) se += ((double)y[i] - x[i]) * ((double)y[i] - x[i]);
        double rel = sqrt(se / N) / rms;
        printf("  %-5s %7.5f  (bound %.4f, %.3f bits/value)\n", ggml_type_get(type)->name, rel,
               types[t].max_rmse, 8.0 * (double)bytes / N);
        CHECK_MSG(ts, rel <= types[t].max_rmse, "%s: relative RMSE %.5f > %.4f",
                  ggml_type_get(type)->name, rel, types[t].max_rmse);
    }
    free(x);
    free(y);
    free(q);
}

static void test_exact_cases(test_state *ts) {
    static const uint32_t types[] = {GGML_TYPE_Q4_0, GGML_TYPE_Q4_1, GGML_TYPE_Q5_0, GGML_TYPE_Q5_1,
                                     GGML_TYPE_Q8_0, GGML_TYPE_Q4_K, GGML_TYPE_Q5_K, GGML_TYPE_Q6_K,
                                     GGML_TYPE_F16, GGML_TYPE_BF16};
    float x[256], y[256];
    uint8_t q[1024];
    int bad_zero = 0, bad_grid = 0;
    for (size_t t = 0; t < sizeof types / sizeof types[0]; t++) {
        uint32_t type = types[t];
        /* zeros stay zeros */
        memset(x, 0, sizeof x);
        CHECK(ts, quantize_row(type, x, q, 256) && dequantize_row(type, q, y, 256));
        for (int i = 0; i < 256; i++) bad_zero += y[i] != 0;
    }
    /* values already on a type's grid come back exactly: integers whose
     * range makes the block scale exactly 1 (0.5 for Q5_0) */
    static const struct {
        uint32_t type;
        int lo, hi; /* integers lo..hi, both present in every block */
    } grids[] = {
        {GGML_TYPE_Q4_0, -8, 7}, {GGML_TYPE_Q4_1, -3, 12}, {GGML_TYPE_Q5_0, -8, 7},
        {GGML_TYPE_Q5_1, 5, 36}, {GGML_TYPE_Q8_0, -127, 100}, {GGML_TYPE_F16, -2048, 2048},
        {GGML_TYPE_BF16, -256, 256},
    };
    for (size_t g = 0; g < sizeof grids / sizeof grids[0]; g++) {
        int span = grids[g].hi - grids[g].lo + 1;
        for (int i = 0; i < 256; i++) x[i] = (float)(grids[g].lo + (i * 7) % span);
        for (int blk = 0; blk < 256; blk += 32) { /* force both extremes into each block */
            x[blk] = (float)grids[g].lo;
            x[blk + 1] = (float)grids[g].hi;
        }
        CHECK(ts, quantize_row(grids[g].type, x, q, 256) && dequantize_row(grids[g].type, q, y, 256));
        for (int i = 0; i < 256; i++) {
            if (y[i] != x[i]) {
                bad_grid++;
                fprintf(stderr, "%s: x[%d] = %g -> %g\n", ggml_type_get(grids[g].type)->name, i, x[i], y[i]);
                break;
            }
        }
    }
    CHECK_MSG(ts, bad_zero == 0, "%d zero values changed", bad_zero);
    CHECK_MSG(ts, bad_grid == 0, "%d types moved values that are on their grid", bad_grid);
    printf("exact cases: %zu types keep zeros (%d changed), %zu types keep grid values (%d failed)\n",
           sizeof types / sizeof types[0], bad_zero, sizeof grids / sizeof grids[0], bad_grid);
    /* bad arguments */
    CHECK(ts, !quantize_row(GGML_TYPE_Q4_0, x, q, 48));
    CHECK(ts, !dequantize_row(GGML_TYPE_Q4_K, q, y, 128));
    CHECK(ts, !quantize_row(GGML_TYPE_IQ2_XXS, x, q, 256));
    CHECK(ts, !quantize_row(GGML_TYPE_Q8_0, x, q, -32));
    CHECK(ts, quant_type_supported(GGML_TYPE_Q6_K) && !quant_type_supported(GGML_TYPE_Q3_K));
}

static void test_fallback(test_state *ts) {
    CHECK(ts, quant_fallback_type(GGML_TYPE_Q4_K, 256) == GGML_TYPE_Q4_K);
    CHECK(ts, quant_fallback_type(GGML_TYPE_Q4_K, 64) == GGML_TYPE_Q5_0);
    CHECK(ts, quant_fallback_type(GGML_TYPE_Q5_K, 96) == GGML_TYPE_Q5_1);
    CHECK(ts, quant_fallback_type(GGML_TYPE_Q6_K, 320) == GGML_TYPE_Q8_0);
    CHECK(ts, quant_fallback_type(GGML_TYPE_Q6_K, 48) == GGML_TYPE_F16);
    CHECK(ts, quant_fallback_type(GGML_TYPE_Q4_0, 48) == GGML_TYPE_F16);
    CHECK(ts, quant_fallback_type(GGML_TYPE_Q8_0, 64) == GGML_TYPE_Q8_0);
    CHECK(ts, quant_fallback_type(GGML_TYPE_F32, 3) == GGML_TYPE_F32);
}

TEST_MAIN("quant", TEST(test_fp16), TEST(test_rmse), TEST(test_exact_cases), TEST(test_fallback))
