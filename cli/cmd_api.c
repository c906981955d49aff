/* `wick api`: one OpenAI-style request through the wick_engine, as a
 * server would answer it.
 *
 *   wick api -m MODEL [--completion] [-t N] [-c CTX] [-b BATCH]
 *            [--created UNIX_S] [--id ID] [--turns] < request.json
 *
 * The request body (a chat completion, or with --completion a legacy
 * completion) is read from stdin. With "stream": true every step's chunks
 * are printed as server-sent events, `data: {...}` and a blank line each,
 * then `data: [DONE]`; otherwise the response object on one line. A
 * refused request prints OpenAI's error object on stdout and exits 1.
 *
 * --turns reads one request per stdin line instead and runs them in order
 * on one engine (so later ones reuse the KV prefix of earlier ones), each
 * answered as above. This is the reference output the browser tests
 * compare the wasm build with. --created and --id make the output
 * byte-for-byte repeatable (default: the current time, generated ids). */
#include "cli/cli.h"

#include "json/json.h"
#include "wick_api.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char API_USAGE[] =
    "-m MODEL.gguf [--completion] [-t THREADS] [-c CTX] [-b BATCH] [--created UNIX_S] [--id ID] [--turns] "
    "< request.json";

static int api_parse_long(const char *s, long min, long max, long *out) {
    char *end;
    long v = strtol(s, &end, 10);
    if (!*s || *end || v < min || v > max) return 0;
    *out = v;
    return 1;
}

/* Prints each element of the chunk array `arr` as an SSE event. */
static int print_chunks(const char *arr, size_t len) {
    json_doc *doc = NULL;
    wick_error err;
    if (json_parse(arr, len, "chunks", &doc, &err) != WICK_OK) return cli_fail(&err);
    const json_value *root = json_doc_root(doc);
    json_write_opts o = {-1, false, ",", ":", false};
    for (size_t i = 0; root->type == JSON_ARRAY && i < root->u.array.len; i++) {
        wick_buf b = {0};
        json_write(&b, root->u.array.items[i], &o);
        printf("data: %s\n\n", b.data ? b.data : "");
        wick_buf_free(&b);
    }
    json_doc_free(doc);
    return 0;
}

/* Runs one request; 0 ok, 1 refused or failed. */
static int run_request(wick_engine *e, wick_request_kind kind, const char *body, size_t len,
                       const wick_request_opts *opts) {
    wick_error err = {0};
    int stream = 0;
    json_doc *doc = NULL;
    if (json_parse(body, len, "request", &doc, &err) == WICK_OK) {
        const json_value *s = json_get(json_doc_root(doc), "stream");
        stream = s && s->type == JSON_BOOL && s->u.boolean;
        json_doc_free(doc);
    }
    size_t elen;
    if (wick_engine_start(e, kind, body, len, opts, &err) != WICK_OK) {
        const char *ej = wick_engine_error_json(e, &elen);
        printf("%s\n", ej ? ej : "{}");
        fprintf(stderr, "wick api: %s\n", err.message);
        return 1;
    }
    int done = 0;
    while (!done) {
        const char *chunks;
        size_t n;
        if (wick_engine_step(e, &chunks, &n, &done, &err) != WICK_OK) {
            const char *ej = wick_engine_error_json(e, &elen);
            if (stream) printf("data: %s\n\n", ej ? ej : "{}");
            else printf("%s\n", ej ? ej : "{}");
            fprintf(stderr, "wick api: %s\n", err.message);
            return 1;
        }
        if (stream && print_chunks(chunks, n)) return 1;
        fflush(stdout);
    }
    if (stream) {
        printf("data: [DONE]\n\n");
    } else {
        size_t rlen;
        const char *r = wick_engine_response(e, &rlen);
        printf("%s\n", r ? r : "{}");
    }
    fflush(stdout);
    return 0;
}

static char *read_all(FILE *f, size_t *len) {
    size_t cap = 4096, n = 0;
    char *p = malloc(cap);
    if (!p) return NULL;
    size_t got;
    while ((got = fread(p + n, 1, cap - n - 1, f)) > 0) {
        n += got;
        if (n + 1 == cap) {
            char *q = realloc(p, cap * 2);
            if (!q) {
                free(p);
                return NULL;
            }
            p = q;
            cap *= 2;
        }
    }
    p[n] = '\0';
    *len = n;
    return p;
}

int cmd_api(int argc, char **argv) {
    const char *model_path = NULL, *id = NULL;
    long n_threads = 1, n_ctx = 0, n_batch = 0, created = -1;
    int completion = 0, turns = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int has_val = i + 1 < argc;
        if (!strcmp(a, "-m") && has_val) model_path = argv[++i];
        else if (!strcmp(a, "--completion")) completion = 1;
        else if (!strcmp(a, "--turns")) turns = 1;
        else if (!strcmp(a, "--id") && has_val) id = argv[++i];
        else if (!strcmp(a, "-t") && has_val) {
            if (!api_parse_long(argv[++i], 1, 256, &n_threads)) return cli_usage("api", API_USAGE, "-t: expected 1..256 threads");
        } else if (!strcmp(a, "-c") && has_val) {
            if (!api_parse_long(argv[++i], 0, 1 << 20, &n_ctx)) return cli_usage("api", API_USAGE, "-c: expected a token count");
        } else if (!strcmp(a, "-b") && has_val) {
            if (!api_parse_long(argv[++i], 0, 1 << 16, &n_batch)) return cli_usage("api", API_USAGE, "-b: expected a token count");
        } else if (!strcmp(a, "--created") && has_val) {
            if (!api_parse_long(argv[++i], 0, 0x7fffffffL, &created)) return cli_usage("api", API_USAGE, "--created: expected unix seconds");
        } else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            printf("usage: wick api %s\n", API_USAGE);
            return 0;
        } else {
            char msg[128];
            snprintf(msg, sizeof msg, "unknown or incomplete option '%s'", a);
            return cli_usage("api", API_USAGE, msg);
        }
    }
    if (!model_path) return cli_usage("api", API_USAGE, "-m MODEL is required");
    size_t len = 0;
    char *body = read_all(stdin, &len);
    if (!body) {
        fprintf(stderr, "wick api: out of memory reading stdin\n");
        return 1;
    }
    wick_error err = {0};
    wick_model *model = NULL;
    wick_engine *e = NULL;
    int rc = 1;
    if (wick_model_open(model_path, &model, &err) != WICK_OK) {
        cli_fail(&err);
        goto done;
    }
    wick_engine_params p;
    wick_engine_params_default(&p);
    p.n_ctx = (uint32_t)n_ctx;
    p.n_batch = (uint32_t)n_batch;
    p.n_threads = (int)n_threads;
    if (wick_engine_new(model, &p, &e, &err) != WICK_OK) {
        cli_fail(&err);
        goto done;
    }
    wick_request_opts opts = {created >= 0 ? (int64_t)created : (int64_t)time(NULL), id};
    wick_request_kind kind = completion ? WICK_REQ_COMPLETION : WICK_REQ_CHAT;
    if (!turns) {
        rc = run_request(e, kind, body, len, &opts);
    } else {
        rc = 0;
        for (char *line = body; *line;) {
            char *nl = strchr(line, '\n');
            size_t n = nl ? (size_t)(nl - line) : strlen(line);
            if (n && run_request(e, kind, line, n, &opts)) rc = 1;
            line += n + (nl ? 1 : 0);
        }
    }
done:
    wick_engine_free(e);
    wick_model_close(model);
    free(body);
    return rc;
}
