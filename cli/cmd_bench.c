/* `wick bench`: prompt-processing and generation speed, like llama-bench.
 *
 *   wick bench -m MODEL [-p 512] [-n 128] [-t THREADS] [-r REPS]
 *
 * pp<P>: P token ids (a fixed pseudo-random sequence of valid ids) decoded
 *        in one wick_decode call from an empty context (batched prefill,
 *        n_batch = P), timed.
 * tg<N>: after a one-token prompt, N single-token wick_decode calls, timed
 *        (the ids are again pseudo-random; the logits are not looked at).
 * Each test runs once untimed as a warm-up (page-in of the mapped weights,
 * thread pool start), then REPS times; the table (markdown, like
 * llama-bench's) reports tokens/s mean ± sample stddev over the reps.
 * -p 0 or -n 0 skips that test. The model column is the architecture and the
 * tensor type holding the most bytes (e.g. q8_0 for Gemma 3 270M Q4_K_M,
 * whose 262k-row embedding is q8_0), not general.file_type.
 *
 * Opening is one call (wick_model_open maps and validates; wick_context_new
 * binds weights and allocates the KV cache), so the progress display shows
 * those two steps as they finish, and only when stderr is a terminal. */
#include "cli/cli.h"
#include "cli/cli_threads.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char BENCH_USAGE[] = "-m MODEL.gguf [-p PROMPT_TOKENS] [-n GEN_TOKENS] [-t THREADS] [-r REPS]";

