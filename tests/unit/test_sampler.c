/* Sampler chain and stop-string matcher. Distributions are crafted so the
 * expected kept sets are far from floating-point boundaries; everything is
 * seeded, so each statistical check is deterministic (and was chosen with
 * a bound that a correct sampler passes with overwhelming probability for
 * any seed). */
#include "sampling/sampler.h"

#include "test_harness.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

static wick_sampler *mk(test_state *ts, int32_t n_vocab, const wick_sampler_params *p) {
    wick_sampler *s = NULL;
    wick_error err = {0};
    wick_status st = wick_sampler_new(n_vocab, p, &s, &err);
    CHECK_MSG(ts, st == WICK_OK, "%s", err.message);
    return s;
}

static int32_t draw(test_state *ts, wick_sampler *s, const float *logits) {
    wick_sample_result r;
    wick_error err = {0};
    wick_status st = wick_sampler_sample(s, logits, &r, &err);
    CHECK_MSG(ts, st == WICK_OK, "%s", err.message);
    return st == WICK_OK ? r.token : -1;
}

/* Deterministic pseudo-random logits in [-lo, hi). */
static void fill_logits(float *l, int32_t n, uint32_t seed, float scale) {
    uint32_t x = seed * 2654435761u + 1;
    for (int32_t i = 0; i < n; i++) {
        x = x * 1664525u + 1013904223u;
        l[i] = ((float)(x >> 8) / 16777216.0f - 0.5f) * scale;
    }
}

/* Draws `n` samples and counts hits per token into counts[n_vocab]. */
static void histogram(test_state *ts, wick_sampler *s, const float *logits, int32_t n_vocab,
                      int n, int *counts) {
    memset(counts, 0, (size_t)n_vocab * sizeof *counts);
    for (int i = 0; i < n; i++) {
        int32_t t = draw(ts, s, logits);
        if (t >= 0 && t < n_vocab) counts[t]++;
    }
}

/* Checks that the drawn set is exactly `expect` (a 0/1 mask). */
static bool same_set(const int *counts, const int *expect, int32_t n) {
    for (int32_t i = 0; i < n; i++)
        if ((counts[i] > 0) != (expect[i] != 0)) return false;
    return true;
}

static void test_greedy(test_state *ts) {
    wick_sampler_params p;
    wick_sampler_params_default(&p);
    p.temperature = 0.0f;
    wick_sampler *s = mk(ts, 6, &p);
    if (!s) return;
    float l1[6] = {0.1f, 2.0f, -3.0f, 1.9f, 2.0f, 0.0f};
    CHECK(ts, draw(ts, s, l1) == 1); /* tie 1 vs 4: lowest id */
    float l2[6] = {-INFINITY, NAN, -5.0f, -4.0f, NAN, -4.5f};
    CHECK(ts, draw(ts, s, l2) == 3); /* NaN is never chosen */
    float l3[6] = {NAN, NAN, NAN, NAN, NAN, NAN};
    wick_sample_result r;
    wick_error err = {0};
    CHECK(ts, wick_sampler_sample(s, l3, &r, &err) == WICK_ERR_INVALID_ARG);
    CHECK(ts, strstr(err.message, "no token can be sampled") != NULL);
    wick_sampler_free(s);
}

/* +inf logits, subnormal temperature, huge biases: defined answers. */
static void test_extremes(test_state *ts) {
    wick_sampler_params p;
    wick_sampler_params_default(&p);
    p.seed = 3;
    wick_sampler *s = mk(ts, 4, &p);
    if (!s) return;
    float l1[4] = {1.0f, 2.0f, INFINITY, 0.0f};
    int counts[4];
    histogram(ts, s, l1, 4, 200, counts);
    CHECK(ts, counts[2] == 200); /* +inf acts as FLT_MAX: everything else weighs 0 */
    float l2[4] = {INFINITY, 2.0f, INFINITY, NAN};
    histogram(ts, s, l2, 4, 400, counts);
    CHECK(ts, counts[0] > 100 && counts[2] > 100 && counts[0] + counts[2] == 400);
    wick_sampler_free(s);

    p.temperature = 1e-40f; /* subnormal: 1/T overflows to +inf */
    s = mk(ts, 4, &p);
    float l3[4] = {1.0f, 3.0f, 2.999f, -5.0f};
    histogram(ts, s, l3, 4, 100, counts);
    CHECK(ts, counts[1] == 100);
    wick_sampler_free(s);

    wick_logit_bias big = {3, 3e38f};
    p.temperature = 1.0f;
    p.logit_bias = &big;
    p.n_logit_bias = 1;
    s = mk(ts, 4, &p);
    float l4[4] = {1.0f, 3e38f, 0.0f, 3e38f}; /* token 3 overflows to +inf -> FLT_MAX */
    histogram(ts, s, l4, 4, 100, counts);
    CHECK(ts, counts[3] == 100);
    wick_sampler_free(s);
}

static void test_top_k1_is_greedy(test_state *ts) {
    wick_sampler_params p;
    wick_sampler_params_default(&p);
    p.top_k = 1;
    p.temperature = 1.5f;
    p.seed = 7;
    wick_sampler *s = mk(ts, 1000, &p);
    if (!s) return;
    float l[1000];
    int bad = 0;
    for (uint32_t trial = 0; trial < 50; trial++) {
        fill_logits(l, 1000, trial, 10.0f);
        int32_t am = 0;
        for (int32_t i = 1; i < 1000; i++)
            if (l[i] > l[am]) am = i;
        if (draw(ts, s, l) != am) bad++;
    }
    CHECK_MSG(ts, bad == 0, "%d of 50 differ from argmax", bad);
    wick_sampler_free(s);
}

