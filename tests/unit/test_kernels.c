/* CPU kernels: every dot product of every compiled ISA against a float
 * reference built from src/quant's dequantizers, each SIMD table against
 * the scalar one, matvec/matmul row ranges and tiling, and the activation
 * quantizers (Q8_0 bit-exact with ggml's reference via src/quant; Q8_K
 * checked on hand-worked values). In a release build it also prints, not
 * asserts, the weight bytes per second kern_matvec streams. */
#include "test_harness.h"

#include "gguf/ggml_types.h"
#include "kernels/kernels.h"
#include "quant/fp16.h"
#include "quant/quant.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

static const uint32_t TYPES[] = {GGML_TYPE_F32,  GGML_TYPE_F16,  GGML_TYPE_BF16, GGML_TYPE_Q4_0,
                                 GGML_TYPE_Q4_1, GGML_TYPE_Q5_0, GGML_TYPE_Q5_1, GGML_TYPE_Q8_0,
                                 GGML_TYPE_Q4_K, GGML_TYPE_Q5_K, GGML_TYPE_Q6_K};
#define N_TYPES (sizeof TYPES / sizeof TYPES[0])

/* Dot products agree with the double-precision reference, and SIMD with
 * scalar, within this fraction of sum |w_i * x_i| (the float rounding of
 * per-block scale products and of a reordered sum over <= 4096 terms; the
 * integer parts are exact; observed worst case about 1.1e-7). */
#define DOT_RTOL 1e-6

