/* Pieces of the JSON Schema converter shared by json_schema.c (the schema
 * walker) and json_schema_text.c (regexes, string formats and number ranges
 * as GBNF). Every function writes GBNF for the JSON *text* of a value, so a
 * regex character that JSON must escape (" \ control characters) comes out
 * as its escape sequence. */
#ifndef WICK_GRAMMAR_JSON_SCHEMA_INTERNAL_H
#define WICK_GRAMMAR_JSON_SCHEMA_INTERNAL_H

#include "core/buf.h"
#include "wick.h"

#include <stdbool.h>
#include <stdint.h>

#define JS_UNBOUNDED UINT64_MAX

/* Integer parts have at most 16 digits (|n| <= 10^16 - 1), as llama.cpp's
 * integral-part rule, so generation cannot run on through digits. */
#define JS_INT_DIGITS 16
#define JS_INT_MAX 9999999999999999LL

/* Appends `s[0..n)` as a GBNF literal "..." (quote, backslash and control
 * bytes escaped). */
void js_gbnf_literal(wick_buf *out, const char *s, size_t n);

/* Appends a GBNF sequence matching the *content* of a JSON string (between
 * the quotes) whose decoded value fully matches the regex `re` and has
 * between min_len and max_len code points (max_len JS_UNBOUNDED: no limit).
 * `path` names the schema location in errors. */
wick_status js_regex_gbnf(const char *re, size_t n, uint64_t min_len, uint64_t max_len,
                          wick_buf *out, const char *path, wick_error *err);

/* The regex a string `format` stands for (approximations documented in
 * json_schema.h), or NULL if Wick does not know the format. */
const char *js_format_regex(const char *format);

/* Appends a GBNF expression for the JSON integers in [lo, hi] (clamped to
 * +-JS_INT_MAX); lo <= hi. */
void js_int_range_gbnf(wick_buf *out, int64_t lo, int64_t hi);

/* Appends a GBNF expression for JSON numbers (no exponent) in the range
 * lo..hi where each bound is an integer (clamped to +-JS_INT_MAX),
 * optionally exclusive, optionally absent. Returns false if the range is
 * empty. */
bool js_number_range_gbnf(wick_buf *out, bool has_lo, int64_t lo, bool lo_excl, bool has_hi,
                          int64_t hi, bool hi_excl);

#endif