/* probs 0.4 0.3 0.2 0.1 placed at scrambled ids so sorted order != id order. */
static void crafted4(float *l, int32_t *ids) {
    static const int32_t place[4] = {5, 2, 7, 0};
    static const float pr[4] = {0.4f, 0.3f, 0.2f, 0.1f};
    for (int i = 0; i < 8; i++) l[i] = -INFINITY;
    for (int i = 0; i < 4; i++) {
        l[place[i]] = logf(pr[i]) + 3.0f; /* shift: softmax is shift-invariant */
        ids[i] = place[i];
    }
}

static void check_kept(test_state *ts, const char *what, wick_sampler_params *p, const float *l,
                       int32_t n_vocab, const int32_t *kept, int n_kept, int draws) {
    wick_sampler *s = mk(ts, n_vocab, p);
    if (!s) return;
    int *counts = calloc((size_t)n_vocab, sizeof *counts);
    int *expect = calloc((size_t)n_vocab, sizeof *expect);
    for (int i = 0; i < n_kept; i++) expect[kept[i]] = 1;
    histogram(ts, s, l, n_vocab, draws, counts);
    CHECK_MSG(ts, same_set(counts, expect, n_vocab), "%s: drawn set differs from the expected %d tokens", what,
              n_kept);
    free(counts);
    free(expect);
    wick_sampler_free(s);
}

static void test_top_p_min_p_sets(test_state *ts) {
    float l[8];
    int32_t id[4];
    crafted4(l, id);
    wick_sampler_params p;
    wick_sampler_params_default(&p);
    p.seed = 1;

    p.top_p = 0.35f; /* 0.4 >= 0.35 */
    check_kept(ts, "top_p 0.35", &p, l, 8, id, 1, 500);
    p.top_p = 0.65f; /* 0.4, 0.7 >= 0.65 */
    check_kept(ts, "top_p 0.65", &p, l, 8, id, 2, 2000);
    p.top_p = 0.75f; /* 0.4, 0.7, 0.9 */
    check_kept(ts, "top_p 0.75", &p, l, 8, id, 3, 2000);
    p.top_p = 0.95f;
    check_kept(ts, "top_p 0.95", &p, l, 8, id, 4, 2000);

    /* top-k first, then top-p on the renormalised survivors:
     * {0.4,0.3,0.2}/0.9 = 0.444, 0.333 -> 0.778 >= 0.75: two tokens. */
    p.top_k = 3;
    p.top_p = 0.75f;
    check_kept(ts, "top_k 3 + top_p 0.75", &p, l, 8, id, 2, 2000);
    p.top_k = 2;
    p.top_p = 1.0f;
    check_kept(ts, "top_k 2", &p, l, 8, id, 2, 2000);
    p.top_k = 0;

    p.min_p = 0.3f; /* p >= 0.12: 0.4 0.3 0.2 */
    check_kept(ts, "min_p 0.3", &p, l, 8, id, 3, 2000);
    p.min_p = 0.6f; /* p >= 0.24: 0.4 0.3 */
    check_kept(ts, "min_p 0.6", &p, l, 8, id, 2, 2000);
    p.min_p = 0.9f;
    check_kept(ts, "min_p 0.9", &p, l, 8, id, 1, 200);
    p.min_p = 0.0f;

    /* top-p that must grow its sorted prefix past several chunks: 200 equal
     * tokens at scattered ids among 2000 low ones (tail mass ~4e-6 of one
     * token); 0.9025 of the mass (180.5 tokens' worth) is reached by the
     * 181st, so the 181 lowest-id equal tokens are kept (ties: lower id
     * first). */
    enum { NV = 2000, NHI = 200 };
    float *big = malloc(NV * sizeof *big);
    int32_t hi[NHI];
    for (int i = 0; i < NV; i++) big[i] = -20.0f;
    for (int i = 0; i < NHI; i++) {
        hi[i] = (int32_t)((i * 7919) % NV); /* distinct, scattered ids */
        big[hi[i]] = 0.0f;
    }
    int32_t sorted_hi[NHI], n = 0;
    for (int32_t i = 0; i < NV; i++)
        if (big[i] == 0.0f) sorted_hi[n++] = i;
    CHECK(ts, n == NHI);
    p.top_p = 0.9025f;
    check_kept(ts, "top_p 0.9025 over 2000", &p, big, NV, sorted_hi, 181, 6000);
    free(big);
}

/* All logprobs, to read the post-penalty logits back (differences of
 * logprobs are differences of logits). */
static void all_logprobs(test_state *ts, wick_sampler *s, const float *l, int32_t n, float *lp) {
    wick_sample_result r;
    wick_error err = {0};
    CHECK_MSG(ts, wick_sampler_sample(s, l, &r, &err) == WICK_OK, "%s", err.message);
    CHECK(ts, r.n_top == n);
    for (int32_t i = 0; i < r.n_top; i++) lp[r.top[i].token] = r.top[i].logprob;
}

