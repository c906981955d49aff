/* JSON parser, builders and writer. Expected outputs were produced with
 * Python 3.11's json.dumps / repr on the same values. */
#include "json/json.h"

#include "test_harness.h"

#include <math.h>
#include <stdlib.h>

/* Parses `in`, writes it with `o`, compares with `want`. */
static void roundtrip(test_state *ts, const char *in, const json_write_opts *o, const char *want) {
    json_doc *d = NULL;
    wick_error err = {0};
    wick_status st = json_parse(in, strlen(in), "t", &d, &err);
    CHECK_MSG(ts, st == WICK_OK, "parse %s: %s", in, err.message);
    if (st != WICK_OK) return;
    wick_buf b = {0};
    json_write(&b, json_doc_root(d), o);
    CHECK_MSG(ts, !b.failed && b.len == strlen(want) && memcmp(b.data, want, b.len) == 0,
              "input %s\n  want %s\n  got  %s", in, want, b.data ? b.data : "");
    wick_buf_free(&b);
    json_doc_free(d);
}

static const json_write_opts DEFAULT = {-1, true, NULL, NULL, false};

/* Parses `in`, expects failure with `code` and a message containing each
 * of the NULL-terminated fragments. */
static void bad(test_state *ts, const char *in, size_t len, wick_status code, const char *frag1,
                const char *frag2) {
    json_doc *d = NULL;
    wick_error err = {0};
    wick_status st = json_parse(in, len, "cfg.json", &d, &err);
    CHECK_MSG(ts, st == code, "input %.40s: status %d, want %d (%s)", in, st, code, err.message);
    CHECK(ts, d == NULL);
    CHECK_MSG(ts, strstr(err.message, "cfg.json: line ") != NULL, "%s", err.message);
    if (frag1) CHECK_MSG(ts, strstr(err.message, frag1) != NULL, "'%s' not in: %s", frag1, err.message);
    if (frag2) CHECK_MSG(ts, strstr(err.message, frag2) != NULL, "'%s' not in: %s", frag2, err.message);
    json_doc_free(d);
}

static void test_float_repr(test_state *ts) {
    static const struct {
        double v;
        const char *want;
    } cases[] = {
        {1.0, "1.0"},
        {0.1, "0.1"},
        {1e-05, "1e-05"},
        {0.0001, "0.0001"},
        {1e16, "1e+16"},
        {1e15, "1000000000000000.0"},
        {123456789012345.0, "123456789012345.0"},
        {1234567890123456.0, "1234567890123456.0"},
        {12345678901234567.0, "1.2345678901234568e+16"},
        {-0.0, "-0.0"},
        {0.0, "0.0"},
        {0.30000000000000004, "0.30000000000000004"},
        {1.7976931348623157e308, "1.7976931348623157e+308"},
        {5e-324, "5e-324"},
        {2.2250738585072014e-308, "2.2250738585072014e-308"},
        {1e100, "1e+100"},
        {1.5e-7, "1.5e-07"},
        {-2.5, "-2.5"},
        {100.0, "100.0"},
        {3.141592653589793, "3.141592653589793"},
        {9007199254740993.0, "9007199254740992.0"},
        {1e22, "1e+22"},
        {5e-5, "5e-05"},
        {0.001, "0.001"},
    };
    char buf[64];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        json_format_double(cases[i].v, buf, sizeof buf);
        CHECK_STR_EQ(ts, buf, cases[i].want);
    }
    json_format_double(NAN, buf, sizeof buf);
    CHECK_STR_EQ(ts, buf, "nan");
    json_format_double(-INFINITY, buf, sizeof buf);
    CHECK_STR_EQ(ts, buf, "-inf");
    /* every double printed reads back exactly (powers of two are the hard case) */
    int bad_rt = 0;
    for (int e = -1074; e < 1024; e++) {
        double x = ldexp(1.0, e);
        json_format_double(x, buf, sizeof buf);
        if (strtod(buf, NULL) != x) bad_rt++;
    }
    CHECK_MSG(ts, bad_rt == 0, "%d powers of two did not round-trip", bad_rt);
    printf("float repr: %zu fixed cases, 2098 powers of two, %d round-trip failures\n",
           sizeof cases / sizeof cases[0], bad_rt);
}

