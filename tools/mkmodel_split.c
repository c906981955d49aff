/* wick-mkmodel split: splits a GGUF file as llama.cpp's gguf-split does
 * with --split-max-tensors N (tools/gguf-split/gguf-split.cpp):
 *
 *   OUT-00001-of-0000K.gguf  all of the input's metadata, then split.no = 0,
 *                            split.count = K (uint16), split.tensors.count =
 *                            all tensors (int32); its first N tensors
 *   OUT-0000i-of-0000K.gguf  only the three split.* keys; the next N tensors
 *
 * Tensors keep their order; data is aligned to the file's alignment (32
 * unless general.alignment says otherwise, which only the first shard
 * carries, as in gguf-split). Metadata values are copied byte for byte. */
#include "tools/mkmodel.h"

#include "core/status.h"
#include "gguf/gguf_reader.h"
#include "gguf/gguf_writer.h"
#include "platform/file_map.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int usage(void) {
    fprintf(stderr, "usage: wick-mkmodel split [--split-max-tensors N] IN.gguf OUT_PREFIX\n"
                    "  writes OUT_PREFIX-00001-of-0000K.gguf ... (N tensors per shard, default 128)\n");
    return 2;
}

/* A NUL-terminated copy of a GGUF string (names are short; keys too). */
static char *str_dup(gguf_str s) {
    char *p = malloc(s.len + 1);
    if (!p) return NULL;
    memcpy(p, s.ptr, s.len);
    p[s.len] = '\0';
    return p;
}

static bool copy_metadata(gguf_writer *w, const gguf_file *g) {
    for (int64_t k = 0; k < gguf_kv_count(g); k++) {
        gguf_str key = gguf_kv_key(g, k);
        if (key.len >= 6 && memcmp(key.ptr, "split.", 6) == 0) continue; /* rewritten below */
        const uint8_t *val;
        uint64_t len;
        char *name = str_dup(key);
        bool ok = name && gguf_kv_raw_value(g, k, &val, &len) &&
                  gguf_writer_set_raw(w, name, gguf_kv_type(g, k), val, (size_t)len);
        free(name);
        if (!ok) return false;
    }
    return true;
}

static wick_status write_shard(const gguf_file *g, const uint8_t *data, uint32_t shard,
                               uint32_t count, uint64_t per_shard, const char *path,
                               wick_error *err) {
    gguf_writer *w = gguf_writer_new();
    if (!w) return wick_error_set(err, WICK_ERR_NOMEM, "out of memory");
    const uint64_t n_tensors = (uint64_t)gguf_tensor_count(g);
    bool ok = shard > 0 || copy_metadata(w, g);
    ok = ok && gguf_writer_set_u16(w, "split.no", (uint16_t)shard) &&
         gguf_writer_set_u16(w, "split.count", (uint16_t)count) &&
         gguf_writer_set_i32(w, "split.tensors.count", (int32_t)n_tensors);
    uint64_t end = (uint64_t)(shard + 1) * per_shard;
    for (uint64_t i = (uint64_t)shard * per_shard; ok && i < n_tensors && i < end; i++) {
        const gguf_tensor_info *t = gguf_tensor(g, (int64_t)i);
        char *name = str_dup(t->name);
        ok = name && gguf_writer_add_tensor(w, name, t->n_dims, t->ne, t->type, data + t->offset,
                                            (size_t)t->size);
        free(name);
    }
    wick_status st = gguf_writer_write_file(w, path, err); /* reports a failed setter too */
    if (st == WICK_OK && !ok) st = wick_error_set(err, WICK_ERR_NOMEM, "%s: out of memory", path);
    gguf_writer_free(w);
    return st;
}

int mkmodel_split(int argc, char **argv) {
    uint64_t per_shard = 128;
    const char *in = NULL, *prefix = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--split-max-tensors")) {
            if (i + 1 >= argc || !mkmodel_parse_u64(argv[i + 1], 1u << 30, &per_shard) || !per_shard)
                return usage();
            i++;
        } else if (argv[i][0] == '-' && argv[i][1]) {
            return usage();
        } else if (!in) {
            in = argv[i];
        } else if (!prefix) {
            prefix = argv[i];
        } else {
            return usage();
        }
    }
    if (!in || !prefix) return usage();

    wick_error err = {WICK_OK, ""};
    wick_file_map map = {0};
    gguf_file *g = NULL;
    uint64_t header = 0;
    wick_status st = wick_file_map_open(in, &map, &err);
    if (st == WICK_OK) st = gguf_parse(map.data, (size_t)map.size, map.size, in, &g, &header, &err);
    uint32_t count = 0;
    if (st == WICK_OK) {
        uint32_t already = 1;
        const uint64_t n = (uint64_t)gguf_tensor_count(g);
        if (gguf_get_u32(g, "split.count", &already) && already > 1)
            st = wick_error_set(&err, WICK_ERR_INVALID_ARG, "%s: already a shard (split.count %u)",
                                in, already);
        else if (n == 0)
            st = wick_error_set(&err, WICK_ERR_INVALID_ARG, "%s: no tensors to split", in);
        else if ((n + per_shard - 1) / per_shard > 65535 || n > INT32_MAX)
            st = wick_error_set(&err, WICK_ERR_LIMIT, "%s: more than 65535 shards", in);
        else
            count = (uint32_t)((n + per_shard - 1) / per_shard);
    }
    for (uint32_t s = 0; st == WICK_OK && s < count; s++) {
        char path[4096];
        if ((size_t)snprintf(path, sizeof path, "%s-%05u-of-%05u.gguf", prefix, s + 1, count) >= sizeof path) {
            st = wick_error_set(&err, WICK_ERR_INVALID_ARG, "%s: output prefix too long", prefix);
            break;
        }
        st = write_shard(g, map.data, s, count, per_shard, path, &err);
        if (st == WICK_OK) printf("%s\n", path);
    }
    gguf_free(g);
    wick_file_map_close(&map);
    if (st != WICK_OK) {
        fprintf(stderr, "wick-mkmodel split: %s\n", err.message);
        return 1;
    }
    return 0;
}