static void test_penalties(test_state *ts) {
    float l[4] = {2.0f, -1.0f, 0.5f, 3.0f};
    wick_sampler_params p;
    wick_sampler_params_default(&p);
    p.temperature = 0.0f;
    p.repetition_penalty = 2.0f;
    p.frequency_penalty = 0.5f;
    p.presence_penalty = 0.25f;
    p.penalty_last_n = 64;
    p.logprobs = true;
    p.top_logprobs = 4;
    wick_sampler *s = mk(ts, 4, &p);
    if (!s) return;
    CHECK(ts, wick_sampler_accept(s, 0, NULL) == WICK_OK);
    CHECK(ts, wick_sampler_accept(s, 0, NULL) == WICK_OK);
    CHECK(ts, wick_sampler_accept(s, 1, NULL) == WICK_OK);
    float lp[4];
    all_logprobs(ts, s, l, 4, lp);
    /* token 0: count 2, 2/2 - (2*0.5 + 0.25) = -0.25
     * token 1: count 1, -1*2 - (0.5 + 0.25) = -2.75; 2, 3 untouched */
    const float want[4] = {-0.25f, -2.75f, 0.5f, 3.0f};
    for (int i = 0; i < 4; i++)
        CHECK_MSG(ts, fabsf((lp[i] - lp[3]) - (want[i] - want[3])) < 1e-5f, "token %d: %g vs %g", i,
                  (double)(lp[i] - lp[3]), (double)(want[i] - want[3]));
    wick_sampler_free(s);

    /* Window of 2: after 0,0,1 only [0,1] count: 2/2-0.75, -2-0.75. */
    p.penalty_last_n = 2;
    s = mk(ts, 4, &p);
    if (!s) return;
    wick_sampler_accept(s, 0, NULL);
    wick_sampler_accept(s, 0, NULL);
    wick_sampler_accept(s, 1, NULL);
    all_logprobs(ts, s, l, 4, lp);
    const float want2[4] = {0.25f, -2.75f, 0.5f, 3.0f};
    for (int i = 0; i < 4; i++)
        CHECK_MSG(ts, fabsf((lp[i] - lp[3]) - (want2[i] - want2[3])) < 1e-5f, "window token %d", i);
    /* reset forgets the history: logprobs equal the raw log-softmax */
    wick_sampler_reset(s);
    all_logprobs(ts, s, l, 4, lp);
    for (int i = 0; i < 4; i++) CHECK(ts, fabsf((lp[i] - lp[3]) - (l[i] - l[3])) < 1e-5f);
    wick_error err = {0};
    CHECK(ts, wick_sampler_accept(s, 4, &err) == WICK_ERR_INVALID_ARG);
    CHECK(ts, wick_sampler_accept(s, -1, &err) == WICK_ERR_INVALID_ARG);
    wick_sampler_free(s);

    /* The repetition penalty steers greedy away from a repeated argmax:
     * 3/2 - 0 = 1.5 < 2 */
    wick_sampler_params_default(&p);
    p.temperature = 0.0f;
    p.repetition_penalty = 2.0f;
    s = mk(ts, 4, &p);
    if (!s) return;
    CHECK(ts, draw(ts, s, l) == 3);
    wick_sampler_accept(s, 3, NULL);
    CHECK(ts, draw(ts, s, l) == 0);
    wick_sampler_free(s);
}

static void test_logit_bias(test_state *ts) {
    float l[5] = {1.0f, 5.0f, 4.0f, 0.0f, 3.0f};
    wick_logit_bias b[3] = {{1, -100.0f}, {2, -INFINITY}, {3, 2.5f}};
    wick_sampler_params p;
    wick_sampler_params_default(&p);
    p.temperature = 0.0f;
    p.logit_bias = b;
    p.n_logit_bias = 2;
    wick_sampler *s = mk(ts, 5, &p);
    if (!s) return;
    CHECK(ts, draw(ts, s, l) == 4); /* 1 and 2 banned */
    wick_sampler_free(s);
    p.n_logit_bias = 3; /* token 3: 0 + 2.5 < 3 */
    s = mk(ts, 5, &p);
    CHECK(ts, draw(ts, s, l) == 4);
    wick_sampler_free(s);
    b[2].bias = 3.5f; /* 3.5 > 3 */
    s = mk(ts, 5, &p);
    CHECK(ts, draw(ts, s, l) == 3);
    wick_sampler_free(s);

    /* Banned even with an enormous logit, under sampling too. */
    float l2[5] = {50.0f, 0.0f, 0.0f, 0.0f, 0.0f};
    wick_logit_bias ban0 = {0, -100.0f};
    wick_sampler_params_default(&p);
    p.logit_bias = &ban0;
    p.n_logit_bias = 1;
    s = mk(ts, 5, &p);
    int counts[5];
    histogram(ts, s, l2, 5, 2000, counts);
    CHECK(ts, counts[0] == 0 && counts[1] > 0 && counts[4] > 0);
    wick_sampler_free(s);

    /* Banning everything is an error, not a crash. */
    wick_logit_bias all[5] = {{0, -INFINITY}, {1, -INFINITY}, {2, -INFINITY}, {3, -INFINITY}, {4, -200.0f}};
    p.logit_bias = all;
    p.n_logit_bias = 5;
    s = mk(ts, 5, &p);
    wick_sample_result r;
    wick_error err = {0};
    CHECK(ts, wick_sampler_sample(s, l, &r, &err) == WICK_ERR_INVALID_ARG);
    wick_sampler_free(s);
}

static void test_params_validation(test_state *ts) {
    wick_sampler_params p;
    wick_sampler *s = NULL;
    wick_error err = {0};
    wick_sampler_params_default(&p);
    p.top_p = 0.0f;
    CHECK(ts, wick_sampler_new(10, &p, &s, &err) == WICK_ERR_INVALID_ARG && strstr(err.message, "top_p"));
    wick_sampler_params_default(&p);
    p.temperature = -1.0f;
    CHECK(ts, wick_sampler_new(10, &p, &s, &err) == WICK_ERR_INVALID_ARG && strstr(err.message, "temperature"));
    wick_sampler_params_default(&p);
    p.min_p = 1.5f;
    CHECK(ts, wick_sampler_new(10, &p, &s, &err) == WICK_ERR_INVALID_ARG && strstr(err.message, "min_p"));
    wick_sampler_params_default(&p);
    wick_logit_bias b = {10, 1.0f};
    p.logit_bias = &b;
    p.n_logit_bias = 1;
    CHECK(ts, wick_sampler_new(10, &p, &s, &err) == WICK_ERR_INVALID_ARG && strstr(err.message, "logit_bias[0]"));
    b.token = 3;
    b.bias = NAN;
    CHECK(ts, wick_sampler_new(10, &p, &s, &err) == WICK_ERR_INVALID_ARG);
    wick_sampler_params_default(&p);
    p.top_logprobs = 3;
    CHECK(ts, wick_sampler_new(10, &p, &s, &err) == WICK_ERR_INVALID_ARG && strstr(err.message, "logprobs"));
    wick_sampler_params_default(&p);
    CHECK(ts, wick_sampler_new(0, &p, &s, &err) == WICK_ERR_INVALID_ARG);
    CHECK(ts, s == NULL);
}