static void test_writer_default(test_state *ts) {
    roundtrip(ts, "{\"a\": [1, 2.5, 1e16, 1e-5, -0.0, true, null, {}, []]}", &DEFAULT,
              "{\"a\": [1, 2.5, 1e+16, 1e-05, -0.0, true, null, {}, []]}");
    /* numbers: ints stay ints, anything with a fraction or exponent is a float */
    roundtrip(ts, "[-0, 1E2, 1.50, 9223372036854775807, -9223372036854775808, 9223372036854775808]",
              &DEFAULT,
              "[0, 100.0, 1.5, 9223372036854775807, -9223372036854775808, 9.223372036854776e+18]");
    /* overflow reads as infinity, as Python's float() */
    roundtrip(ts, "[1e400, -1e400, 1e-400]", &DEFAULT, "[Infinity, -Infinity, 0.0]");
    /* strings: ensure_ascii escapes non-ASCII and DEL, lowercase hex */
    roundtrip(ts, "\"\\u00E9\\ud83d\\ude00\\/\\u0000\\u001f\\u007f\\b\\f\\n\\r\\t\\\"\\\\\"", &DEFAULT,
              "\"\\u00e9\\ud83d\\ude00/\\u0000\\u001f\\u007f\\b\\f\\n\\r\\t\\\"\\\\\"");
    json_write_opts raw = {-1, false, NULL, NULL, false};
    roundtrip(ts, "\"\\u00e9\\ud83d\\ude00\\u007f\\u0001\\u2028\"", &raw,
              "\"\xc3\xa9\xf0\x9f\x98\x80\x7f\\u0001\xe2\x80\xa8\"");
    /* duplicate keys: first position, last value (Python dict) */
    roundtrip(ts, "{\"z\": 1, \"a\": 2, \"z\": 3}", &DEFAULT, "{\"z\": 3, \"a\": 2}");
}

static void test_writer_indent(test_state *ts) {
    json_write_opts o2 = {2, true, NULL, NULL, false};
    roundtrip(ts, "{\"a\": [1, {\"x\": []}], \"b\": {}}", &o2,
              "{\n  \"a\": [\n    1,\n    {\n      \"x\": []\n    }\n  ],\n  \"b\": {}\n}");
    json_write_opts o0 = {0, true, NULL, NULL, false};
    roundtrip(ts, "[1, [2]]", &o0, "[\n1,\n[\n2\n]\n]");
    json_write_opts sorted = {-1, true, ",", ":", true};
    roundtrip(ts, "{\"b\": 1, \"a\": {\"d\": 2, \"c\": 3}, \"\xc3\xa9\": 0, \"B\": 4}", &sorted,
              "{\"B\":4,\"a\":{\"c\":3,\"d\":2},\"b\":1,\"\\u00e9\":0}");
    /* custom item separator with indent keeps its trailing space before the newline */
    json_write_opts o1 = {1, true, ", ", " = ", false};
    roundtrip(ts, "{\"a\": [1, 2]}", &o1, "{\n \"a\" = [\n  1, \n  2\n ]\n}");
}

