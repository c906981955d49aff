/* `wick chat`: an interactive conversation with a model.
 *
 *   wick chat -m MODEL [--system TEXT] [-n MAX_TOKENS_PER_TURN] [-t THREADS] [-c CTX]
 *             [--temp T] [--top-k K] [--top-p P] [--seed S]
 *
 * Each line read from stdin is one user turn. The whole conversation so
 * far is rendered through the model's own chat template (with the
 * generation prompt) and tokenized; the reply streams to stdout token by
 * token through a wick_detokenizer until an end-of-generation token, -n
 * tokens, or a full context. Prompts ("> ") and statistics go to stderr,
 * so stdout holds only the replies (one line each) and the command works
 * through a pipe. "/reset" forgets the conversation, "/exit" or EOF quits.
 *
 * KV-cache reuse: in most templates the rendering of turn N starts with
 * the rendering of turn N-1 plus its reply, so the tokens already in the
 * context are a prefix of the new prompt. We keep our own copy of every id
 * decoded into the context; when it is a prefix of the new prompt only the
 * suffix is decoded. Otherwise (a template that rewrites earlier turns, or
 * a reply that re-tokenizes differently) there is no way to truncate the
 * cache, so the context is reset and the whole prompt decoded again. Each
 * turn reports "reused N of M prompt tokens" on stderr.
 *
 * Greedy by default; --temp > 0 samples through src/sampling's chain
 * (generated tokens are accepted into its penalty history). */
#include "cli/cli.h"
#include "cli/cli_threads.h"
#include "cli/progress.h"

#include "sampling/sampler.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char CHAT_USAGE[] =
    "-m MODEL.gguf [--system TEXT] [-n MAX_TOKENS_PER_TURN] [-t THREADS] [-c CTX]\n"
    "                [--temp T] [--top-k K] [--top-p P] [--seed S]";

static double chat_now_s(void) {
    struct timespec ts;
    timespec_get(&ts, TIME_UTC);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* A growable byte string (NUL-terminated while non-NULL). */
typedef struct chat_str {
    char *p;
    size_t len, cap;
} chat_str;

static int str_reserve(chat_str *s, size_t extra) {
    if (s->len + extra + 1 <= s->cap) return 1;
    size_t cap = s->cap ? s->cap : 256;
    while (cap < s->len + extra + 1) cap *= 2;
    char *p = realloc(s->p, cap);
    if (!p) return 0;
    s->p = p;
    s->cap = cap;
    return 1;
}

static int str_append(chat_str *s, const char *text, size_t n) {
    if (!str_reserve(s, n)) return 0;
    memcpy(s->p + s->len, text, n);
    s->len += n;
    s->p[s->len] = '\0';
    return 1;
}

/* Appends `text` as a JSON string literal (quotes, escapes; control
 * characters as \u00XX; UTF-8 passes through). */
static int str_append_json(chat_str *s, const char *text, size_t n) {
    if (!str_append(s, "\"", 1)) return 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)text[i];
        char esc[8];
        if (c == '"' || c == '\\') {
            esc[0] = '\\';
            esc[1] = (char)c;
            if (!str_append(s, esc, 2)) return 0;
        } else if (c < 0x20) {
            snprintf(esc, sizeof esc, "\\u%04x", c);
            if (!str_append(s, esc, 6)) return 0;
        } else if (!str_append(s, (const char *)&c, 1)) {
            return 0;
        }
    }
    return str_append(s, "\"", 1);
}

/* One message of the conversation. */
typedef struct chat_msg {
    const char *role; /* "system", "user", "assistant" (static strings) */
    char *content;    /* malloc'd */
} chat_msg;

typedef struct chat_state {
    const wick_model *model;
    wick_context *ctx;
    wick_sampler *sampler; /* NULL when greedy */
    chat_msg *msgs;
    size_t n_msgs, cap_msgs;
    int32_t *ids; /* every id decoded into ctx, in order (ctx's n_past of them) */
    size_t n_ids, cap_ids;
    long max_tokens;
} chat_state;

static int push_msg(chat_state *s, const char *role, const char *text, size_t n) {
    if (s->n_msgs == s->cap_msgs) {
        size_t cap = s->cap_msgs ? s->cap_msgs * 2 : 8;
        chat_msg *m = realloc(s->msgs, cap * sizeof *m);
        if (!m) return 0;
        s->msgs = m;
        s->cap_msgs = cap;
    }
    char *c = malloc(n + 1);
    if (!c) return 0;
    memcpy(c, text, n);
    c[n] = '\0';
    s->msgs[s->n_msgs].role = role;
    s->msgs[s->n_msgs].content = c;
    s->n_msgs++;
    return 1;
}

static void pop_msg(chat_state *s) {
    if (s->n_msgs) free(s->msgs[--s->n_msgs].content);
}