static void test_seed_determinism(test_state *ts) {
    enum { NV = 50, N = 1000 };
    float l[NV];
    fill_logits(l, NV, 3, 3.0f);
    wick_sampler_params p;
    wick_sampler_params_default(&p);
    p.top_p = 0.95f;
    p.temperature = 0.9f;
    p.seed = 12345;
    wick_sampler *a = mk(ts, NV, &p), *b = mk(ts, NV, &p);
    p.seed = 12346;
    wick_sampler *c = mk(ts, NV, &p);
    if (!a || !b || !c) return;
    static int32_t sa[N], sc[N];
    int same_ab = 0, same_ac = 0;
    for (int i = 0; i < N; i++) {
        sa[i] = draw(ts, a, l);
        same_ab += sa[i] == draw(ts, b, l);
        sc[i] = draw(ts, c, l);
        same_ac += sa[i] == sc[i];
    }
    CHECK_MSG(ts, same_ab == N, "%d of %d equal", same_ab, N);
    CHECK_MSG(ts, same_ac < N / 4, "different seeds agree on %d of %d", same_ac, N);
    /* reset restarts the stream */
    wick_sampler_reset(a);
    int again = 0;
    for (int i = 0; i < N; i++) again += draw(ts, a, l) == sa[i];
    CHECK(ts, again == N);

    /* Golden prefix: pins the PRNG, the portable exp and the walk, so a
     * port (wasm) that drew differently would fail here. */
    static const int32_t golden[16] = {32, 4, 25, 49, 20, 49, 5, 12, 15, 46, 36, 20, 37, 48, 5, 45};
    wick_sampler_reset(a);
    int gm = 0;
    for (int i = 0; i < 16; i++) {
        int32_t t = draw(ts, a, l);
        if (getenv("WICK_PRINT_GOLDEN")) printf("%d,", (int)t);
        gm += t == golden[i];
    }
    CHECK_MSG(ts, gm == 16, "golden sequence: %d of 16 match", gm);
    /* ... and the untruncated path (draws straight over the vocab). */
    wick_sampler_params_default(&p);
    p.temperature = 0.7f;
    p.seed = 99;
    wick_sampler *d = mk(ts, NV, &p);
    static const int32_t golden2[16] = {15, 21, 16, 44, 37, 8, 12, 3, 41, 22, 35, 8, 8, 5, 16, 20};
    gm = 0;
    for (int i = 0; d && i < 16; i++) {
        int32_t t = draw(ts, d, l);
        if (getenv("WICK_PRINT_GOLDEN")) printf("%d,", (int)t);
        gm += t == golden2[i];
    }
    CHECK_MSG(ts, gm == 16, "golden sequence 2: %d of 16 match", gm);
    wick_sampler_free(d);
    wick_sampler_free(a);
    wick_sampler_free(b);
    wick_sampler_free(c);
}

/* ---- Survivor sets against a straightforward reference ---- */

static const float *g_sort_logits;
static int cmp_ref(const void *pa, const void *pb) {
    int32_t a = *(const int32_t *)pa, b = *(const int32_t *)pb;
    float la = g_sort_logits[a], lb = g_sort_logits[b];
    if (la != lb) return la > lb ? -1 : 1;
    return (a > b) - (a < b);
}
static int cmp_int(const void *pa, const void *pb) {
    int32_t a = *(const int32_t *)pa, b = *(const int32_t *)pb;
    return (a > b) - (a < b);
}

/* Full sort, then top-k, top-p (on the renormalised top-k), min-p, in
 * double. Returns the kept count (ids ascending in out), or -1 when a
 * decision lies within 1e-5 of its threshold (rounding could go either way). */
static int32_t reference_set(const float *l, int32_t n, int32_t top_k, float top_p, float min_p, int32_t *out) {
    int32_t *ord = malloc((size_t)n * sizeof *ord);
    for (int32_t i = 0; i < n; i++) ord[i] = i;
    g_sort_logits = l;
    qsort(ord, (size_t)n, sizeof *ord, cmp_ref);
    int32_t k = (top_k > 0 && top_k < n) ? top_k : n;
    double mx = l[ord[0]], total = 0.0;
    for (int32_t i = 0; i < k; i++) total += exp((double)l[ord[i]] - mx);
    bool close = false;
    if (top_p < 1.0f) {
        double cum = 0.0, target = (double)top_p * total;
        for (int32_t i = 0; i < k; i++) {
            cum += exp((double)l[ord[i]] - mx);
            if (fabs(cum - target) < 1e-5 * total) close = true;
            if (cum >= target) {
                k = i + 1;
                break;
            }
        }
    }
    int32_t m = 0;
    for (int32_t i = 0; i < k; i++) {
        double r = exp((double)l[ord[i]] - mx);
        if (min_p > 0.0f && fabs(r - (double)min_p) < 1e-5) close = true;
        if (min_p > 0.0f && r < (double)min_p) continue;
        out[m++] = ord[i];
    }
    qsort(out, (size_t)m, sizeof *out, cmp_int);
    free(ord);
    return close ? -1 : m;
}

