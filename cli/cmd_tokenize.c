/* `wick tokenize` and `wick detokenize`.
 *
 *   wick tokenize -m MODEL [--no-special] [--no-parse-special] TEXT|-
 *   wick tokenize -m MODEL [--no-special] [--no-parse-special] --batch FILE.jsonl
 *   wick detokenize -m MODEL [--skip-special] ID...
 *
 * tokenize prints the ids on one line, separated by spaces. By default it
 * adds BOS/EOS as the model's metadata says and turns control tokens
 * written in the text into their ids, like Hugging Face's
 * encode(text, add_special_tokens=True). --batch reads one JSON string per
 * line and prints one line of ids per input line, loading the vocabulary
 * once (the conformance suites use it). detokenize prints the text of the
 * ids followed by a newline. */
#include "cli/cli.h"

#include "json/json.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char TOK_USAGE[] =
    "-m MODEL.gguf [--no-special] [--no-parse-special] (TEXT | - | --batch FILE.jsonl)";
static const char DETOK_USAGE[] = "-m MODEL.gguf [--skip-special] ID...";

/* Reads a whole stream; NULL on failure. */
static char *read_stream(FILE *f, size_t *len) {
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap);
    if (!buf) return NULL;
    for (;;) {
        if (n + 1 >= cap) {
            char *p = realloc(buf, cap * 2);
            if (!p) {
                free(buf);
                return NULL;
            }
            buf = p;
            cap *= 2;
        }
        size_t got = fread(buf + n, 1, cap - n - 1, f);
        n += got;
        if (got == 0) break;
    }
    if (ferror(f)) {
        free(buf);
        return NULL;
    }
    buf[n] = '\0';
    *len = n;
    return buf;
}

/* Prints ids space-separated and a newline (formatted by hand: a 1 MB text
 * has some 250,000 ids, and printf per id would cost more than tokenizing). */
static void print_ids(const int32_t *ids, size_t n) {
    char buf[8192];
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (k > sizeof buf - 16) {
            fwrite(buf, 1, k, stdout);
            k = 0;
        }
        if (i) buf[k++] = ' ';
        int64_t v = ids[i];
        if (v < 0) {
            buf[k++] = '-';
            v = -v;
        }
        char digits[12];
        int nd = 0;
        do {
            digits[nd++] = (char)('0' + v % 10);
            v /= 10;
        } while (v);
        while (nd) buf[k++] = digits[--nd];
    }
    buf[k++] = '\n';
    fwrite(buf, 1, k, stdout);
}

/* Tokenizes and prints one line of ids. `ids`/`cap` is a reusable buffer. */
static wick_status tokenize_line(const wick_model *m, const char *text, size_t len, int flags,
                                 int32_t **ids, size_t *cap, wick_error *err) {
    size_t n = 0;
    wick_status st = wick_tokenize(m, text, len, flags, *ids, *cap, &n, err);
    if (st == WICK_ERR_LIMIT && n > *cap) {
        int32_t *p = realloc(*ids, n * sizeof *p);
        if (!p) return WICK_ERR_NOMEM;
        *ids = p;
        *cap = n;
        st = wick_tokenize(m, text, len, flags, *ids, *cap, &n, err);
    }
    if (st != WICK_OK) return st;
    print_ids(*ids, n);
    return WICK_OK;
}

static int run_batch(const wick_model *m, const char *path, int flags) {
    wick_error err = {0};
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "wick: %s: cannot open: %s\n", path, strerror(errno));
        return 1;
    }
    size_t len = 0;
    char *data = read_stream(f, &len);
    fclose(f);
    if (!data) {
        fprintf(stderr, "wick: %s: read failed\n", path);
        return 1;
    }
    size_t cap = 4096;
    int32_t *ids = malloc(cap * sizeof *ids);
    int rc = ids ? 0 : 1;
    size_t line = 0;
    for (size_t at = 0; rc == 0 && at < len;) {
        const char *nl = memchr(data + at, '\n', len - at);
        size_t end = nl ? (size_t)(nl - data) : len;
        line++;
        size_t ll = end - at;
        if (ll && data[at + ll - 1] == '\r') ll--;
        char where[600];
        snprintf(where, sizeof where, "%s:%zu", path, line);
        json_doc *doc = NULL;
        wick_status st = json_parse(data + at, ll, where, &doc, &err);
        if (st == WICK_OK) {
            const json_value *v = json_doc_root(doc);
            if (v->type != JSON_STRING) {
                wick_error_set(&err, WICK_ERR_FORMAT, "%s: expected a JSON string", where);
                st = WICK_ERR_FORMAT;
            } else {
                st = tokenize_line(m, v->u.string.ptr, v->u.string.len, flags, &ids, &cap, &err);
                if (st != WICK_OK) wick_error_prefix(&err, "%s", where);
            }
        }
        json_doc_free(doc);
        if (st != WICK_OK) rc = cli_fail(&err);
        at = end + 1;
    }
    free(ids);
    free(data);
    if (fflush(stdout) != 0) rc = 1;
    return rc;
}