static int push_ids(chat_state *s, const int32_t *ids, size_t n) {
    if (s->n_ids + n > s->cap_ids) {
        size_t cap = s->cap_ids ? s->cap_ids : 256;
        while (cap < s->n_ids + n) cap *= 2;
        int32_t *p = realloc(s->ids, cap * sizeof *p);
        if (!p) return 0;
        s->ids = p;
        s->cap_ids = cap;
    }
    memcpy(s->ids + s->n_ids, ids, n * sizeof *ids);
    s->n_ids += n;
    return 1;
}

static wick_status nomem(wick_error *err) {
    err->code = WICK_ERR_NOMEM;
    snprintf(err->message, sizeof err->message, "out of memory");
    return WICK_ERR_NOMEM;
}

/* The conversation rendered through the template and tokenized; *toks is
 * malloc'd. */
static wick_status render_prompt(chat_state *s, int32_t **toks, size_t *n_tok, wick_error *err) {
    chat_str js = {0};
    char *text = NULL;
    size_t text_len = 0;
    wick_status st = WICK_OK;
    *toks = NULL;
    if (!str_append(&js, "[", 1)) return nomem(err);
    for (size_t i = 0; i < s->n_msgs; i++) {
        if ((i && !str_append(&js, ",", 1)) || !str_append(&js, "{\"role\":\"", 9) ||
            !str_append(&js, s->msgs[i].role, strlen(s->msgs[i].role)) ||
            !str_append(&js, "\",\"content\":", 12) ||
            !str_append_json(&js, s->msgs[i].content, strlen(s->msgs[i].content)) ||
            !str_append(&js, "}", 1)) {
            free(js.p);
            return nomem(err);
        }
    }
    if (!str_append(&js, "]", 1)) {
        free(js.p);
        return nomem(err);
    }
    st = wick_chat_template_apply(s->model, NULL, js.p, NULL, NULL, 1, &text, &text_len, err);
    free(js.p);
    if (st != WICK_OK) return st;
    size_t cap = text_len + 16;
    *toks = malloc(cap * sizeof **toks);
    if (!*toks) {
        wick_free(text);
        return nomem(err);
    }
    st = wick_tokenize(s->model, text, text_len, WICK_TOKENIZE_ADD_SPECIAL | WICK_TOKENIZE_PARSE_SPECIAL,
                       *toks, cap, n_tok, err);
    wick_free(text);
    if (st != WICK_OK) {
        free(*toks);
        *toks = NULL;
        return st;
    }
    /* A template that writes BOS itself, plus ADD_SPECIAL, gives two. */
    int32_t bos = wick_token_bos(s->model);
    if (*n_tok >= 2 && (*toks)[0] == bos && (*toks)[1] == bos) {
        memmove(*toks, *toks + 1, (*n_tok - 1) * sizeof **toks);
        (*n_tok)--;
    }
    return WICK_OK;
}

/* Brings the context to hold exactly `toks` (reusing the shared prefix when
 * the context's ids are a prefix of it). *reused receives the prompt tokens
 * that were not decoded again. */
static wick_status load_prompt(chat_state *s, const int32_t *toks, size_t n_tok, size_t *reused,
                               wick_error *err) {
    size_t keep = 0;
    while (keep < s->n_ids && keep < n_tok && s->ids[keep] == toks[keep]) keep++;
    /* Reuse needs the whole context to be a prefix, and at least one new
     * token to decode (the logits come from the last decoded one). */
    if (keep != s->n_ids || keep == n_tok) {
        wick_context_reset(s->ctx);
        s->n_ids = 0;
        keep = 0;
    }
    *reused = keep;
    wick_status st = wick_decode(s->ctx, toks + keep, n_tok - keep, err);
    if (st != WICK_OK) {
        /* The decode may have failed half-way: start clean next turn. */
        wick_context_reset(s->ctx);
        s->n_ids = 0;
        return st;
    }
    if (!push_ids(s, toks + keep, n_tok - keep)) return nomem(err);
    return WICK_OK;
}

/* Generates one reply after the loaded prompt, streaming it to stdout and
 * appending its text to *reply. */