static void test_survivors_vs_reference(test_state *ts) {
    static const int32_t ks[] = {0, 1, 5, 50, 1000};
    static const float ps[] = {1.0f, 0.5f, 0.9f, 0.99f};
    static const float mps[] = {0.0f, 0.05f, 0.2f};
    enum { MAXV = 3000 };
    float *l = malloc(MAXV * sizeof *l);
    int32_t *want = malloc(MAXV * sizeof *want), *got = malloc(MAXV * sizeof *got);
    int trials = 0, skipped = 0, bad = 0;
    uint32_t x = 12345;
    for (int t = 0; t < 300; t++) {
        x = x * 1664525u + 1013904223u;
        int32_t nv = 1 + (int32_t)(x >> 8) % MAXV;
        float scale = 1.0f + (float)((x >> 4) % 30);
        fill_logits(l, nv, x, scale);
        if (t % 7 == 0) /* ties */
            for (int32_t i = 0; i < nv; i++) l[i] = floorf(l[i]);
        wick_sampler_params p;
        wick_sampler_params_default(&p);
        p.top_k = ks[t % 5];
        p.top_p = ps[(t / 5) % 4];
        p.min_p = mps[(t / 20) % 3];
        int32_t m = reference_set(l, nv, p.top_k, p.top_p, p.min_p, want);
        if (m < 0) {
            skipped++;
            continue;
        }
        wick_sampler *s = mk(ts, nv, &p);
        if (!s) break;
        int32_t n = 0;
        CHECK(ts, wick_sampler_survivors(s, l, got, MAXV, &n, NULL) == WICK_OK);
        trials++;
        if (n != m || memcmp(got, want, (size_t)m * sizeof *got) != 0) {
            bad++;
            fprintf(stderr, "  trial %d: nv %d k %d p %g min_p %g: %d survivors, want %d\n", t, (int)nv,
                    (int)p.top_k, (double)p.top_p, (double)p.min_p, (int)n, (int)m);
        }
        wick_sampler_free(s);
    }
    printf("  survivor sets: %d trials match the reference, %d skipped as boundary-close\n", trials - bad, skipped);
    CHECK_MSG(ts, bad == 0, "%d of %d trials differ", bad, trials);
    CHECK(ts, trials >= 250);
    free(l);
    free(want);
    free(got);
}

/* A longer golden: FNV-1a over 4 x 1500 draws with fresh logits each step,
 * penalties fed by accept(), every stage in play. The same value must come
 * out natively (any -O level, sanitizers) and in wasm32. */
static void test_golden_hash(test_state *ts) {
    enum { NV = 1000, STEPS = 1500 };
    float *l = malloc(NV * sizeof *l);
    uint64_t h = 1469598103934665603ull;
    for (int cfg = 0; cfg < 4; cfg++) {
        wick_sampler_params p;
        wick_sampler_params_default(&p);
        p.seed = 1000 + (uint64_t)cfg;
        p.temperature = cfg == 0 ? 0.8f : cfg == 1 ? 1.0f : cfg == 2 ? 1.3f : 0.6f;
        p.top_p = cfg == 1 ? 0.9f : cfg == 3 ? 0.95f : 1.0f;
        p.min_p = cfg == 2 ? 0.1f : 0.0f;
        p.top_k = cfg == 2 ? 20 : cfg == 3 ? 40 : 0;
        p.repetition_penalty = cfg >= 2 ? 1.3f : 1.0f;
        p.frequency_penalty = cfg == 3 ? 0.2f : 0.0f;
        p.presence_penalty = cfg == 3 ? 0.1f : 0.0f;
        wick_sampler *s = mk(ts, NV, &p);
        if (!s) break;
        for (int i = 0; i < STEPS; i++) {
            fill_logits(l, NV, (uint32_t)(i * 4 + cfg), 12.0f);
            int32_t t = draw(ts, s, l);
            wick_sampler_accept(s, t, NULL);
            for (int b = 0; b < 4; b++) h = (h ^ (uint8_t)((uint32_t)t >> (8 * b))) * 1099511628211ull;
        }
        wick_sampler_free(s);
    }
    free(l);
    if (getenv("WICK_PRINT_GOLDEN")) printf("golden hash 0x%016llx\n", (unsigned long long)h);
    CHECK_MSG(ts, h == 0x7ac37b5d2b06f3f0ull, "hash 0x%016llx", (unsigned long long)h);
}

/* Pearson chi-square of 200,000 draws against the exact distribution,
 * 9 degrees of freedom: the 99.9% quantile is 27.88; a correct sampler
 * exceeds it for 1 seed in 1000, a wrong weighting by far more. */
static double chi_square(test_state *ts, float temp, const float *l, const double *pexp) {
    enum { NV = 10, N = 200000 };
    wick_sampler_params p;
    wick_sampler_params_default(&p);
    p.temperature = temp;
    p.seed = 2024;
    wick_sampler *s = mk(ts, NV, &p);
    if (!s) return 1e9;
    int counts[NV];
    histogram(ts, s, l, NV, N, counts);
    double chi = 0.0;
    for (int i = 0; i < NV; i++) {
        double e = pexp[i] * N;
        chi += (counts[i] - e) * (counts[i] - e) / e;
    }
    wick_sampler_free(s);
    return chi;
}

static void test_distribution(test_state *ts) {
    static const double pr[10] = {0.25, 0.2, 0.15, 0.1, 0.08, 0.07, 0.06, 0.05, 0.03, 0.01};
    float l[10];
    for (int i = 0; i < 10; i++) l[i] = (float)log(pr[i]);
    double chi = chi_square(ts, 1.0f, l, pr);
    printf("  chi-square, T=1: %.2f (9 dof, bound 27.88)\n", chi);
    CHECK_MSG(ts, chi < 27.88, "chi2 %.2f", chi);
    /* T = 0.5: p ~ pr^2 */
    double q[10], z = 0.0;
    for (int i = 0; i < 10; i++) z += q[i] = pr[i] * pr[i];
    for (int i = 0; i < 10; i++) q[i] /= z;
    chi = chi_square(ts, 0.5f, l, q);
    printf("  chi-square, T=0.5: %.2f (9 dof, bound 27.88)\n", chi);
    CHECK_MSG(ts, chi < 27.88, "chi2 %.2f", chi);
    /* The test has power: the T=1 counts are far from the T=0.5 law. */
    chi = chi_square(ts, 1.0f, l, q);
    CHECK_MSG(ts, chi > 1000.0, "chi2 against the wrong law only %.2f", chi);
}

