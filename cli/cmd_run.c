/* `wick run`: generate text with a model.
 *
 *   wick run -m MODEL [-p PROMPT] [-n N] [-t THREADS] [-c CTX]
 *            [--chat [--system TEXT]] [--ids] [--print-prompt-ids]
 *            [--ignore-eos] [--logits-out FILE.f32]
 *            [--temp T] [--top-k K] [--top-p P] [--min-p P] [--repeat-penalty R] [--seed S]
 *
 * Decoding is greedy by default (temperature 0: the argmax token each
 * step, through wick_generate_greedy); --temp > 0 samples through the
 * sampler chain (src/sampling: top-k, top-p, min-p, temperature, seeded
 * draw; --repeat-penalty over the last 64 tokens). Only the
 * generated text goes to stdout; timings go to stderr. --chat wraps the
 * prompt as one user message in the model's chat template (with the
 * generation prompt), after a system message with --system. --ids prints
 * the generated token ids (one line, space-separated) instead of text;
 * --print-prompt-ids prints the prompt's ids to stderr (the parity tests
 * feed them to llama.cpp); --logits-out writes the logits after the prompt
 * as raw little-endian f32; --ignore-eos keeps generating through
 * end-of-generation tokens (exactly N tokens). */
#include "cli/cli.h"
#include "cli/cli_threads.h"
#include "cli/progress.h"

#include "sampling/sampler.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char RUN_USAGE[] =
    "-m MODEL.gguf [-p PROMPT] [-n N] [-t THREADS] [-c CTX] [--chat [--system TEXT]] [--ids]\n"
    "                [--print-prompt-ids] [--ignore-eos] [--logits-out FILE.f32]\n"
    "                [--temp T] [--top-k K] [--top-p P] [--min-p P] [--repeat-penalty R] [--seed S]";

static double now_s(void) {
    struct timespec ts;
    timespec_get(&ts, TIME_UTC);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* `text` as a JSON string (quoted, escaped); malloc'd. */
static char *json_quote(const char *text) {
    size_t n = strlen(text);
    char *out = malloc(n * 6 + 3);
    if (!out) return NULL;
    size_t k = 0;
    out[k++] = '"';
    for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
        if (*p == '"' || *p == '\\') {
            out[k++] = '\\';
            out[k++] = (char)*p;
        } else if (*p < 0x20) {
            k += (size_t)sprintf(out + k, "\\u%04x", *p);
        } else {
            out[k++] = (char)*p;
        }
    }
    out[k++] = '"';
    out[k] = '\0';
    return out;
}

typedef struct run_state {
    wick_detokenizer *detok;
    int ids;
    size_t count;
    wick_error *err;
    wick_status st;
} run_state;

static int on_token(int32_t token, void *user) {
    run_state *s = user;
    s->count++;
    if (s->ids) {
        printf(s->count > 1 ? " %d" : "%d", token);
        fflush(stdout);
        return 0;
    }
    const char *text;
    size_t len;
    s->st = wick_detokenizer_push(s->detok, token, &text, &len, s->err);
    if (s->st != WICK_OK) return 1;
    fwrite(text, 1, len, stdout);
    fflush(stdout);
    return 0;
}

static int parse_float(const char *s, float *out) {
    char *end;
    float v = strtof(s, &end);
    if (!*s || *end || !(v == v)) return 0;
    *out = v;
    return 1;
}

static int parse_uint(const char *s, long max, long *out) {
    char *end;
    long v = strtol(s, &end, 10);
    if (!*s || *end || v < 0 || v > max) return 0;
    *out = v;
    return 1;
}