int cmd_tokenize(int argc, char **argv) {
    const char *model_path = NULL, *batch = NULL, *text = NULL;
    int flags = WICK_TOKENIZE_ADD_SPECIAL | WICK_TOKENIZE_PARSE_SPECIAL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-m") || !strcmp(a, "--model")) {
            if (++i >= argc) return cli_usage("tokenize", TOK_USAGE, "-m needs a model path");
            model_path = argv[i];
        } else if (!strcmp(a, "--batch")) {
            if (++i >= argc) return cli_usage("tokenize", TOK_USAGE, "--batch needs a file");
            batch = argv[i];
        } else if (!strcmp(a, "--no-special")) {
            flags &= ~WICK_TOKENIZE_ADD_SPECIAL;
        } else if (!strcmp(a, "--no-parse-special")) {
            flags &= ~WICK_TOKENIZE_PARSE_SPECIAL;
        } else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            printf("usage: wick tokenize %s\n", TOK_USAGE);
            return 0;
        } else if (a[0] == '-' && a[1] != '\0' && strcmp(a, "--") != 0) {
            char msg[300];
            snprintf(msg, sizeof msg, "unknown option '%.200s'", a);
            return cli_usage("tokenize", TOK_USAGE, msg);
        } else {
            if (!strcmp(a, "--")) {
                if (++i >= argc) break;
                a = argv[i];
            }
            if (text) return cli_usage("tokenize", TOK_USAGE, "give one TEXT argument (quote it)");
            text = a;
        }
    }
    if (!model_path) return cli_usage("tokenize", TOK_USAGE, "no model given (-m MODEL.gguf)");
    if (batch && text) return cli_usage("tokenize", TOK_USAGE, "give TEXT or --batch, not both");
    if (!batch && !text) return cli_usage("tokenize", TOK_USAGE, "no text given (TEXT, - for stdin, or --batch)");

    wick_error err = {0};
    wick_model *m = NULL;
    if (wick_model_open(model_path, &m, &err) != WICK_OK) return cli_fail(&err);
    int rc;
    if (batch) {
        rc = run_batch(m, batch, flags);
    } else {
        char *owned = NULL;
        size_t len = strlen(text);
        if (!strcmp(text, "-")) {
            owned = read_stream(stdin, &len);
            if (!owned) {
                wick_model_close(m);
                wick_error_set(&err, WICK_ERR_IO, "reading standard input failed");
                return cli_fail(&err);
            }
            text = owned;
        }
        size_t cap = len + 16;
        int32_t *ids = malloc(cap * sizeof *ids);
        wick_status st = ids ? tokenize_line(m, text, len, flags, &ids, &cap, &err) : WICK_ERR_NOMEM;
        if (st == WICK_ERR_NOMEM && !err.message[0]) wick_error_set(&err, st, "out of memory");
        rc = st == WICK_OK ? 0 : cli_fail(&err);
        free(ids);
        free(owned);
    }
    wick_model_close(m);
    return rc;
}

/* Parses a decimal token id; false if `s` is not one. */
static bool parse_id(const char *s, int32_t *out) {
    if (!*s) return false;
    errno = 0;
    char *end;
    long long v = strtoll(s, &end, 10);
    if (*end || errno || v < INT32_MIN || v > INT32_MAX) return false;
    *out = (int32_t)v;
    return true;
}

int cmd_detokenize(int argc, char **argv) {
    const char *model_path = NULL;
    int flags = 0;
    int32_t *ids = malloc((size_t)(argc > 0 ? argc : 1) * sizeof *ids);
    size_t n = 0;
    if (!ids) {
        wick_error err;
        wick_error_set(&err, WICK_ERR_NOMEM, "out of memory");
        return cli_fail(&err);
    }
    int rc = -1;
    bool only_ids = false; /* after "--" */
    for (int i = 1; i < argc && rc < 0; i++) {
        const char *a = argv[i];
        if (only_ids) {
            if (!parse_id(a, &ids[n++])) {
                wick_error err;
                wick_error_set(&err, WICK_ERR_INVALID_ARG, "detokenize: '%.200s' is not a token id (expected an integer)", a);
                rc = cli_fail(&err);
            }
        } else if (!strcmp(a, "--")) {
            only_ids = true;
        } else if (!strcmp(a, "-m") || !strcmp(a, "--model")) {
            if (++i >= argc) rc = cli_usage("detokenize", DETOK_USAGE, "-m needs a model path");
            else model_path = argv[i];
        } else if (!strcmp(a, "--skip-special")) {
            flags |= WICK_DETOKENIZE_SKIP_SPECIAL;
        } else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            printf("usage: wick detokenize %s\n", DETOK_USAGE);
            rc = 0;
        } else if (a[0] == '-' && !(a[1] >= '0' && a[1] <= '9')) {
            char msg[300];
            snprintf(msg, sizeof msg, "unknown option '%.200s'", a);
            rc = cli_usage("detokenize", DETOK_USAGE, msg);
        } else if (!parse_id(a, &ids[n++])) {
            wick_error err;
            wick_error_set(&err, WICK_ERR_INVALID_ARG, "detokenize: '%.200s' is not a token id (expected an integer)", a);
            rc = cli_fail(&err);
        }
    }
    if (rc < 0 && !model_path) rc = cli_usage("detokenize", DETOK_USAGE, "no model given (-m MODEL.gguf)");
    if (rc < 0 && n == 0) rc = cli_usage("detokenize", DETOK_USAGE, "no token ids given");
    if (rc >= 0) {
        free(ids);
        return rc;
    }
    wick_error err = {0};
    wick_model *m = NULL;
    char *text = NULL;
    size_t len = 0;
    if (wick_model_open(model_path, &m, &err) != WICK_OK ||
        wick_detokenize(m, ids, n, flags, &text, &len, &err) != WICK_OK) {
        rc = cli_fail(&err);
    } else {
        fwrite(text, 1, len, stdout);
        putchar('\n');
        rc = fflush(stdout) == 0 ? 0 : 1;
    }
    wick_free(text);
    wick_model_close(m);
    free(ids);
    return rc;
}