static void test_logprobs(test_state *ts) {
    enum { NV = 300 };
    float l[NV];
    fill_logits(l, NV, 9, 8.0f);
    l[17] = l[18] = 10.0f; /* tie at the top: 17 before 18 */
    wick_sampler_params p;
    wick_sampler_params_default(&p);
    p.logprobs = true;
    p.top_logprobs = NV;
    p.seed = 5;
    wick_sampler *s = mk(ts, NV, &p);
    if (!s) return;
    wick_sample_result r;
    CHECK(ts, wick_sampler_sample(s, l, &r, NULL) == WICK_OK);
    CHECK(ts, r.n_top == NV);
    double sum = 0.0;
    bool ordered = true, chosen_found = false;
    for (int i = 0; i < r.n_top; i++) {
        sum += exp((double)r.top[i].logprob);
        if (i && r.top[i].logprob > r.top[i - 1].logprob) ordered = false;
        if (r.top[i].token == r.token) chosen_found = r.top[i].logprob == r.logprob;
    }
    CHECK_MSG(ts, fabs(sum - 1.0) < 1e-5, "sum %.8f", sum);
    CHECK(ts, ordered);
    CHECK(ts, chosen_found);
    CHECK(ts, r.top[0].token == 17 && r.top[1].token == 18);
    /* each logprob against a double-precision log-softmax */
    double mx = 10.0, z = 0.0;
    for (int i = 0; i < NV; i++) z += exp((double)l[i] - mx);
    double maxerr = 0.0;
    for (int i = 0; i < r.n_top; i++) {
        double want = (double)l[r.top[i].token] - mx - log(z);
        double e = fabs(want - (double)r.top[i].logprob);
        if (e > maxerr) maxerr = e;
    }
    CHECK_MSG(ts, maxerr < 1e-5, "max logprob error %g", maxerr);
    wick_sampler_free(s);

    /* top 3 with bans: banned tokens report -inf at the end */
    float l3[4] = {1.0f, 2.0f, 3.0f, 4.0f};
    wick_logit_bias b[2] = {{3, -INFINITY}, {1, -100.0f}};
    wick_sampler_params_default(&p);
    p.logprobs = true;
    p.top_logprobs = 3;
    p.logit_bias = b;
    p.n_logit_bias = 2;
    s = mk(ts, 4, &p);
    if (!s) return;
    CHECK(ts, wick_sampler_sample(s, l3, &r, NULL) == WICK_OK);
    CHECK(ts, r.n_top == 3 && r.top[0].token == 2 && r.top[1].token == 0 && r.top[2].token == 1);
    CHECK(ts, r.top[2].logprob == -INFINITY);
    CHECK(ts, r.token == 2 || r.token == 0);
    wick_sampler_free(s);
}

/* Constrained decoding's mask: masked tokens are never drawn (a positive
 * bias does not revive them), logprobs renormalise over the allowed ones. */
static void test_mask(test_state *ts) {
    enum { NV = 100 };
    float l[NV];
    fill_logits(l, NV, 3, 4.0f);
    uint32_t mask[(NV + 31) / 32] = {0};
    const int allowed[] = {5, 40, 41, 99};
    for (int i = 0; i < 4; i++) mask[allowed[i] >> 5] |= 1u << (allowed[i] & 31);
    wick_logit_bias b[1] = {{7, 100.0f}}; /* a masked token with a huge bias */
    wick_sampler_params p;
    wick_sampler_params_default(&p);
    p.logprobs = true;
    p.top_logprobs = 6;
    p.logit_bias = b;
    p.n_logit_bias = 1;
    p.seed = 11;
    wick_sampler *s = mk(ts, NV, &p);
    if (!s) return;
    wick_sampler_set_mask(s, mask);
    double z = 0.0, mx = -1e30;
    for (int i = 0; i < 4; i++) mx = l[allowed[i]] > mx ? l[allowed[i]] : mx;
    for (int i = 0; i < 4; i++) z += exp((double)l[allowed[i]] - mx);
    bool only_allowed = true, lp_ok = true;
    for (int it = 0; it < 400; it++) {
        wick_sample_result r;
        CHECK(ts, wick_sampler_sample(s, l, &r, NULL) == WICK_OK);
        only_allowed &= (mask[r.token >> 5] >> (r.token & 31)) & 1u;
        lp_ok &= fabs((double)r.logprob - ((double)l[r.token] - mx - log(z))) < 1e-5;
        if (it == 0) {
            CHECK(ts, r.n_top == 6);
            for (int i = 0; i < 4; i++) CHECK(ts, ((mask[r.top[i].token >> 5] >> (r.top[i].token & 31)) & 1u) != 0);
            CHECK(ts, r.top[4].logprob == -INFINITY && r.top[5].logprob == -INFINITY);
        }
    }
    CHECK(ts, only_allowed);
    CHECK(ts, lp_ok);
    /* greedy picks the best allowed token, not the global argmax */
    wick_sampler_free(s);
    wick_sampler_params_default(&p);
    p.temperature = 0.0f;
    s = mk(ts, NV, &p);
    if (!s) return;
    wick_sampler_set_mask(s, mask);
    int best = allowed[0];
    for (int i = 1; i < 4; i++)
        if (l[allowed[i]] > l[best]) best = allowed[i];
    wick_sample_result r;
    CHECK(ts, wick_sampler_sample(s, l, &r, NULL) == WICK_OK && r.token == best);
    wick_sampler_set_mask(s, NULL); /* off again: the global argmax */
    int gbest = 0;
    for (int i = 1; i < NV; i++)
        if (l[i] > l[gbest]) gbest = i;
    CHECK(ts, wick_sampler_sample(s, l, &r, NULL) == WICK_OK && r.token == gbest);
    wick_sampler_free(s);
}