static void test_builders(test_state *ts) {
    json_doc *d = json_doc_new();
    json_value *root = json_new_object(d);
    json_value *arr = json_new_array(d);
    for (int i = 0; i < 100; i++) CHECK(ts, json_array_push(d, arr, json_new_int(d, i)));
    CHECK(ts, json_object_set(d, root, "list", 4, arr));
    CHECK(ts, json_object_set(d, root, "s", 1, json_new_string(d, "a\0b", 3)));
    CHECK(ts, json_object_set(d, root, "f", 1, json_new_float(d, NAN)));
    CHECK(ts, json_object_set(d, root, "g", 1, json_new_float(d, 2.0)));
    CHECK(ts, json_object_set(d, root, "n", 1, json_new_null(d)));
    CHECK(ts, json_object_set(d, root, "b", 1, json_new_bool(d, false)));
    CHECK(ts, json_object_set(d, root, "s", 1, json_new_string(d, "x", 1))); /* replaces */
    /* a large object switches to the hash index; lookups keep working */
    json_value *big = json_new_object(d);
    char key[32];
    for (int i = 0; i < 1000; i++) {
        snprintf(key, sizeof key, "k%d", i);
        CHECK(ts, json_object_set(d, big, key, strlen(key), json_new_int(d, i)));
    }
    CHECK(ts, json_object_set(d, big, "k7", 2, json_new_int(d, -7)));
    CHECK(ts, big->u.object.len == 1000);
    int wrong = 0;
    for (int i = 0; i < 1000; i++) {
        snprintf(key, sizeof key, "k%d", i);
        const json_value *v = json_get(big, key);
        if (!v || v->u.number.i != (i == 7 ? -7 : i)) wrong++;
    }
    CHECK_MSG(ts, wrong == 0, "%d wrong lookups", wrong);
    CHECK(ts, json_get(big, "nope") == NULL);
    json_doc_set_root(d, root);
    CHECK(ts, json_doc_root(d) == root);
    CHECK(ts, arr->u.array.len == 100);
    const json_value *s = json_get(root, "s");
    CHECK(ts, s && s->type == JSON_STRING && s->u.string.len == 1);
    CHECK(ts, json_get(arr, "s") == NULL);
    CHECK(ts, !json_array_push(d, root, arr)); /* not an array */
    wick_buf b = {0};
    json_value *small = json_new_object(d);
    json_object_set(d, small, "s", 1, json_new_string(d, "a\0b", 3));
    json_object_set(d, small, "f", 1, json_new_float(d, NAN));
    json_object_set(d, small, "i", 1, json_new_float(d, -INFINITY));
    json_object_set(d, small, "g", 1, json_new_float(d, 2.0));
    json_object_set(d, small, "bad", 3, json_new_string(d, "\xff\xc3", 2));
    json_write(&b, small, &DEFAULT);
    CHECK_STR_EQ(ts, b.data,
                 "{\"s\": \"a\\u0000b\", \"f\": NaN, \"i\": -Infinity, \"g\": 2.0, "
                 "\"bad\": \"\\ufffd\\ufffd\"}");
    wick_buf_free(&b);
    json_doc_free(d);
}

static void test_parse_tree(test_state *ts) {
    const char *in = "\xEF\xBB\xBF {\"a\": {\"b\": [true, false, null, \"x\\u0000y\"]}, \"n\": -12.5e1}";
    json_doc *d;
    wick_error err;
    CHECK(ts, json_parse(in, strlen(in), NULL, &d, &err) == WICK_OK);
    const json_value *r = json_doc_root(d);
    CHECK(ts, r->type == JSON_OBJECT && r->u.object.len == 2);
    const json_value *b = json_get(json_get(r, "a"), "b");
    CHECK(ts, b && b->type == JSON_ARRAY && b->u.array.len == 4);
    CHECK(ts, b->u.array.items[0]->u.boolean && !b->u.array.items[1]->u.boolean);
    CHECK(ts, b->u.array.items[2]->type == JSON_NULL);
    CHECK(ts, b->u.array.items[3]->u.string.len == 3 && b->u.array.items[3]->u.string.ptr[1] == 0);
    const json_value *n = json_get(r, "n");
    CHECK(ts, n && !n->u.number.is_int && n->u.number.f == -125.0);
    /* a big object with duplicates (hash index path) */
    wick_buf big = {0};
    wick_buf_putc(&big, '{');
    for (int i = 0; i < 5000; i++) wick_buf_printf(&big, "%s\"k%d\": %d", i ? "," : "", i % 4000, i);
    wick_buf_putc(&big, '}');
    json_doc *d2;
    CHECK(ts, json_parse(big.data, big.len, NULL, &d2, &err) == WICK_OK);
    const json_value *o = json_doc_root(d2);
    CHECK(ts, o->u.object.len == 4000);
    CHECK(ts, json_get(o, "k5")->u.number.i == 4005);
    CHECK(ts, json_get(o, "k3999")->u.number.i == 3999);
    CHECK(ts, strcmp(o->u.object.members[5].key, "k5") == 0);
    /* builders on a parsed tree */
    CHECK(ts, json_object_set(d2, (json_value *)o, "new", 3, json_new_int(d2, 1)));
    CHECK(ts, json_get(o, "new")->u.number.i == 1 && o->u.object.len == 4001);
    wick_buf_free(&big);
    json_doc_free(d2);
    json_doc_free(d);
    /* depth: 512 levels are fine, 513 are not */
    char deep[1100];
    memset(deep, '[', 512);
    memset(deep + 512, ']', 512);
    CHECK(ts, json_parse(deep, 1024, NULL, &d, &err) == WICK_OK);
    json_doc_free(d);
    memset(deep, '[', 513);
    memset(deep + 513, ']', 513);
    bad(ts, deep, 1026, WICK_ERR_LIMIT, "deeper than 512", "column 513");
}