static wick_status generate_reply(chat_state *s, wick_detokenizer *detok, chat_str *reply, size_t *n_gen,
                                  wick_error *err) {
    *n_gen = 0;
    for (long i = 0; i < s->max_tokens; i++) {
        int32_t nv;
        const float *lg = wick_get_logits(s->ctx, &nv);
        int32_t tok;
        if (s->sampler) {
            wick_sample_result res;
            wick_status st = wick_sampler_sample(s->sampler, lg, &res, err);
            if (st != WICK_OK) return st;
            tok = res.token;
        } else {
            tok = wick_argmax(lg, nv);
        }
        if (wick_token_is_eog(s->model, tok)) break;
        if (s->sampler) {
            wick_status st = wick_sampler_accept(s->sampler, tok, err);
            if (st != WICK_OK) return st;
        }
        (*n_gen)++;
        const char *text;
        size_t len;
        wick_status st = wick_detokenizer_push(detok, tok, &text, &len, err);
        if (st != WICK_OK) return st;
        fwrite(text, 1, len, stdout);
        fflush(stdout);
        if (!str_append(reply, text, len)) return nomem(err);
        /* The last token is not decoded: the next turn's prompt holds it
         * (as text) and decodes it with the rest of the suffix. */
        if (i + 1 == s->max_tokens || wick_context_n_past(s->ctx) >= wick_context_n_ctx(s->ctx)) break;
        st = wick_decode(s->ctx, &tok, 1, err);
        if (st != WICK_OK) return st;
        if (!push_ids(s, &tok, 1)) return nomem(err);
    }
    const char *tail;
    size_t len;
    wick_status st = wick_detokenizer_flush(detok, &tail, &len, err);
    if (st != WICK_OK) return st;
    fwrite(tail, 1, len, stdout);
    if (!str_append(reply, tail, len)) return nomem(err);
    printf("\n");
    fflush(stdout);
    return WICK_OK;
}

/* Reads one line from `f` (without its newline) into *line. 0 at EOF with
 * nothing read, -1 out of memory. */
static int read_line(FILE *f, chat_str *line) {
    line->len = 0;
    if (!str_reserve(line, 0)) return -1;
    line->p[0] = '\0';
    int any = 0, c;
    while ((c = fgetc(f)) != EOF) {
        any = 1;
        if (c == '\n') break;
        char ch = (char)c;
        if (!str_append(line, &ch, 1)) return -1;
    }
    if (line->len && line->p[line->len - 1] == '\r') line->p[--line->len] = '\0';
    return any;
}

static int chat_parse_float(const char *s, float *out) {
    char *end;
    float v = strtof(s, &end);
    if (!*s || *end || !(v == v)) return 0;
    *out = v;
    return 1;
}

static int chat_parse_uint(const char *s, long max, long *out) {
    char *end;
    long v = strtol(s, &end, 10);
    if (!*s || *end || v < 0 || v > max) return 0;
    *out = v;
    return 1;
}