static void test_expf(test_state *ts) {
    double maxrel = 0.0;
    for (int i = 0; i <= 200000; i++) {
        float x = -87.0f + 87.0f * (float)i / 200000.0f;
        double want = exp((double)x), got = (double)wick_sampler_expf(x);
        double rel = fabs(got - want) / want;
        if (rel > maxrel) maxrel = rel;
    }
    printf("  wick_sampler_expf max relative error on [-87, 0]: %.3g\n", maxrel);
    CHECK_MSG(ts, maxrel < 3e-7, "%g", maxrel);
    CHECK(ts, wick_sampler_expf(0.0f) == 1.0f);
    CHECK(ts, wick_sampler_expf(-100.0f) == 0.0f);
    CHECK(ts, isinf(wick_sampler_expf(100.0f)));
    CHECK(ts, fabs(wick_sampler_expf(88.0f) / exp(88.0) - 1.0) < 3e-7);
    CHECK(ts, isnan(wick_sampler_expf(NAN)));
}

static double ms_per(clock_t t0, int n) { return 1000.0 * (double)(clock() - t0) / CLOCKS_PER_SEC / n; }

static void test_timing_262k(test_state *ts) {
    enum { NV = 262144, ITERS = 10 };
    float *l = malloc(NV * sizeof *l);
    fill_logits(l, NV, 77, 20.0f);
    struct {
        const char *name;
        float temp, top_p, min_p;
        int32_t top_k;
        bool logprobs;
    } cfg[] = {
        {"greedy", 0.0f, 1.0f, 0.0f, 0, false},
        {"top_k 40, top_p 0.95, T 0.8", 0.8f, 0.95f, 0.0f, 40, false},
        {"top_p 0.9 (no top_k)", 1.0f, 0.9f, 0.0f, 0, false},
        {"min_p 0.05", 1.0f, 1.0f, 0.05f, 0, false},
        {"plain (full vocab)", 1.0f, 1.0f, 0.0f, 0, false},
        {"greedy + logprobs top 5", 0.0f, 1.0f, 0.0f, 0, true},
    };
    printf("  262,144-token vocabulary (timings are not asserted):\n");
    for (size_t c = 0; c < sizeof cfg / sizeof cfg[0]; c++) {
        wick_sampler_params p;
        wick_sampler_params_default(&p);
        p.temperature = cfg[c].temp;
        p.top_p = cfg[c].top_p;
        p.min_p = cfg[c].min_p;
        p.top_k = cfg[c].top_k;
        p.logprobs = cfg[c].logprobs;
        p.top_logprobs = cfg[c].logprobs ? 5 : 0;
        p.repetition_penalty = 1.1f;
        wick_sampler *s = mk(ts, NV, &p);
        if (!s) break;
        for (int32_t t = 0; t < 64; t++) wick_sampler_accept(s, t * 31, NULL);
        clock_t t0 = clock();
        for (int i = 0; i < ITERS; i++) draw(ts, s, l);
        printf("    %-30s %8.3f ms/token\n", cfg[c].name, ms_per(t0, ITERS));
        wick_sampler_free(s);
    }
    free(l);
}

/* ---- Stop matcher ---- */

typedef struct {
    char out[256];
    size_t len;
    bool hit;
} stream;

static void feed(test_state *ts, wick_stop_matcher *m, stream *st, const char *chunk) {
    const char *e;
    size_t n;
    bool hit;
    CHECK(ts, wick_stop_matcher_push(m, chunk, strlen(chunk), &e, &n, &hit, NULL) == WICK_OK);
    if (st->len + n < sizeof st->out) {
        memcpy(st->out + st->len, e, n);
        st->len += n;
    }
    st->out[st->len] = 0;
    st->hit = hit;
}

static void finish(wick_stop_matcher *m, stream *st) {
    const char *e;
    size_t n;
    wick_stop_matcher_flush(m, &e, &n);
    if (st->len + n < sizeof st->out) {
        memcpy(st->out + st->len, e, n);
        st->len += n;
    }
    st->out[st->len] = 0;
}

/* Runs chunks (NULL-terminated) through a fresh matcher; returns emitted text. */
static stream run_stops(test_state *ts, const char *const *stops, size_t n_stops, const char *const *chunks,
                        int *which) {
    stream st = {{0}, 0, false};
    wick_stop_matcher *m = NULL;
    CHECK(ts, wick_stop_matcher_new(stops, n_stops, &m, NULL) == WICK_OK);
    if (!m) return st;
    for (size_t i = 0; chunks[i]; i++) feed(ts, m, &st, chunks[i]);
    finish(m, &st);
    *which = wick_stop_matcher_which(m);
    wick_stop_matcher_free(m);
    return st;
}

static void test_stop_split(test_state *ts) {
    const char *stops[] = {"</end>"};
    int w;
    const char *c1[] = {"Hello </e", "nd> never", NULL};
    stream s = run_stops(ts, stops, 1, c1, &w);
    CHECK_STR_EQ(ts, s.out, "Hello ");
    CHECK(ts, s.hit && w == 0);
    const char *c2[] = {"abc<", "/en", "d>xyz", NULL};
    s = run_stops(ts, stops, 1, c2, &w);
    CHECK_STR_EQ(ts, s.out, "abc");
    CHECK(ts, s.hit);
    /* Held text is emitted as soon as it can no longer start a stop. */
    wick_stop_matcher *m = NULL;
    CHECK(ts, wick_stop_matcher_new(stops, 1, &m, NULL) == WICK_OK);
    const char *e;
    size_t n;
    bool hit;
    wick_stop_matcher_push(m, "x</", 3, &e, &n, &hit, NULL);
    CHECK(ts, n == 1 && e[0] == 'x' && !hit);
    wick_stop_matcher_push(m, "en", 2, &e, &n, &hit, NULL);
    CHECK(ts, n == 0);
    wick_stop_matcher_push(m, "x", 1, &e, &n, &hit, NULL);
    CHECK(ts, n == 5 && memcmp(e, "</enx", 5) == 0);
    /* after a hit nothing more is emitted */
    wick_stop_matcher_push(m, "</end>tail", 10, &e, &n, &hit, NULL);
    CHECK(ts, n == 0 && hit);
    wick_stop_matcher_push(m, "more", 4, &e, &n, &hit, NULL);
    CHECK(ts, n == 0 && hit);
    wick_stop_matcher_flush(m, &e, &n);
    CHECK(ts, n == 0);
    wick_stop_matcher_reset(m);
    wick_stop_matcher_push(m, "ok", 2, &e, &n, &hit, NULL);
    CHECK(ts, n == 2 && !hit && wick_stop_matcher_which(m) == -1);
    wick_stop_matcher_free(m);
}

