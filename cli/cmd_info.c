/* `wick info [--json] MODEL`: what a GGUF file holds and what running it
 * would cost. The summary comes from wick_model_get_info; a few extras
 * (format version, file type, sliding window) are read from the GGUF index
 * directly. If the file parses but its tokenizer does not load, the summary
 * is still printed, with the tokenizer error. */
#include "cli/cli.h"

#include "core/status.h"

#include "gguf/gguf_reader.h"
#include "model/model.h"
#include "model/model_info.h"
#include "model/model_info_json.h"
#include "platform/file_map.h"

#include <stdio.h>
#include <string.h>

static const char USAGE[] = "[--json] MODEL.gguf   (or -m MODEL.gguf)";

typedef struct info_view {
    const char *path;
    const gguf_file *g;
    wick_model_info info;
    bool has_file_type;
    uint32_t file_type;
    uint32_t sliding_window; /* 0: none */
    const char *load_error;  /* tokenizer/template failure, or NULL */
} info_view;

static double mib(uint64_t bytes) { return (double)bytes / (1024.0 * 1024.0); }

static void print_text(const info_view *v) {
    const wick_model_info *in = &v->info;
    char params[32];
    model_info_human_count(in->n_params, params, sizeof params);
    printf("model           %s\n", v->path);
    printf("format          GGUF v%u, %lld metadata keys, %lld tensors, data at byte %llu "
           "(alignment %u)\n",
           gguf_version(v->g), (long long)gguf_kv_count(v->g), (long long)gguf_tensor_count(v->g),
           (unsigned long long)gguf_data_offset(v->g), gguf_alignment(v->g));
    printf("architecture    %s\n", in->architecture[0] ? in->architecture : "(not set)");
    printf("name            %s\n", in->name[0] ? in->name : "(not set)");
    printf("parameters      %s (%llu)\n", params, (unsigned long long)in->n_params);
    if (v->has_file_type) {
        const char *ft = model_file_type_name(v->file_type);
        printf("file type       %s (general.file_type %u)\n", ft ? ft : "unknown", v->file_type);
    } else {
        printf("file type       (general.file_type not set)\n");
    }
    uint32_t ids[64];
    int n = model_info_sorted_types(in, ids);
    for (int i = 0; i < n; i++) {
        const char *name = wick_type_name(ids[i]);
        printf("%s%-6s %5u tensor%s %10.2f MiB\n", i ? "                " : "quantization    ",
               name ? name : "?", in->tensors_per_type[ids[i]],
               in->tensors_per_type[ids[i]] == 1 ? " " : "s", mib(in->bytes_per_type[ids[i]]));
    }
    if (in->context_length) printf("context         %u tokens\n", in->context_length);
    else printf("context         (not set)\n");
    printf("layers          %u\n", in->n_layers);
    printf("embedding       %u\n", in->n_embd);
    printf("heads           %u query, %u key/value; head dim %u (keys) / %u (values)\n", in->n_head,
           in->n_head_kv, in->head_dim_k, in->head_dim_v);
    if (in->vocab_size)
        printf("vocabulary      %u tokens, %s tokenizer, pre-tokenizer %s\n", in->vocab_size,
               in->vocab_type[0] ? in->vocab_type : "(unknown)",
               in->pre_tokenizer[0] ? in->pre_tokenizer : "(not set)");
    else
        printf("vocabulary      (none)\n");
    printf("chat template   %s\n", in->has_chat_template ? "yes" : "no");
    printf("memory          weights %.2f MiB; f16 KV cache %.2f MiB per 1k tokens of context\n",
           mib(in->weight_bytes), mib(in->kv_bytes_per_1k));
    if (v->sliding_window)
        printf("sliding window  %u tokens: layers that use it keep at most %u positions of KV "
               "cache, so long contexts need less than the figure above\n",
               v->sliding_window, v->sliding_window);
    if (v->load_error) printf("tokenizer       cannot be loaded: %s\n", v->load_error);
}

/* The JSON form is built in the core (wick_model_info_json), shared with
 * the browser shell. */
static int print_json(const info_view *v) {
    wick_buf b = {0};
    model_info_json_write(v->g, v->path, &v->info, v->load_error, &b);
    if (b.failed) {
        wick_buf_free(&b);
        wick_error err;
        wick_error_set(&err, WICK_ERR_NOMEM, "out of memory (model info JSON)");
        return cli_fail(&err);
    }
    fwrite(b.data, 1, b.len, stdout);
    wick_buf_free(&b);
    return 0;
}

/* Extras that wick_model_info does not carry. */
static void read_extras(info_view *v) {
    v->has_file_type = gguf_get_u32(v->g, "general.file_type", &v->file_type);
    if (v->info.architecture[0]) {
        char key[128];
        snprintf(key, sizeof key, "%s.attention.sliding_window", v->info.architecture);
        if (!gguf_get_u32(v->g, key, &v->sliding_window)) v->sliding_window = 0;
    }
}

int cmd_info(int argc, char **argv) {
    const char *path = NULL;
    bool json = false;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--json")) json = true;
        else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            printf("usage: wick info %s\n", USAGE);
            return 0;
        } else if (!strcmp(argv[i], "-m") || !strcmp(argv[i], "--model")) {
            if (i + 1 >= argc) return cli_usage("info", USAGE, "-m needs a file name");
            if (path) return cli_usage("info", USAGE, "more than one model given");
            path = argv[++i];
        } else if (argv[i][0] == '-' && argv[i][1]) {
            char msg[160];
            snprintf(msg, sizeof msg, "unknown option '%s'", argv[i]);
            return cli_usage("info", USAGE, msg);
        } else {
            if (path) return cli_usage("info", USAGE, "more than one model given");
            path = argv[i];
        }
    }
    if (!path) return cli_usage("info", USAGE, "no model given");

    info_view v;
    memset(&v, 0, sizeof v);
    v.path = path;
    wick_error err = {WICK_OK, ""}, load_err = {WICK_OK, ""};
    wick_model *m = NULL;
    wick_file_map map = {0};
    gguf_file *own = NULL;
    wick_status st = wick_model_open(path, &m, &load_err);
    if (st == WICK_OK) {
        v.g = m->gguf;
        st = wick_model_get_info(m, &v.info, &err);
    } else if (st == WICK_ERR_IO || st == WICK_ERR_NOMEM) {
        return cli_fail(&load_err);
    } else {
        /* Either the GGUF itself is bad (report that) or only the tokenizer or
         * template failed to load (summarise the file anyway). */
        uint64_t header = 0;
        st = wick_file_map_open(path, &map, &err);
        if (st == WICK_OK)
            st = gguf_parse(map.data, (size_t)map.size, map.size, path, &own, &header, &err);
        if (st == WICK_OK) {
            v.g = own;
            v.load_error = load_err.message;
            st = model_info_from_gguf(own, path, &v.info, &err);
        }
    }
    int rc = 0;
    if (st != WICK_OK) {
        rc = cli_fail(&err);
    } else {
        read_extras(&v);
        if (json) rc = print_json(&v);
        else print_text(&v);
    }
    gguf_free(own);
    wick_file_map_close(&map);
    wick_model_close(m);
    return rc;
}
