/* Small helpers shared by wick-mkmodel's subcommands. */
#include "tools/mkmodel.h"

#include "gguf/ggml_types.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool ieq(const char *a, const char *b) {
    for (; *a && *b; a++, b++)
        if (tolower((unsigned char)*a) != tolower((unsigned char)*b)) return false;
    return *a == *b;
}

bool mkmodel_parse_type(const char *name, uint32_t *type) {
    for (uint32_t t = 0; t < GGML_TYPE_COUNT; t++) {
        const ggml_type_traits *tt = ggml_type_get(t);
        if (tt && quant_type_supported(t) && ieq(tt->name, name)) {
            *type = t;
            return true;
        }
    }
    return false;
}

void mkmodel_list_types(FILE *f) {
    const char *sep = "";
    for (uint32_t t = 0; t < GGML_TYPE_COUNT; t++) {
        if (!quant_type_supported(t)) continue;
        fprintf(f, "%s%s", sep, ggml_type_get(t)->name);
        sep = ", ";
    }
}

bool mkmodel_parse_u64(const char *s, uint64_t max, uint64_t *out) {
    if (!s || !*s || !isdigit((unsigned char)*s)) return false;
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    if (*end || v > max) return false;
    *out = v;
    return true;
}

char *mkmodel_read_stdin(size_t *len) {
    size_t cap = 1 << 16, n = 0;
    char *data = malloc(cap);
    if (!data) return NULL;
    for (;;) {
        if (n == cap) {
            char *p = cap > SIZE_MAX / 2 ? NULL : realloc(data, cap * 2);
            if (!p) {
                free(data);
                return NULL;
            }
            data = p;
            cap *= 2;
        }
        size_t got = fread(data + n, 1, cap - n, stdin);
        if (got == 0) break;
        n += got;
    }
    *len = n;
    return data;
}

/* quant-roundtrip --type T (--quantize | --dequantize): raw little-endian
 * float32 values <-> ggml blocks, stdin to stdout. */
int mkmodel_quant_roundtrip(int argc, char **argv) {
    const char *type_name = NULL;
    int mode = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--type") && i + 1 < argc) type_name = argv[++i];
        else if (!strcmp(argv[i], "--quantize")) mode = 1;
        else if (!strcmp(argv[i], "--dequantize")) mode = 2;
        else mode = -1;
    }
    uint32_t type;
    if (!type_name || mode <= 0) {
        fprintf(stderr, "usage: wick-mkmodel quant-roundtrip --type TYPE --quantize|--dequantize < in > out\n");
        return 2;
    }
    if (!mkmodel_parse_type(type_name, &type)) {
        fprintf(stderr, "wick-mkmodel quant-roundtrip: unknown type '%s' (supported: ", type_name);
        mkmodel_list_types(stderr);
        fprintf(stderr, ")\n");
        return 2;
    }
    const ggml_type_traits *tt = ggml_type_get(type);
    size_t len;
    char *in = mkmodel_read_stdin(&len);
    if (!in) {
        fprintf(stderr, "wick-mkmodel quant-roundtrip: out of memory\n");
        return 1;
    }
    size_t in_unit = mode == 1 ? 4 * (size_t)tt->block_size : tt->type_size;
    size_t out_unit = mode == 1 ? tt->type_size : 4 * (size_t)tt->block_size;
    if (len % in_unit) {
        fprintf(stderr, "wick-mkmodel quant-roundtrip: input of %zu bytes is not a whole number of %zu-byte %s\n",
                len, in_unit, mode == 1 ? "float blocks" : "quantized blocks");
        free(in);
        return 1;
    }
    size_t nblocks = len / in_unit;
    int64_t n = (int64_t)(nblocks * tt->block_size);
    void *out = malloc(nblocks * out_unit + 1);
    float *fx = NULL;
    if (mode == 1 && out) { /* align the floats */
        fx = malloc(len + 1);
        if (fx) memcpy(fx, in, len);
    }
    bool ok = out && (mode == 2 || fx) &&
              (mode == 1 ? quantize_row(type, fx, out, n) : dequantize_row(type, in, (float *)out, n));
    if (ok) ok = fwrite(out, 1, nblocks * out_unit, stdout) == nblocks * out_unit;
    free(fx);
    free(out);
    free(in);
    if (!ok) fprintf(stderr, "wick-mkmodel quant-roundtrip: failed\n");
    return ok ? 0 : 1;
}