static void test_stop_overlap(test_state *ts) {
    const char *stops[] = {"ab"};
    int w;
    const char *c1[] = {"a", "a", "b", "c", NULL};
    stream s = run_stops(ts, stops, 1, c1, &w);
    CHECK_STR_EQ(ts, s.out, "a");
    CHECK(ts, s.hit);
    const char *c2[] = {"aab", NULL};
    s = run_stops(ts, stops, 1, c2, &w);
    CHECK_STR_EQ(ts, s.out, "a");
    const char *stops2[] = {"abab"};
    const char *c3[] = {"xaba", "bab", NULL}; /* "xababab": first at 1 */
    s = run_stops(ts, stops2, 1, c3, &w);
    CHECK_STR_EQ(ts, s.out, "x");
    CHECK(ts, s.hit);
    const char *c4[] = {"ab", "a", "c", "abab", NULL}; /* "abac" then stop */
    s = run_stops(ts, stops2, 1, c4, &w);
    CHECK_STR_EQ(ts, s.out, "abac");
}

static void test_stop_multiple(test_state *ts) {
    const char *stops[] = {"abcd", "bc", "\n\n"};
    int w;
    /* "bc" ends first, whatever the chunking */
    const char *c1[] = {"xabcd", NULL};
    stream s = run_stops(ts, stops, 3, c1, &w);
    CHECK_STR_EQ(ts, s.out, "xa");
    CHECK(ts, w == 1);
    const char *c2[] = {"x", "a", "b", "c", "d", NULL};
    s = run_stops(ts, stops, 3, c2, &w);
    CHECK_STR_EQ(ts, s.out, "xa");
    CHECK(ts, w == 1);
    const char *c3[] = {"one\n", "\ntwo", NULL};
    s = run_stops(ts, stops, 3, c3, &w);
    CHECK_STR_EQ(ts, s.out, "one");
    CHECK(ts, w == 2);
    /* same end: the longer one ("xbc" vs "bc") is reported */
    const char *stops2[] = {"bc", "xbc"};
    const char *c4[] = {"1x", "bc", NULL};
    s = run_stops(ts, stops2, 2, c4, &w);
    CHECK_STR_EQ(ts, s.out, "1");
    CHECK(ts, w == 1);
    /* no stops: everything passes straight through */
    const char *c5[] = {"a", "b", NULL};
    s = run_stops(ts, NULL, 0, c5, &w);
    CHECK_STR_EQ(ts, s.out, "ab");
    CHECK(ts, !s.hit && w == -1);
    wick_stop_matcher *m = NULL;
    const char *bad[] = {"ok", ""};
    wick_error err = {0};
    CHECK(ts, wick_stop_matcher_new(bad, 2, &m, &err) == WICK_ERR_INVALID_ARG && strstr(err.message, "empty"));
}

static void test_stop_utf8_and_flush(test_state *ts) {
    /* "終わり" split inside its multi-byte characters */
    const char *stops[] = {"\xe7\xb5\x82\xe3\x82\x8f\xe3\x82\x8a"};
    int w;
    const char *c1[] = {"\xc3\xa9t\xc3\xa9 \xe7\xb5", "\x82\xe3", "\x82\x8f\xe3\x82\x8a!", NULL};
    stream s = run_stops(ts, stops, 1, c1, &w);
    CHECK_STR_EQ(ts, s.out, "\xc3\xa9t\xc3\xa9 ");
    CHECK(ts, s.hit);
    /* A partial match at the end is released by flush. */
    const char *c2[] = {"abc \xe7\xb5\x82", "\xe3\x82", NULL};
    s = run_stops(ts, stops, 1, c2, &w);
    CHECK_STR_EQ(ts, s.out, "abc \xe7\xb5\x82\xe3\x82");
    CHECK(ts, !s.hit && w == -1);
    /* The held tail is released whole: after pushing c2 only "abc " came
     * out before flush. */
    wick_stop_matcher *m = NULL;
    CHECK(ts, wick_stop_matcher_new(stops, 1, &m, NULL) == WICK_OK);
    const char *e;
    size_t n;
    bool hit;
    wick_stop_matcher_push(m, "abc \xe7\xb5\x82", 7, &e, &n, &hit, NULL);
    CHECK(ts, n == 4);
    wick_stop_matcher_push(m, "\xe3\x82", 2, &e, &n, &hit, NULL);
    CHECK(ts, n == 0);
    wick_stop_matcher_flush(m, &e, &n);
    CHECK(ts, n == 5 && memcmp(e, "\xe7\xb5\x82\xe3\x82", 5) == 0);
    wick_stop_matcher_flush(m, &e, &n); /* only once */
    CHECK(ts, n == 0);
    wick_stop_matcher_free(m);
}

TEST_MAIN("sampler", TEST(test_greedy), TEST(test_extremes), TEST(test_top_k1_is_greedy), TEST(test_top_p_min_p_sets),
          TEST(test_penalties), TEST(test_logit_bias), TEST(test_params_validation), TEST(test_survivors_vs_reference),
          TEST(test_seed_determinism), TEST(test_golden_hash), TEST(test_distribution), TEST(test_logprobs), TEST(test_mask), TEST(test_expf),
          TEST(test_timing_262k), TEST(test_stop_split), TEST(test_stop_overlap), TEST(test_stop_multiple),
          TEST(test_stop_utf8_and_flush))
