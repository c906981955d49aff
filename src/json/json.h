/* JSON (RFC 8259) to a read-only tree, and a writer that prints it back.
 *
 * The whole tree lives in one arena owned by the json_doc: free the doc and
 * every value goes. Object members keep their order (templates iterate
 * dicts in insertion order, as Python does). Numbers remember whether they
 * were written as integers, so they print back the way Python's json.dumps
 * would print the value that json.loads made of them. */
#ifndef WICK_JSON_JSON_H
#define WICK_JSON_JSON_H

#include "core/buf.h"
#include "wick.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum json_type {
    JSON_NULL,
    JSON_BOOL,
    JSON_NUMBER,
    JSON_STRING,
    JSON_ARRAY,
    JSON_OBJECT
} json_type;

typedef struct json_value json_value;
typedef struct json_member json_member;

struct json_value {
    json_type type;
    union {
        bool boolean;
        struct {
            double f;       /* always set */
            int64_t i;      /* set when is_int */
            bool is_int;    /* written without fraction/exponent and fits int64 */
        } number;
        struct {
            char *ptr;      /* UTF-8, NUL-terminated; may contain NUL (use len) */
            size_t len;
        } string;
        struct {
            json_value **items;
            size_t len;
        } array;
        struct {
            json_member *members;
            size_t len;
        } object;
    } u;
};

struct json_member {
    char *key;
    size_t key_len;
    json_value *value;
};

typedef struct json_doc json_doc;

/* Parses `text[0..len)`. Nesting deeper than 512 levels, invalid UTF-8,
 * lone surrogates and trailing garbage are errors that give the line and
 * column. `source_name` prefixes messages (may be NULL). */
wick_status json_parse(const char *text, size_t len, const char *source_name, json_doc **out,
                       wick_error *err);
const json_value *json_doc_root(const json_doc *doc);
void json_doc_free(json_doc *doc);

/* Object member lookup by key; NULL when absent or `obj` is not an object. */
const json_value *json_get(const json_value *obj, const char *key);

/* ---- building values (used by the template engine and tools) */
json_doc *json_doc_new(void);
json_value *json_new_null(json_doc *doc);
json_value *json_new_bool(json_doc *doc, bool b);
json_value *json_new_int(json_doc *doc, int64_t i);
json_value *json_new_float(json_doc *doc, double f);
json_value *json_new_string(json_doc *doc, const char *s, size_t len);
json_value *json_new_array(json_doc *doc);
json_value *json_new_object(json_doc *doc);
bool json_array_push(json_doc *doc, json_value *arr, json_value *item);
bool json_object_set(json_doc *doc, json_value *obj, const char *key, size_t key_len,
                     json_value *value);
void json_doc_set_root(json_doc *doc, json_value *root);

/* ---- writing */
typedef struct json_write_opts {
    int indent;             /* < 0: one line; >= 0: newlines and this many spaces per level */
    bool ensure_ascii;      /* escape non-ASCII as \uXXXX (Python's default) */
    const char *item_sep;   /* NULL: ", " when indent < 0, "," otherwise (as json.dumps) */
    const char *key_sep;    /* NULL: ": " */
    bool sort_keys;
} json_write_opts;

/* Writes `v` like Python's json.dumps(v, indent=..., ensure_ascii=...,
 * separators=..., sort_keys=...): floats use the shortest repr that
 * round-trips ("1.0", "1e-05", "1e+100"), NaN/inf as NaN/Infinity. */
void json_write(wick_buf *b, const json_value *v, const json_write_opts *opts);

/* Python float repr for a double, into buf (at least 32 bytes). */
void json_format_double(double f, char *buf, size_t cap);

#endif