static void test_errors(test_state *ts) {
    bad(ts, "", 0, WICK_ERR_FORMAT, "expected a value", "end of input");
    bad(ts, "[1,\n  2,, 3]", 12, WICK_ERR_FORMAT, "line 2, column 5", "found ','");
    bad(ts, "[1, 2", 5, WICK_ERR_FORMAT, "opened at byte 0", "end of input");
    bad(ts, "{\"a\" 1}", 7, WICK_ERR_FORMAT, "expected ':'", NULL);
    bad(ts, "{\"a\": 1,}", 9, WICK_ERR_FORMAT, "object key", NULL);
    bad(ts, "[1,]", 4, WICK_ERR_FORMAT, "expected a value", NULL);
    bad(ts, "01", 2, WICK_ERR_FORMAT, "end of input after the top-level value", NULL);
    bad(ts, "1.", 2, WICK_ERR_FORMAT, "after the decimal point", NULL);
    bad(ts, "1e+", 3, WICK_ERR_FORMAT, "exponent", NULL);
    bad(ts, "-", 1, WICK_ERR_FORMAT, "a digit", NULL);
    bad(ts, "\"\\ud800\"", 8, WICK_ERR_FORMAT, "lone high surrogate", NULL);
    bad(ts, "\"\\udc00\"", 8, WICK_ERR_FORMAT, "lone low surrogate", NULL);
    bad(ts, "\"\\ud800\\u0041\"", 14, WICK_ERR_FORMAT, "lone high surrogate", NULL);
    bad(ts, "\"\\u12g4\"", 8, WICK_ERR_FORMAT, "4 hex digits", NULL);
    bad(ts, "\"\\q\"", 4, WICK_ERR_FORMAT, "escape character", NULL);
    bad(ts, "\"a\tb\"", 5, WICK_ERR_FORMAT, "control character 0x09", NULL);
    bad(ts, "\"\xc3\"", 3, WICK_ERR_FORMAT, "invalid UTF-8", NULL);
    bad(ts, "\"\xed\xa0\x80\"", 5, WICK_ERR_FORMAT, "invalid UTF-8", NULL); /* encoded surrogate */
    bad(ts, "\"\xc0\xaf\"", 4, WICK_ERR_FORMAT, "invalid UTF-8", NULL);     /* overlong */
    bad(ts, "\"\xf4\x90\x80\x80\"", 6, WICK_ERR_FORMAT, "invalid UTF-8", NULL); /* > U+10FFFF */
    bad(ts, "\"abc", 4, WICK_ERR_FORMAT, "unterminated string", NULL);
    bad(ts, "NaN", 3, WICK_ERR_FORMAT, "found 'N'", NULL);
    bad(ts, "tru", 3, WICK_ERR_FORMAT, "expected a value", NULL);
    bad(ts, "[1] x", 5, WICK_ERR_FORMAT, "column 5", NULL);
    bad(ts, "\"\xc3\xa9\" x", 6, WICK_ERR_FORMAT, "column 5 (byte 5)", NULL); /* columns count code points */
    bad(ts, "[\x01]", 3, WICK_ERR_FORMAT, "byte 0x01", NULL);
    /* embedded NUL bytes outside strings are errors, not terminators */
    bad(ts, "[1]\0", 4, WICK_ERR_FORMAT, "end of input after", NULL);
}

TEST_MAIN("json", TEST(test_float_repr), TEST(test_writer_default), TEST(test_writer_indent),
          TEST(test_builders), TEST(test_parse_tree), TEST(test_errors))
