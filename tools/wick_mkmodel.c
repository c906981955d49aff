/* wick-mkmodel: writes GGUF files for tests.
 *
 *   random  a random-weight model of a llama.cpp architecture, with a real
 *           vocabulary imported from a tokenizer.json
 *   vocab   a vocab-only GGUF (no tensors), for tokenizer conformance
 *   split   a GGUF split into shards as llama.cpp's gguf-split writes them
 *
 * Hidden test drivers (used by tests/conformance):
 *   json-roundtrip  reformat JSON documents (one per input line) with
 *                   json_write, to compare against Python's json.dumps
 *   quant-roundtrip quantize/dequantize raw float32 rows (see quant.sh) */
#include "tools/mkmodel.h"

#include "core/buf.h"
#include "json/json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int json_roundtrip(int argc, char **argv) {
    json_write_opts o = {-1, true, NULL, NULL, false};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--sort-keys")) {
            o.sort_keys = true;
        } else if (!v) {
            fprintf(stderr, "wick-mkmodel json-roundtrip: %s needs a value\n", a);
            return 2;
        } else if (!strcmp(a, "--indent")) {
            o.indent = atoi(v), i++;
        } else if (!strcmp(a, "--ensure-ascii")) {
            o.ensure_ascii = atoi(v) != 0, i++;
        } else if (!strcmp(a, "--item-sep")) {
            o.item_sep = v, i++;
        } else if (!strcmp(a, "--key-sep")) {
            o.key_sep = v, i++;
        } else {
            fprintf(stderr,
                    "usage: wick-mkmodel json-roundtrip [--indent N] [--ensure-ascii 0|1] "
                    "[--item-sep S] [--key-sep S] [--sort-keys] < lines.jsonl\n");
            return 2;
        }
    }
    size_t len;
    char *in = mkmodel_read_stdin(&len);
    if (!in) {
        fprintf(stderr, "wick-mkmodel json-roundtrip: out of memory reading stdin\n");
        return 1;
    }
    /* One document per line; each output document is followed by "\n". */
    wick_buf out = {0};
    size_t line_no = 0;
    for (size_t start = 0; start < len;) {
        const char *nl = memchr(in + start, '\n', len - start);
        size_t end = nl ? (size_t)(nl - in) : len;
        line_no++;
        char name[32];
        snprintf(name, sizeof name, "input line %zu", line_no);
        json_doc *doc;
        wick_error err;
        if (json_parse(in + start, end - start, name, &doc, &err) == WICK_OK) {
            json_write(&out, json_doc_root(doc), &o);
            json_doc_free(doc);
        } else {
            wick_buf_printf(&out, "ERROR: %s", err.message);
        }
        wick_buf_putc(&out, '\n');
        start = end + 1;
    }
    free(in);
    int rc = 0;
    if (out.failed) {
        fprintf(stderr, "wick-mkmodel json-roundtrip: out of memory\n");
        rc = 1;
    } else if (out.len && fwrite(out.data, 1, out.len, stdout) != out.len) {
        rc = 1;
    }
    wick_buf_free(&out);
    return rc;
}

void mkmodel_usage(FILE *f) {
    fprintf(f,
            "usage:\n"
            "  wick-mkmodel random --arch ARCH --type TYPE --tokenizer tokenizer.json\n"
            "      [--tokenizer-config tokenizer_config.json] [--pre NAME] [--name NAME]\n"
            "      [--size tiny|small] [--n-embd N] [--n-layer N] [--n-head N] [--n-head-kv N]\n"
            "      [--n-ff N] [--ctx N] [--head-dim N] [--sliding-window N] [--tied|--untied]\n"
            "      [--seed S] [--rope-scaling llama3 [--rope-factor F] [--rope-low-freq-factor F]\n"
            "      [--rope-high-freq-factor F] [--rope-orig-ctx N]] -o OUT.gguf\n"
            "    a random-weight model llama.cpp can load. ARCH: llama, qwen2, qwen3, phi3,\n"
            "    gemma2, gemma3. TYPE (matrices; norms and other vectors stay f32): ");
    mkmodel_list_types(f);
    fprintf(f,
            ".\n"
            "    Rows a k-quant cannot hold fall back as llama-quantize does (q4_K -> q5_0,\n"
            "    q5_K -> q5_1, q6_K -> q8_0, then f16). Sizes: tiny (n_embd 64, 2 layers),\n"
            "    small (n_embd 256, 4 layers); the vocabulary comes from the tokenizer.\n"
            "    --rope-scaling llama3 (llama only) writes Llama 3.1-style RoPE scaling as\n"
            "    llama.cpp's converter does, a rope_freqs.weight tensor (defaults: factor 8,\n"
            "    low/high freq factors 1 and 4, original context 8192).\n"
            "  wick-mkmodel vocab --tokenizer tokenizer.json [--tokenizer-config FILE]\n"
            "      [--pre NAME] [--name NAME] -o OUT.gguf\n"
            "    a vocab-only GGUF (architecture llama, no tensors).\n"
            "  wick-mkmodel split [--split-max-tensors N] IN.gguf OUT_PREFIX\n"
            "    OUT_PREFIX-00001-of-0000K.gguf ...: IN split as llama.cpp's gguf-split\n"
            "    --split-max-tensors N does (default 128 tensors per shard).\n"
            "  --name sets general.name (llama.cpp keys some vocabulary fixes on it,\n"
            "  e.g. Phi-3's, whose name contains \"phi3\" or \"phi-3\").\n");
}

int main(int argc, char **argv) {
    if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
        mkmodel_usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    const char *cmd = argv[1];
    if (!strcmp(cmd, "random")) return mkmodel_random(argc - 1, argv + 1);
    if (!strcmp(cmd, "vocab")) return mkmodel_vocab(argc - 1, argv + 1);
    if (!strcmp(cmd, "split")) return mkmodel_split(argc - 1, argv + 1);
    if (!strcmp(cmd, "json-roundtrip")) return json_roundtrip(argc - 1, argv + 1);
    if (!strcmp(cmd, "quant-roundtrip")) return mkmodel_quant_roundtrip(argc - 1, argv + 1);
    fprintf(stderr, "wick-mkmodel: unknown command '%s'\n", cmd);
    mkmodel_usage(stderr);
    return 2;
}