int cmd_chat(int argc, char **argv) {
    const char *model_path = NULL, *system_msg = NULL;
    long max_tokens = 256, n_threads = 1, n_ctx = 0, top_k = 0, seed = 0;
    wick_sampler_params sp;
    wick_sampler_params_default(&sp);
    sp.temperature = 0.0f;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int has_val = i + 1 < argc;
        if (!strcmp(a, "-m") && has_val) model_path = argv[++i];
        else if (!strcmp(a, "--system") && has_val) system_msg = argv[++i];
        else if (!strcmp(a, "-n") && has_val) {
            if (!chat_parse_uint(argv[++i], 1 << 20, &max_tokens) || !max_tokens)
                return cli_usage("chat", CHAT_USAGE, "-n: expected a count >= 1");
        } else if (!strcmp(a, "-t") && has_val) {
            char msg[160];
            if (!cli_parse_threads(argv[++i], &n_threads, msg, sizeof msg))
                return cli_usage("chat", CHAT_USAGE, msg);
        } else if (!strcmp(a, "-c") && has_val) {
            if (!chat_parse_uint(argv[++i], 1 << 20, &n_ctx))
                return cli_usage("chat", CHAT_USAGE, "-c: expected a token count");
        } else if (!strcmp(a, "--temp") && has_val) {
            if (!chat_parse_float(argv[++i], &sp.temperature) || sp.temperature < 0)
                return cli_usage("chat", CHAT_USAGE, "--temp: expected a number >= 0");
        } else if (!strcmp(a, "--top-p") && has_val) {
            if (!chat_parse_float(argv[++i], &sp.top_p)) return cli_usage("chat", CHAT_USAGE, "--top-p: expected a number");
        } else if (!strcmp(a, "--top-k") && has_val) {
            if (!chat_parse_uint(argv[++i], 1 << 24, &top_k))
                return cli_usage("chat", CHAT_USAGE, "--top-k: expected a count");
            sp.top_k = (int32_t)top_k;
        } else if (!strcmp(a, "--seed") && has_val) {
            if (!chat_parse_uint(argv[++i], 0x7fffffffL, &seed))
                return cli_usage("chat", CHAT_USAGE, "--seed: expected a number");
            sp.seed = (uint64_t)seed;
        } else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            printf("usage: wick chat %s\n", CHAT_USAGE);
            return 0;
        } else {
            char msg[128];
            snprintf(msg, sizeof msg, "unknown or incomplete option '%s'", a);
            return cli_usage("chat", CHAT_USAGE, msg);
        }
    }
    if (!model_path) return cli_usage("chat", CHAT_USAGE, "-m MODEL is required");

    wick_error err = {0};
    wick_model *model = NULL;
    wick_detokenizer *detok = NULL;
    chat_state s = {0};
    chat_str line = {0}, reply = {0};
    int32_t *toks = NULL;
    int rc = 1;
    s.max_tokens = max_tokens;
    cli_preload(model_path); /* a progress bar on a terminal, for large files */
    if (wick_model_open(model_path, &model, &err) != WICK_OK) goto done;
    s.model = model;
    wick_model_info info;
    if (wick_model_get_info(model, &info, &err) != WICK_OK) goto done;
    if (!info.has_chat_template) {
        err.code = WICK_ERR_UNSUPPORTED;
        snprintf(err.message, sizeof err.message,
                 "%s has no chat template (tokenizer.chat_template); use `wick run -p TEXT` for plain "
                 "completion",
                 model_path);
        goto done;
    }
    wick_context_params cp = wick_context_default_params();
    cp.n_ctx = (uint32_t)n_ctx;
    cp.n_threads = (int)n_threads;
    if (wick_context_new(model, &cp, &s.ctx, &err) != WICK_OK) goto done;
    if (sp.temperature > 0.0f && wick_sampler_new(wick_vocab_size(model), &sp, &s.sampler, &err) != WICK_OK)
        goto done;
    if (system_msg && !push_msg(&s, "system", system_msg, strlen(system_msg))) goto oom;
    fprintf(stderr, "wick chat: %s, context %u tokens; /reset forgets the conversation, /exit quits\n",
            info.name[0] ? info.name : info.architecture, wick_context_n_ctx(s.ctx));

    for (;;) {
        fprintf(stderr, "> ");
        fflush(stderr);
        int got = read_line(stdin, &line);
        if (got < 0) goto oom;
        if (got == 0) {
            fprintf(stderr, "\n"); /* end the "> " line at EOF */
            break;
        }
        if (!strcmp(line.p, "/exit")) break;
        if (!strcmp(line.p, "/reset")) {
            while (s.n_msgs > (system_msg ? 1u : 0u)) pop_msg(&s);
            wick_context_reset(s.ctx);
            s.n_ids = 0;
            if (s.sampler) wick_sampler_reset(s.sampler);
            fprintf(stderr, "wick chat: conversation reset\n");
            continue;
        }
        if (!line.len) continue;
        if (!push_msg(&s, "user", line.p, line.len)) goto oom;
        size_t n_tok = 0, reused = 0, n_gen = 0;
        free(toks);
        toks = NULL;
        if (render_prompt(&s, &toks, &n_tok, &err) != WICK_OK) goto done;
        if (n_tok >= wick_context_n_ctx(s.ctx)) {
            /* Not fatal: drop this message so the user can /reset or go on. */
            fprintf(stderr,
                    "wick chat: the conversation is %zu tokens but the context holds %u: /reset, or "
                    "restart with a larger -c\n",
                    n_tok, wick_context_n_ctx(s.ctx));
            pop_msg(&s);
            continue;
        }
        double t0 = chat_now_s();
        if (load_prompt(&s, toks, n_tok, &reused, &err) != WICK_OK) goto done;
        double t1 = chat_now_s();
        wick_detokenizer_free(detok);
        detok = NULL;
        if (wick_detokenizer_new(model, WICK_DETOKENIZE_SKIP_SPECIAL, &detok, &err) != WICK_OK) goto done;
        reply.len = 0;
        if (!str_reserve(&reply, 0)) goto oom;
        reply.p[0] = '\0';
        if (generate_reply(&s, detok, &reply, &n_gen, &err) != WICK_OK) goto done;
        double t2 = chat_now_s();
        if (!push_msg(&s, "assistant", reply.p, reply.len)) goto oom;
        fprintf(stderr,
                "wick chat: reused %zu of %zu prompt tokens; prefilled %zu in %.2f s; "
                "generated %zu tokens in %.2f s (%.1f tok/s)\n",
                reused, n_tok, n_tok - reused, t1 - t0, n_gen, t2 - t1,
                n_gen / (t2 - t1 > 0 ? t2 - t1 : 1e-9));
    }
    rc = 0;
    goto done;
oom:
    nomem(&err);
done:
    if (rc) cli_fail(&err);
    wick_detokenizer_free(detok);
    wick_sampler_free(s.sampler);
    wick_context_free(s.ctx);
    wick_model_close(model);
    while (s.n_msgs) pop_msg(&s);
    free(s.msgs);
    free(s.ids);
    free(line.p);
    free(reply.p);
    free(toks);
    return rc;
}