int cmd_run(int argc, char **argv) {
    const char *model_path = NULL, *prompt = "";
    long n_predict = 64, n_threads = 1, n_ctx = 0;
    int chat = 0, ids = 0, print_prompt_ids = 0, ignore_eos = 0;
    wick_sampler_params sp;
    wick_sampler_params_default(&sp);
    sp.temperature = 0.0f;
    long seed = 0, top_k = 0;
    const char *logits_out = NULL, *system_msg = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int has_val = i + 1 < argc;
        if (!strcmp(a, "-m") && has_val) model_path = argv[++i];
        else if (!strcmp(a, "-p") && has_val) prompt = argv[++i];
        else if (!strcmp(a, "-n") && has_val) {
            if (!parse_uint(argv[++i], 1 << 20, &n_predict)) return cli_usage("run", RUN_USAGE, "-n: expected a count");
        } else if (!strcmp(a, "-t") && has_val) {
            char msg[160];
            if (!cli_parse_threads(argv[++i], &n_threads, msg, sizeof msg))
                return cli_usage("run", RUN_USAGE, msg);
        } else if (!strcmp(a, "-c") && has_val) {
            if (!parse_uint(argv[++i], 1 << 20, &n_ctx)) return cli_usage("run", RUN_USAGE, "-c: expected a token count");
        } else if (!strcmp(a, "--chat")) chat = 1;
        else if (!strcmp(a, "--ids")) ids = 1;
        else if (!strcmp(a, "--system") && has_val) system_msg = argv[++i];
        else if (!strcmp(a, "--print-prompt-ids")) print_prompt_ids = 1;
        else if (!strcmp(a, "--ignore-eos")) ignore_eos = 1;
        else if (!strcmp(a, "--temp") && has_val) {
            if (!parse_float(argv[++i], &sp.temperature) || sp.temperature < 0)
                return cli_usage("run", RUN_USAGE, "--temp: expected a number >= 0");
        } else if (!strcmp(a, "--top-p") && has_val) {
            if (!parse_float(argv[++i], &sp.top_p)) return cli_usage("run", RUN_USAGE, "--top-p: expected a number");
        } else if (!strcmp(a, "--min-p") && has_val) {
            if (!parse_float(argv[++i], &sp.min_p)) return cli_usage("run", RUN_USAGE, "--min-p: expected a number");
        } else if (!strcmp(a, "--repeat-penalty") && has_val) {
            if (!parse_float(argv[++i], &sp.repetition_penalty))
                return cli_usage("run", RUN_USAGE, "--repeat-penalty: expected a number");
            sp.penalty_last_n = 64;
        } else if (!strcmp(a, "--top-k") && has_val) {
            if (!parse_uint(argv[++i], 1 << 24, &top_k)) return cli_usage("run", RUN_USAGE, "--top-k: expected a count");
            sp.top_k = (int32_t)top_k;
        } else if (!strcmp(a, "--seed") && has_val) {
            if (!parse_uint(argv[++i], 0x7fffffffL, &seed)) return cli_usage("run", RUN_USAGE, "--seed: expected a number");
            sp.seed = (uint64_t)seed;
        }
        else if (!strcmp(a, "--logits-out") && has_val) logits_out = argv[++i];
        else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            printf("usage: wick run %s\n", RUN_USAGE);
            return 0;
        } else {
            char msg[128];
            snprintf(msg, sizeof msg, "unknown or incomplete option '%s'", a);
            return cli_usage("run", RUN_USAGE, msg);
        }
    }
    if (!model_path) return cli_usage("run", RUN_USAGE, "-m MODEL is required");

    wick_error err = {0};
    wick_model *model = NULL;
    wick_context *ctx = NULL;
    wick_detokenizer *detok = NULL;
    wick_sampler *sampler = NULL;
    char *text = NULL, *quoted = NULL, *messages = NULL, *quoted_sys = NULL;
    int32_t *toks = NULL;
    int rc = 1;
    double t0 = now_s();
    cli_preload(model_path); /* a progress bar on a terminal, for large files */
    if (wick_model_open(model_path, &model, &err) != WICK_OK) goto done;
    const char *input = prompt;
    int flags = WICK_TOKENIZE_ADD_SPECIAL | WICK_TOKENIZE_PARSE_SPECIAL;
    if (chat) {
        quoted = json_quote(prompt);
        quoted_sys = json_quote(system_msg ? system_msg : "");
        messages = quoted && quoted_sys ? malloc(strlen(quoted) + strlen(quoted_sys) + 96) : NULL;
        if (!messages) {
            err.code = WICK_ERR_NOMEM;
            snprintf(err.message, sizeof err.message, "out of memory");
            goto done;
        }
        if (system_msg)
            sprintf(messages, "[{\"role\":\"system\",\"content\":%s},{\"role\":\"user\",\"content\":%s}]",
                    quoted_sys, quoted);
        else
            sprintf(messages, "[{\"role\":\"user\",\"content\":%s}]", quoted);
        size_t len;
        if (wick_chat_template_apply(model, NULL, messages, NULL, NULL, 1, &text, &len, &err) != WICK_OK)
            goto done;
        input = text;
    }
    size_t n_tok = 0, cap = strlen(input) + 16;
    toks = malloc(cap * sizeof *toks);
    if (!toks) goto done;
    if (wick_tokenize(model, input, strlen(input), flags, toks, cap, &n_tok, &err) != WICK_OK) goto done;
    /* A chat template that writes BOS itself plus ADD_SPECIAL would give two. */
    int32_t bos = wick_token_bos(model);
    if (chat && n_tok >= 2 && toks[0] == bos && toks[1] == bos) {
        memmove(toks, toks + 1, (n_tok - 1) * sizeof *toks);
        n_tok--;
    }
    if (n_tok == 0) {
        err.code = WICK_ERR_INVALID_ARG;
        snprintf(err.message, sizeof err.message,
                 "the prompt has no tokens (this model adds no BOS): give -p TEXT");
        goto done;
    }
    if (print_prompt_ids) {
        for (size_t i = 0; i < n_tok; i++) fprintf(stderr, i ? " %d" : "%d", toks[i]);
        fprintf(stderr, "\n");
    }
    wick_context_params cp = wick_context_default_params();
    cp.n_ctx = (uint32_t)n_ctx;
    cp.n_threads = (int)n_threads;
    if (wick_context_new(model, &cp, &ctx, &err) != WICK_OK) goto done;
    if (n_tok > wick_context_n_ctx(ctx)) {
        err.code = WICK_ERR_LIMIT;
        snprintf(err.message, sizeof err.message,
                 "the prompt has %zu tokens but the context holds %u (use -c)", n_tok,
                 wick_context_n_ctx(ctx));
        goto done;
    }
    if (wick_detokenizer_new(model, WICK_DETOKENIZE_SKIP_SPECIAL, &detok, &err) != WICK_OK) goto done;
    double t1 = now_s();
    run_state s = {detok, ids, 0, &err, WICK_OK};
    /* Prefill first (timed alone), then generate. */
    if (wick_decode(ctx, toks, n_tok, &err) != WICK_OK) goto done;
    double t2 = now_s();
    if (logits_out) {
        int32_t nv;
        const float *lg = wick_get_logits(ctx, &nv);
        FILE *f = fopen(logits_out, "wb");
        int ok = f && fwrite(lg, sizeof *lg, (size_t)nv, f) == (size_t)nv;
        if (f && fclose(f) != 0) ok = 0;
        if (!ok) {
            err.code = WICK_ERR_IO;
            snprintf(err.message, sizeof err.message, "%s: could not write the logits", logits_out);
            goto done;
        }
    }
    size_t n_gen = 0;
    const int sampling = sp.temperature > 0.0f;
    if (sampling || ignore_eos) {
        /* The plain loop: pick (argmax, or the sampler chain), emit, decode;
         * end-of-generation tokens stop it unless --ignore-eos. */
        int32_t nv;
        wick_get_logits(ctx, &nv);
        if (sampling && wick_sampler_new(nv, &sp, &sampler, &err) != WICK_OK) goto done;
        for (long i = 0; i < n_predict; i++) {
            const float *lg = wick_get_logits(ctx, &nv);
            int32_t tok = wick_argmax(lg, nv);
            if (sampling) {
                wick_sample_result res;
                if (wick_sampler_sample(sampler, lg, &res, &err) != WICK_OK ||
                    wick_sampler_accept(sampler, res.token, &err) != WICK_OK)
                    goto done;
                tok = res.token;
            }
            if (!ignore_eos && wick_token_is_eog(model, tok)) break;
            n_gen++;
            if (on_token(tok, &s) || i + 1 == n_predict) break;
            if (wick_context_n_past(ctx) >= wick_context_n_ctx(ctx)) break;
            if (wick_decode(ctx, &tok, 1, &err) != WICK_OK) goto done;
        }
        if (s.st != WICK_OK) goto done;
    } else if (wick_generate_greedy(ctx, NULL, 0, (size_t)n_predict, on_token, &s, &n_gen, &err) !=
                   WICK_OK ||
               s.st != WICK_OK) {
        goto done;
    }
    if (!ids) {
        const char *tail;
        size_t len;
        if (wick_detokenizer_flush(detok, &tail, &len, &err) != WICK_OK) goto done;
        fwrite(tail, 1, len, stdout);
    }
    printf("\n");
    if (n_gen < (size_t)n_predict && wick_context_n_past(ctx) >= wick_context_n_ctx(ctx))
        fprintf(stderr, "wick run: stopped after %zu of %ld tokens: the context of %u tokens is full (use -c)\n",
                n_gen, n_predict, wick_context_n_ctx(ctx));
    double t3 = now_s();
    fprintf(stderr, "wick run: load %.2f s; prompt %zu tokens in %.2f s (%.1f tok/s); "
                    "generated %zu tokens in %.2f s (%.1f tok/s); %ld threads\n",
            t1 - t0, n_tok, t2 - t1, n_tok / (t2 - t1 > 0 ? t2 - t1 : 1e-9), n_gen, t3 - t2,
            n_gen / (t3 - t2 > 0 ? t3 - t2 : 1e-9), n_threads);
    rc = 0;
done:
    if (rc) {
        if (!err.message[0] && !err.code) snprintf(err.message, sizeof err.message, "out of memory");
        cli_fail(&err);
    }
    wick_detokenizer_free(detok);
    wick_sampler_free(sampler);
    wick_context_free(ctx);
    wick_model_close(model);
    free(text);
    free(quoted);
    free(quoted_sys);
    free(messages);
    free(toks);
    return rc;
}