static double bench_now_s(void) {
    struct timespec ts;
    timespec_get(&ts, TIME_UTC);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int bench_parse_uint(const char *s, long max, long *out) {
    char *end;
    long v = strtol(s, &end, 10);
    if (!*s || *end || v < 0 || v > max) return 0;
    *out = v;
    return 1;
}

/* A two-step progress bar on stderr: "[####----] step" (tty only). */
static void progress(int tty, int done, int total, const char *what, double secs) {
    if (!tty) return;
    char bar[21];
    int fill = total ? done * 20 / total : 20;
    for (int i = 0; i < 20; i++) bar[i] = i < fill ? '#' : '-';
    bar[20] = '\0';
    fprintf(stderr, "\r[%s] %d/%d %-44s", bar, done, total, what);
    if (secs >= 0) fprintf(stderr, " %.2f s", secs);
    if (done == total) fprintf(stderr, "\n");
    fflush(stderr);
}

/* xorshift64*: the benchmark's token ids, the same on every run. */
static uint64_t next_rand(uint64_t *x) {
    *x ^= *x >> 12;
    *x ^= *x << 25;
    *x ^= *x >> 27;
    return *x * 0x2545F4914F6CDD1DULL;
}

static void stats(const double *v, long n, double *mean, double *sd) {
    double m = 0;
    for (long i = 0; i < n; i++) m += v[i];
    m /= (double)n;
    double q = 0;
    for (long i = 0; i < n; i++) q += (v[i] - m) * (v[i] - m);
    *mean = m;
    *sd = n > 1 ? sqrt(q / (double)(n - 1)) : 0.0;
}

/* One timed pp run: reset, decode all `n` ids at once; tokens/s. */
static wick_status run_pp(wick_context *ctx, const int32_t *ids, long n, double *tps, wick_error *err) {
    wick_context_reset(ctx);
    double t0 = bench_now_s();
    wick_status st = wick_decode(ctx, ids, (size_t)n, err);
    double dt = bench_now_s() - t0;
    *tps = (double)n / (dt > 0 ? dt : 1e-9);
    return st;
}

/* One timed tg run: reset, a one-token prompt (untimed), then `n`
 * single-token decodes; tokens/s. */
static wick_status run_tg(wick_context *ctx, const int32_t *ids, long n, double *tps, wick_error *err) {
    wick_context_reset(ctx);
    wick_status st = wick_decode(ctx, ids, 1, err);
    if (st != WICK_OK) return st;
    double t0 = bench_now_s();
    for (long i = 0; i < n; i++) {
        st = wick_decode(ctx, ids + 1 + i, 1, err);
        if (st != WICK_OK) return st;
    }
    double dt = bench_now_s() - t0;
    *tps = (double)n / (dt > 0 ? dt : 1e-9);
    return WICK_OK;
}

int cmd_bench(int argc, char **argv) {
    const char *model_path = NULL;
    long n_pp = 512, n_tg = 128, n_threads = 1, reps = 5;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int has_val = i + 1 < argc;
        if (!strcmp(a, "-m") && has_val) model_path = argv[++i];
        else if (!strcmp(a, "-p") && has_val) {
            if (!bench_parse_uint(argv[++i], 4096, &n_pp)) return cli_usage("bench", BENCH_USAGE, "-p: expected 0..4096 tokens");
        } else if (!strcmp(a, "-n") && has_val) {
            if (!bench_parse_uint(argv[++i], 4095, &n_tg)) return cli_usage("bench", BENCH_USAGE, "-n: expected 0..4095 tokens");
        } else if (!strcmp(a, "-t") && has_val) {
            char msg[160];
            if (!cli_parse_threads(argv[++i], &n_threads, msg, sizeof msg))
                return cli_usage("bench", BENCH_USAGE, msg);
        } else if (!strcmp(a, "-r") && has_val) {
            if (!bench_parse_uint(argv[++i], 1000, &reps) || !reps)
                return cli_usage("bench", BENCH_USAGE, "-r: expected 1..1000 repetitions");
        } else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            printf("usage: wick bench %s\n", BENCH_USAGE);
            return 0;
        } else {
            char msg[128];
            snprintf(msg, sizeof msg, "unknown or incomplete option '%s'", a);
            return cli_usage("bench", BENCH_USAGE, msg);
        }
    }
    if (!model_path) return cli_usage("bench", BENCH_USAGE, "-m MODEL is required");
    if (!n_pp && !n_tg) return cli_usage("bench", BENCH_USAGE, "-p 0 and -n 0: nothing to measure");

    const int tty = isatty(fileno(stderr));
    wick_error err = {0};
    wick_model *model = NULL;
    wick_context *ctx = NULL;
    int32_t *ids = NULL;
    double *samples = NULL;
    int rc = 1;
    progress(tty, 0, 2, "mapping and validating the GGUF file", -1);
    double t0 = bench_now_s();
    if (wick_model_open(model_path, &model, &err) != WICK_OK) goto done;
    progress(tty, 1, 2, "binding weights, allocating the KV cache", bench_now_s() - t0);
    wick_model_info info;
    if (wick_model_get_info(model, &info, &err) != WICK_OK) goto done;
    int32_t n_vocab = wick_vocab_size(model);
    if (n_vocab <= 0) {
        err.code = WICK_ERR_UNSUPPORTED;
        snprintf(err.message, sizeof err.message, "%s has no vocabulary", model_path);
        goto done;
    }
    /* Room for the longer test: pp fills n_pp, tg 1 + n_tg positions. */
    long need = n_pp > n_tg + 1 ? n_pp : n_tg + 1;
    wick_context_params cp = wick_context_default_params();
    cp.n_ctx = (uint32_t)need;
    cp.n_batch = (uint32_t)(n_pp ? n_pp : 1);
    cp.n_threads = (int)n_threads;
    if (wick_context_new(model, &cp, &ctx, &err) != WICK_OK) goto done;
    progress(tty, 2, 2, "ready", bench_now_s() - t0);

    ids = malloc((size_t)need * sizeof *ids);
    samples = malloc((size_t)reps * sizeof *samples);
    if (!ids || !samples) {
        err.code = WICK_ERR_NOMEM;
        snprintf(err.message, sizeof err.message, "out of memory");
        goto done;
    }
    uint64_t x = 0x9E3779B97F4A7C15ULL;
    for (long i = 0; i < need; i++) ids[i] = (int32_t)(next_rand(&x) % (uint64_t)n_vocab);

    /* The dominant matrix type by bytes names the quantization. */
    uint32_t main_type = 0;
    for (uint32_t t = 0; t < 64; t++)
        if (info.bytes_per_type[t] > info.bytes_per_type[main_type]) main_type = t;
    const char *tname = wick_type_name(main_type);
    char model_col[96];
    snprintf(model_col, sizeof model_col, "%s %s", info.architecture, tname ? tname : "?");
    char size_col[32], params_col[32];
    double gib = (double)info.weight_bytes / (1024.0 * 1024.0 * 1024.0);
    if (gib >= 1.0) snprintf(size_col, sizeof size_col, "%.2f GiB", gib);
    else snprintf(size_col, sizeof size_col, "%.2f MiB", (double)info.weight_bytes / (1024.0 * 1024.0));
    if (info.n_params >= 1000000000ULL) snprintf(params_col, sizeof params_col, "%.2f B", info.n_params / 1e9);
    else snprintf(params_col, sizeof params_col, "%.2f M", info.n_params / 1e6);

    printf("| %-22s | %12s | %10s | %7s | %8s | %20s |\n", "model", "size", "params", "threads", "test",
           "t/s");
    printf("| %.22s | %.12s | %.10s | %.7s | %.8s | %.20s |\n", "----------------------------",
           "-------------------", "--------------------", "--------------------", "----------------",
           "--------------------------");
    fflush(stdout);
    for (int test = 0; test < 2; test++) {
        long n = test == 0 ? n_pp : n_tg;
        if (!n) continue;
        double tps;
        /* Warm-up (untimed). */
        wick_status st = test == 0 ? run_pp(ctx, ids, n, &tps, &err) : run_tg(ctx, ids, n, &tps, &err);
        if (st != WICK_OK) goto done;
        for (long r = 0; r < reps; r++) {
            st = test == 0 ? run_pp(ctx, ids, n, &samples[r], &err) : run_tg(ctx, ids, n, &samples[r], &err);
            if (st != WICK_OK) goto done;
        }
        double mean, sd;
        stats(samples, reps, &mean, &sd);
        char test_col[24], tps_col[48];
        snprintf(test_col, sizeof test_col, "%s%ld", test == 0 ? "pp" : "tg", n);
        snprintf(tps_col, sizeof tps_col, "%.2f ± %.2f", mean, sd);
        /* "±" is two bytes in UTF-8: pad by one more to keep the columns. */
        printf("| %-22s | %12s | %10s | %7ld | %8s | %21s |\n", model_col, size_col, params_col, n_threads,
               test_col, tps_col);
        fflush(stdout);
    }
    rc = 0;
done:
    if (rc) cli_fail(&err);
    wick_context_free(ctx);
    wick_model_close(model);
    free(ids);
    free(samples);
    return rc;
}
