/* Fuzz target: json_parse must never crash; whatever parses must print
 * (json_write, several option sets) as text that parses back to an equal
 * tree, and printing that again gives the same bytes. Trees holding
 * non-finite numbers (from overflowing literals like 1e999) are printed but
 * not reparsed: NaN/Infinity are not JSON. */
#include "json/json.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static int has_nonfinite(const json_value *v) {
    switch (v->type) {
    case JSON_NUMBER: return !v->u.number.is_int && !isfinite(v->u.number.f);
    case JSON_ARRAY:
        for (size_t i = 0; i < v->u.array.len; i++)
            if (has_nonfinite(v->u.array.items[i])) return 1;
        return 0;
    case JSON_OBJECT:
        for (size_t i = 0; i < v->u.object.len; i++)
            if (has_nonfinite(v->u.object.members[i].value)) return 1;
        return 0;
    default: return 0;
    }
}

static int equal(const json_value *a, const json_value *b) {
    if (a->type != b->type) return 0;
    switch (a->type) {
    case JSON_NULL: return 1;
    case JSON_BOOL: return a->u.boolean == b->u.boolean;
    case JSON_NUMBER:
        if (a->u.number.is_int != b->u.number.is_int) return 0;
        if (a->u.number.is_int) return a->u.number.i == b->u.number.i;
        return memcmp(&a->u.number.f, &b->u.number.f, sizeof(double)) == 0;
    case JSON_STRING:
        return a->u.string.len == b->u.string.len &&
               memcmp(a->u.string.ptr, b->u.string.ptr, a->u.string.len) == 0;
    case JSON_ARRAY:
        if (a->u.array.len != b->u.array.len) return 0;
        for (size_t i = 0; i < a->u.array.len; i++)
            if (!equal(a->u.array.items[i], b->u.array.items[i])) return 0;
        return 1;
    case JSON_OBJECT:
        if (a->u.object.len != b->u.object.len) return 0;
        for (size_t i = 0; i < a->u.object.len; i++) {
            const json_member *ma = &a->u.object.members[i];
            const json_value *vb = json_get(b, ma->key);
            /* keys with NUL cannot be looked up by name: compare in order */
            if (strlen(ma->key) != ma->key_len) {
                const json_member *mb = &b->u.object.members[i];
                if (mb->key_len != ma->key_len || memcmp(mb->key, ma->key, ma->key_len)) return 0;
                vb = mb->value;
            }
            if (!vb || !equal(ma->value, vb)) return 0;
        }
        return 1;
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    json_doc *doc = NULL;
    wick_error err;
    if (json_parse((const char *)data, size, "fuzz", &doc, &err) != WICK_OK) {
        if (doc || !memchr(err.message, 0, sizeof err.message)) abort();
        return 0;
    }
    const json_value *root = json_doc_root(doc);
    int finite = !has_nonfinite(root);
    static const json_write_opts opts[] = {
        {-1, true, NULL, NULL, false},
        {2, false, NULL, NULL, false},
        {0, true, ",", ":", true},
    };
    for (size_t k = 0; k < sizeof opts / sizeof opts[0]; k++) {
        wick_buf b = {0};
        json_write(&b, root, &opts[k]);
        if (b.failed) abort();
        if (finite) {
            json_doc *again = NULL;
            if (json_parse(b.data, b.len, "rewritten", &again, &err) != WICK_OK) abort();
            /* sorted output reorders members, so only compare unsorted trees */
            if (!opts[k].sort_keys && !equal(root, json_doc_root(again))) abort();
            wick_buf b2 = {0};
            json_write(&b2, json_doc_root(again), &opts[k]);
            if (b2.len != b.len || memcmp(b2.data, b.data, b.len) != 0) abort();
            wick_buf_free(&b2);
            json_doc_free(again);
        }
        wick_buf_free(&b);
    }
    json_doc_free(doc);
    return 0;
}