static uint64_t rng_next(uint64_t *s) {
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

/* Uniform in [-1, 1), with an occasional outlier so scales vary per block. */
static float rng_float(uint64_t *s) {
    float f = (float)(rng_next(s) >> 40) / (float)(1 << 24) * 2.0f - 1.0f;
    if ((rng_next(s) & 63) == 0) f *= 8.0f;
    return f;
}

static size_t row_bytes(uint32_t type, int64_t n) {
    uint64_t b = 0;
    return ggml_type_row_bytes(type, (uint64_t)n, &b) ? (size_t)b : 0;
}

/* Activation block back to floats (the reference side). */
static void dequant_act(uint32_t wtype, const uint8_t *xq, float *out, int64_t n) {
    switch (kern_act_type(wtype)) {
    case GGML_TYPE_F32: memcpy(out, xq, (size_t)n * 4); break;
    case GGML_TYPE_Q8_0: dequantize_row(GGML_TYPE_Q8_0, xq, out, n); break;
    default: /* Q8_K: f32 d, i8 qs[256], i16 bsums[16] */
        for (int64_t b = 0; b < n / 256; b++) {
            const uint8_t *blk = xq + b * 292;
            float d;
            memcpy(&d, blk, 4);
            for (int j = 0; j < 256; j++) out[b * 256 + j] = d * (float)(int8_t)blk[4 + j];
        }
    }
}

static const kern_ops *isa_ops[KERN_ISA_COUNT];
static int n_isa;

static void collect_isas(void) {
    n_isa = 0;
    for (int i = 0; i < KERN_ISA_COUNT; i++) {
        const kern_ops *o = kern_ops_for((kern_isa)i);
        if (o) isa_ops[n_isa++] = o;
    }
}

static void test_dispatch(test_state *ts) {
    collect_isas();
    CHECK(ts, n_isa >= 1 && isa_ops[0]->isa == KERN_ISA_SCALAR);
    const kern_ops *best = kern_ops_best();
    CHECK(ts, best != NULL);
    printf("kernels: ISAs here:");
    for (int i = 0; i < n_isa; i++) printf(" %s", isa_ops[i]->name);
    printf(" (best: %s)\n", best->name);
    for (int i = 0; i < n_isa; i++) {
        for (size_t t = 0; t < N_TYPES; t++) CHECK(ts, isa_ops[i]->vec_dot[TYPES[t]] != NULL);
        CHECK(ts, isa_ops[i]->vec_dot[GGML_TYPE_Q2_K] == NULL);
    }
    CHECK(ts, kern_act_type(GGML_TYPE_Q4_1) == GGML_TYPE_Q8_0);
    CHECK(ts, kern_act_type(GGML_TYPE_Q6_K) == GGML_TYPE_Q8_K);
    CHECK(ts, kern_act_type(GGML_TYPE_BF16) == GGML_TYPE_F32);
    CHECK(ts, kern_act_type(GGML_TYPE_Q2_K) == GGML_TYPE_COUNT);
    CHECK(ts, kern_act_row_bytes(GGML_TYPE_Q4_0, 64) == 68);
    CHECK(ts, kern_act_row_bytes(GGML_TYPE_Q5_K, 512) == 584);
    CHECK(ts, kern_act_row_bytes(GGML_TYPE_F16, 3) == 12);
    CHECK(ts, kern_act_row_bytes(GGML_TYPE_Q4_K, 32) == 0); /* not a multiple of 256 */
    CHECK(ts, kern_act_row_bytes(GGML_TYPE_Q2_K, 256) == 0);
}

/* Q8_0 activations are src/quant's quantize_row (ggml's reference, bit
 * for bit) on every ISA; Q8_K follows quantize_row_q8_K_ref. */
static void test_quantize_act(test_state *ts) {
    collect_isas(); /* cases also run alone (argv filter) */
    uint64_t s = 0x1234567;
    enum { N = 1024 };
    float x[N];
    for (int i = 0; i < N; i++) x[i] = rng_float(&s);
    x[5] = 0; /* a zero block too */
    for (int i = 64; i < 96; i++) x[i] = 0;
    uint8_t ref[N / 32 * 34], got[N / 32 * 34];
    CHECK(ts, quantize_row(GGML_TYPE_Q8_0, x, ref, N));
    for (int i = 0; i < n_isa; i++) {
        memset(got, 0xAA, sizeof got);
        CHECK(ts, isa_ops[i]->quantize_act(GGML_TYPE_Q4_0, x, got, N) == sizeof got);
        CHECK_MSG(ts, memcmp(ref, got, sizeof got) == 0, "%s Q8_0 activations differ", isa_ops[i]->name);
    }
    /* Q8_0 ties: amax 127 makes d = 1, so x * id are the halves
     * themselves, which roundf takes away from zero (and 0.49999997 down) */
    float xt[64] = {127.0f, 2.5f, -2.5f, 0.5f, -0.5f, 1.5f, 0.49999997f, -126.5f, 125.5f, -0.49999997f};
    for (int i = 32; i < 64; i++) xt[i] = (float)(i - 48) * 0.37f;
    uint8_t tref[68], tgot[68];
    CHECK(ts, quantize_row(GGML_TYPE_Q8_0, xt, tref, 64));
    CHECK(ts, (int8_t)tref[3] == 3 && (int8_t)tref[4] == -3 && (int8_t)tref[5] == 1 && (int8_t)tref[8] == 0);
    for (int i = 0; i < n_isa; i++) {
        CHECK(ts, isa_ops[i]->quantize_act(GGML_TYPE_Q5_1, xt, tgot, 64) == sizeof tgot);
        CHECK_MSG(ts, memcmp(tref, tgot, sizeof tgot) == 0, "%s Q8_0 ties differ", isa_ops[i]->name);
    }
    /* Q8_K, worked by hand: the largest magnitude is +127, so iscale =
     * -127/127 = -1 and q = nearest_even(-x), clamped at 127. */
    float xk[256] = {127.0f, 2.5f, -3.5f, 0.5f, -127.0f, 1.49f};
    uint8_t k[292];
    for (int i = 0; i < n_isa; i++) {
        CHECK(ts, isa_ops[i]->quantize_act(GGML_TYPE_Q4_K, xk, k, 256) == 292);
        float d;
        memcpy(&d, k, 4);
        const int8_t *q = (const int8_t *)(k + 4);
        CHECK(ts, d == -1.0f);
        CHECK(ts, q[0] == -127 && q[1] == -2 && q[2] == 4 && q[3] == 0 && q[4] == 127 && q[5] == -1);
        int16_t b0, b1;
        memcpy(&b0, k + 260, 2);
        memcpy(&b1, k + 262, 2);
        CHECK(ts, b0 == -127 - 2 + 4 + 127 - 1 && b1 == 0);
    }
    /* all zero: d = 0, q = 0 */
    memset(xk, 0, sizeof xk);
    memset(k, 0x55, sizeof k);
    CHECK(ts, kern_ops_best()->quantize_act(GGML_TYPE_Q6_K, xk, k, 256) == 292);
    int nz = 0;
    for (int i = 0; i < 292; i++) nz += k[i] != 0;
    CHECK(ts, nz == 0);
    /* random: |x - d q| <= |d| / 2 and bsums are the sums of each 16 */
    float xr[512], back[512];
    uint8_t kr[584];
    for (int i = 0; i < 512; i++) xr[i] = rng_float(&s);
    kern_ops_best()->quantize_act(GGML_TYPE_Q5_K, xr, kr, 512);
    dequant_act(GGML_TYPE_Q5_K, kr, back, 512);
    int bad = 0;
    for (int b = 0; b < 2; b++) {
        float d;
        memcpy(&d, kr + 292 * b, 4);
        for (int i = 0; i < 256; i++) bad += fabsf(xr[256 * b + i] - back[256 * b + i]) > fabsf(d) * 0.5001f;
        for (int j = 0; j < 16; j++) {
            int sum = 0;
            for (int i = 0; i < 16; i++) sum += (int8_t)kr[292 * b + 4 + 16 * j + i];
            int16_t bs;
            memcpy(&bs, kr + 292 * b + 260 + 2 * j, 2);
            bad += bs != sum;
        }
    }
    CHECK(ts, bad == 0);
    /* every ISA's Q8_K bytes equal the scalar table's (ggml's reference),
     * on random rows of several scales, with the largest magnitude tied
     * between a negative and a later positive value, and with exact
     * rounding ties (x * iscale = k + 0.5) */
    for (int rep = 0; rep < 64; rep++) {
        const float sc = powf(10.0f, (float)(rep % 9) - 4.0f);
        for (int i = 0; i < 512; i++) xr[i] = rng_float(&s) * sc;
        if (rep % 4 == 1) {
            xr[7] = -2 * sc;
            xr[100] = 2 * sc;
        }
        if (rep % 4 == 2)
            for (int i = 0; i < 256; i++) xr[i] = (float)((int)(i % 64) - 32) + 0.5f * (i % 2);
        uint8_t want[584];
        isa_ops[0]->quantize_act(GGML_TYPE_Q4_K, xr, want, 512);
        for (int i = 1; i < n_isa; i++) {
            isa_ops[i]->quantize_act(GGML_TYPE_Q6_K, xr, kr, 512);
            CHECK_MSG(ts, memcmp(want, kr, sizeof kr) == 0, "%s Q8_K activations differ (rep %d)", isa_ops[i]->name, rep);
        }
    }
    /* unsupported type / bad length: nothing written, 0 returned */
    CHECK(ts, kern_ops_best()->quantize_act(GGML_TYPE_Q4_0, xr, kr, 33) == 0);
    CHECK(ts, kern_ops_best()->quantize_act(GGML_TYPE_Q2_K, xr, kr, 256) == 0);
}

/* Random weights of `type` for rows x n (through the reference quantizer)
 * and a random activation row; returns malloc'd buffers. */
typedef struct fixture {
    uint32_t type;
    int64_t n, rows;
    size_t rb, xb;
    uint8_t *w, *xq;
    float *wf, *xf; /* dequantized weights (rows x n), activations (n) */
} fixture;

static void fixture_make(fixture *f, uint32_t type, int64_t rows, int64_t n, uint64_t seed) {
    f->type = type;
    f->n = n;
    f->rows = rows;
    f->rb = row_bytes(type, n);
    f->xb = kern_act_row_bytes(type, n);
    f->w = malloc(f->rb * (size_t)rows);
    f->xq = malloc(f->xb);
    f->wf = malloc(sizeof(float) * (size_t)(n * rows));
    f->xf = malloc(sizeof(float) * (size_t)n);
    float *tmp = malloc(sizeof(float) * (size_t)n);
    uint64_t s = seed;
    for (int64_t r = 0; r < rows; r++) {
        for (int64_t i = 0; i < n; i++) tmp[i] = rng_float(&s) * (float)(1 + r % 3);
        quantize_row(type, tmp, f->w + (size_t)r * f->rb, n);
        dequantize_row(type, f->w + (size_t)r * f->rb, f->wf + r * n, n);
    }
    for (int64_t i = 0; i < n; i++) tmp[i] = rng_float(&s);
    isa_ops[0]->quantize_act(type, tmp, f->xq, n);
    dequant_act(type, f->xq, f->xf, n);
    free(tmp);
}

static void fixture_free(fixture *f) {
    free(f->w);
    free(f->xq);
    free(f->wf);
    free(f->xf);
}

static void ref_dot(const fixture *f, int64_t r, double *dot, double *mag) {
    double d = 0, m = 0;
    for (int64_t i = 0; i < f->n; i++) {
        const double p = (double)f->wf[r * f->n + i] * f->xf[i];
        d += p;
        m += fabs(p);
    }
    *dot = d;
    *mag = m;
}

static void test_vec_dot(test_state *ts) {
    collect_isas(); /* cases also run alone (argv filter) */
    for (size_t t = 0; t < N_TYPES; t++) {
        const uint32_t type = TYPES[t];
        const int64_t blk = ggml_type_get(type)->block_size;
        const int64_t ns[] = {blk == 1 ? 32 : blk, blk == 1 ? 37 : blk * 3, 4096};
        double worst[KERN_ISA_COUNT] = {0}, worst_vs_scalar[KERN_ISA_COUNT] = {0};
        for (size_t k = 0; k < sizeof ns / sizeof ns[0]; k++) {
            fixture f;
            fixture_make(&f, type, 5, ns[k], 0x9E3779B97F4A7C15ull + t * 7 + k);
            for (int64_t r = 0; r < f.rows; r++) {
                double ref, mag;
                ref_dot(&f, r, &ref, &mag);
                float scalar = NAN;
                for (int i = 0; i < n_isa; i++) {
                    float got = NAN;
                    isa_ops[i]->vec_dot[type](f.n, &got, f.w + (size_t)r * f.rb, f.xq);
                    if (i == 0) scalar = got;
                    const double err = fabs(got - ref) / (mag + 1e-30);
                    const double errs = fabs((double)got - scalar) / (mag + 1e-30);
                    if (err > worst[i]) worst[i] = err;
                    if (errs > worst_vs_scalar[i]) worst_vs_scalar[i] = errs;
                    CHECK_MSG(ts, err <= DOT_RTOL, "%s %s n=%lld row %lld: %.9g vs ref %.9g (rel %.3g)",
                              isa_ops[i]->name, ggml_type_get(type)->name, (long long)f.n,
                              (long long)r, got, ref, err);
                    CHECK_MSG(ts, errs <= DOT_RTOL, "%s %s n=%lld: %.9g vs scalar %.9g", isa_ops[i]->name,
                              ggml_type_get(type)->name, (long long)f.n, got, scalar);
                }
            }
            fixture_free(&f);
        }
        printf("  %-5s max |err|/sum|w*x|:", ggml_type_get(type)->name);
        for (int i = 0; i < n_isa; i++)
            printf(" %s vs ref %.2e, vs scalar %.2e;", isa_ops[i]->name, worst[i], worst_vs_scalar[i]);
        printf(" (tolerance %.0e)\n", DOT_RTOL);
    }
}

/* Weight blocks of random bytes (every bit pattern: Q8_0 -128, Q6_K
 * scale -128, full 6-bit k-quant scales and mins, all fifth bits) with
 * finite random f16 scale fields, against the same reference. */
static void test_vec_dot_random_bits(test_state *ts) {
    collect_isas();
    static const struct { uint32_t type; int half_at[2]; } Q[] = {
        {GGML_TYPE_Q4_0, {0, -1}}, {GGML_TYPE_Q4_1, {0, 2}}, {GGML_TYPE_Q5_0, {0, -1}},
        {GGML_TYPE_Q5_1, {0, 2}},  {GGML_TYPE_Q8_0, {0, -1}}, {GGML_TYPE_Q4_K, {0, 2}},
        {GGML_TYPE_Q5_K, {0, 2}},  {GGML_TYPE_Q6_K, {208, -1}},
    };
    uint64_t s = 0xC0FFEE;
    for (size_t t = 0; t < sizeof Q / sizeof Q[0]; t++) {
        const ggml_type_traits *tr = ggml_type_get(Q[t].type);
        fixture f;
        fixture_make(&f, Q[t].type, 4, 1024, 31 + t);
        for (size_t i = 0; i < f.rb * (size_t)f.rows; i++) f.w[i] = (uint8_t)rng_next(&s);
        for (size_t b = 0; b < f.rb * (size_t)f.rows / tr->type_size; b++) {
            for (int h = 0; h < 2; h++) {
                if (Q[t].half_at[h] < 0) continue;
                const uint16_t v = wick_f32_to_f16(rng_float(&s) * 0.01f);
                f.w[b * tr->type_size + (size_t)Q[t].half_at[h]] = (uint8_t)v;
                f.w[b * tr->type_size + (size_t)Q[t].half_at[h] + 1] = (uint8_t)(v >> 8);
            }
        }
        for (int64_t r = 0; r < f.rows; r++) dequantize_row(f.type, f.w + (size_t)r * f.rb, f.wf + r * f.n, f.n);
        double worst = 0;
        for (int64_t r = 0; r < f.rows; r++) {
            double ref, mag;
            ref_dot(&f, r, &ref, &mag);
            for (int i = 0; i < n_isa; i++) {
                float got = NAN;
                isa_ops[i]->vec_dot[f.type](f.n, &got, f.w + (size_t)r * f.rb, f.xq);
                const double err = fabs(got - ref) / (mag + 1e-30);
                if (err > worst) worst = err;
                CHECK_MSG(ts, err <= DOT_RTOL, "%s %s random bytes row %lld: %.9g vs ref %.9g",
                          isa_ops[i]->name, tr->name, (long long)r, got, ref);
            }
        }
        printf("  %-5s random-byte blocks: max |err|/sum|w*x| over all ISAs %.2e\n", tr->name, worst);
        fixture_free(&f);
    }
}

/* Row ranges write exactly y[r0..r1); a batch equals one token at a time bit
 * for bit (with tiles: where the table decodes with them too); matmul
 * equals matvec per token bit
 * for bit (same dot arithmetic, only the loop order differs), except with
 * an 8-row prefill tile (tile_8x4), whose per-block float order differs:
 * then within DOT_RTOL of sum |w*x| of the matvec result. */
static void test_matvec_matmul(test_state *ts) {
    collect_isas(); /* cases also run alone (argv filter) */
    enum { ROWS = 37, T = 9 };
    for (size_t t = 0; t < N_TYPES; t++) {
        const uint32_t type = TYPES[t];
        const int64_t n = ggml_type_get(type)->block_size == 1 ? 96 : 2 * (int64_t)ggml_type_get(type)->block_size;
        fixture f;
        fixture_make(&f, type, ROWS, n, 77 + t);
        uint8_t *X = malloc(f.xb * T);
        uint64_t s = 99 + t;
        float xrow[512];
        for (int tok = 0; tok < T; tok++) {
            for (int64_t i = 0; i < n; i++) xrow[i] = rng_float(&s);
            isa_ops[0]->quantize_act(type, xrow, X + f.xb * (size_t)tok, n);
        }
        for (int i = 0; i < n_isa; i++) {
            const kern_ops *o = isa_ops[i];
            float y[ROWS + 2];
            for (int r = 0; r < ROWS + 2; r++) y[r] = -7.0f;
            kern_matvec(o, type, f.w, f.rb, 3, ROWS - 1, n, f.xq, y);
            int bad = 0;
            for (int r = 0; r < ROWS + 2; r++) {
                if (r < 3 || r >= ROWS - 1) {
                    bad += y[r] != -7.0f;
                } else {
                    float d;
                    o->vec_dot[type](n, &d, f.w + (size_t)r * f.rb, f.xq);
                    bad += y[r] != d;
                }
            }
            CHECK_MSG(ts, bad == 0, "%s %s matvec rows", o->name, ggml_type_get(type)->name);
            const int64_t ldy = ROWS + 3;
            static const int counts[] = {1, 3, 4, 7, 9}; /* 4x kernel: none, one, one + tail, two + tail */
            for (size_t c = 0; c < sizeof counts / sizeof counts[0]; c++) {
                const int nt = counts[c];
                float Y[T * (ROWS + 3)];
                for (size_t q = 0; q < sizeof Y / sizeof Y[0]; q++) Y[q] = -7.0f;
                kern_matmul(o, type, f.w, f.rb, 1, ROWS, n, X, f.xb, nt, Y, ldy);
                bad = 0;
                for (int tok = 0; tok < T; tok++) {
                    float yv[ROWS], y1[ROWS];
                    kern_matvec(o, type, f.w, f.rb, 0, ROWS, n, X + f.xb * (size_t)tok, yv);
                    /* the same rows as a batch of one: bit for bit (a token
                     * decoded alone or in a batch gives the same logits) */
                    kern_matmul(o, type, f.w, f.rb, 1, ROWS, n, X + f.xb * (size_t)tok, f.xb, 1, y1, ROWS);
                    for (int r = 0; r < ldy; r++) {
                        const float got = Y[tok * ldy + r];
                        if (tok >= nt || r < 1 || r >= ROWS) {
                            bad += got != -7.0f;
                            continue;
                        }
                        if (!o->tile_8x4[type] || o->tile_decode || nt == 1) bad += got != y1[r];
                        if (o->tile_8x4[type]) {
                            float xd[512];
                            dequant_act(type, X + f.xb * (size_t)tok, xd, n);
                            double mag = 0;
                            for (int64_t j = 0; j < n; j++) mag += fabs((double)f.wf[r * n + j] * xd[j]);
                            bad += !(fabs((double)got - yv[r]) <= DOT_RTOL * (mag + 1e-30));
                        } else {
                            bad += got != yv[r];
                        }
                    }
                }
                CHECK_MSG(ts, bad == 0, "%s %s matmul %d tokens: %d mismatches", o->name,
                          ggml_type_get(type)->name, nt, bad);
            }
        }
        free(X);
        fixture_free(&f);
    }
}

/* Attention helpers over f16 rows: every table has them, and each equals
 * a double-precision reference within float rounding (1e-5 of sum |x h|). */
static void test_attn_f16(test_state *ts) {
    collect_isas();
    static const int64_t lens[] = {1, 7, 8, 16, 64, 72, 128, 131};
    uint64_t s = 4242;
    for (size_t li = 0; li < sizeof lens / sizeof lens[0]; li++) {
        const int64_t n = lens[li];
        float x[160], y0[160], hf[160];
        uint16_t h[160];
        for (int64_t i = 0; i < n; i++) {
            x[i] = rng_float(&s);
            h[i] = wick_f32_to_f16(rng_float(&s));
            hf[i] = wick_f16_to_f32(h[i]);
            y0[i] = rng_float(&s);
        }
        double ref = 0, mag = 0;
        for (int64_t i = 0; i < n; i++) {
            ref += (double)x[i] * hf[i];
            mag += fabs((double)x[i] * hf[i]);
        }
        for (int k = 0; k < n_isa; k++) {
            const kern_ops *o = isa_ops[k];
            CHECK_MSG(ts, o->dot_f32_f16 && o->axpy_f16, "%s has attention helpers", o->name);
            if (!o->dot_f32_f16 || !o->axpy_f16) continue;
            const float d = o->dot_f32_f16(n, x, h);
            CHECK_MSG(ts, fabs(d - ref) <= 1e-5 * mag + 1e-30, "%s dot_f32_f16 n=%lld: %g vs %g", o->name,
                      (long long)n, (double)d, ref);
            float y[160];
            memcpy(y, y0, sizeof y);
            o->axpy_f16(n, 0.37f, h, y);
            int bad = 0;
            for (int64_t i = 0; i < n; i++) {
                const double want = y0[i] + 0.37 * hf[i];
                bad += fabs(y[i] - want) > 1e-6 * (fabs(y0[i]) + fabs(0.37 * hf[i])) + 1e-30;
            }
            CHECK_MSG(ts, bad == 0, "%s axpy_f16 n=%lld: %d bad", o->name, (long long)n, bad);
        }
    }
}

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define KERN_SANITIZED 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define KERN_SANITIZED 1
#endif

#ifndef KERN_SANITIZED
static double now_s(void) {
    struct timespec tsp;
    timespec_get(&tsp, TIME_UTC);
    return (double)tsp.tv_sec + tsp.tv_nsec * 1e-9;
}
#endif

/* GB/s of weights kern_matvec streams over a 2048 x 2048 matrix, single
 * thread. Printed only (timing is not a correctness property). */
static void test_throughput(test_state *ts) {
    collect_isas(); /* cases also run alone (argv filter) */
#ifdef KERN_SANITIZED
    (void)ts;
    printf("kernels: throughput table skipped (sanitizer build)\n");
#else
    if (getenv("WICK_KERNELS_NO_BENCH")) { /* e.g. under an emulator */
        printf("kernels: throughput table skipped (WICK_KERNELS_NO_BENCH)\n");
        return;
    }
    enum { N = 2048, R = 2048 };
    printf("kernels: kern_matvec %dx%d, 1 thread, GB/s of weights (best ms per matvec)\n", R, N);
    printf("  %-6s", "type");
    for (int i = 0; i < n_isa; i++) printf(" %18s", isa_ops[i]->name);
    printf("\n");
    float *x = malloc(sizeof(float) * N), *y = malloc(sizeof(float) * R);
    uint64_t s = 5;
    for (int i = 0; i < N; i++) x[i] = rng_float(&s);
    for (size_t t = 0; t < N_TYPES; t++) {
        const uint32_t type = TYPES[t];
        const size_t rb = row_bytes(type, N);
        uint8_t *W = malloc(rb * R), *xq = malloc(kern_act_row_bytes(type, N));
        quantize_row(type, x, W, N); /* one row, repeated: speed does not depend on values */
        for (int r = 1; r < R; r++) memcpy(W + rb * (size_t)r, W, rb);
        printf("  %-6s", ggml_type_get(type)->name);
        for (int i = 0; i < n_isa; i++) {
            isa_ops[i]->quantize_act(type, x, xq, N);
            kern_matvec(isa_ops[i], type, W, rb, 0, R, N, xq, y); /* warm */
            /* fastest of the runs in 60 ms: the machine may be shared */
            int reps = 0;
            const double t0 = now_s();
            double per = 1e9, t1 = t0;
            do {
                kern_matvec(isa_ops[i], type, W, rb, 0, R, N, xq, y);
                const double t2 = now_s();
                if (t2 - t1 < per) per = t2 - t1;
                t1 = t2;
                reps++;
            } while (t1 - t0 < 0.06 && reps < 1000);
            printf(" %9.2f (%6.2fms)", (double)(rb * R) / per * 1e-9, per * 1e3);
            CHECK(ts, isfinite(y[0]));
        }
        printf("\n");
        /* prefill: one kern_matmul over 16 tokens vs 16 kern_matvec calls */
        enum { T = 16 };
        const size_t xb = kern_act_row_bytes(type, N);
        uint8_t *X = malloc(xb * T);
        float *Y = malloc(sizeof(float) * R * T);
        printf("  %-6s", "  x16");
        for (int i = 0; i < n_isa; i++) {
            for (int k = 0; k < T; k++) isa_ops[i]->quantize_act(type, x, X + xb * k, N);
            double best_mm = 1e9, best_mv = 1e9;
            for (int rep = 0; rep < 2; rep++) {
                double t0 = now_s();
                kern_matmul(isa_ops[i], type, W, rb, 0, R, N, X, xb, T, Y, R);
                double t1 = now_s();
                for (int k = 0; k < T; k++) kern_matvec(isa_ops[i], type, W, rb, 0, R, N, X + xb * k, Y + k * R);
                double t2 = now_s();
                if (t1 - t0 < best_mm) best_mm = t1 - t0;
                if (t2 - t1 < best_mv) best_mv = t2 - t1;
            }
            printf(" %7.2fms/%6.2fms", best_mm * 1e3, best_mv * 1e3);
        }
        printf("   (16 tokens: kern_matmul / 16 x kern_matvec)\n");
        free(X);
        free(Y);
        free(W);
        free(xq);
    }
    free(x);
    free(y);
#endif
}

TEST_MAIN("kernels", TEST(test_dispatch), TEST(test_quantize_act), TEST(test_vec_dot), TEST(test_vec_dot_random_bits),
          TEST(test_matvec_matmul), TEST(test_attn_f16), TEST(test_throughput))
