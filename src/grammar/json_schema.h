/* JSON Schema to GBNF (grammar/grammar.h compiles the result; start rule
 * "root"). Every grammar accepts only JSON text that validates against the
 * schema ("sound"); where an exact grammar is impossible or impractical it
 * accepts a documented subset of the valid documents, and where even that
 * is not possible the conversion fails with WICK_ERR_UNSUPPORTED and a
 * message naming the keyword and its JSON path, e.g.
 *   schema at $.properties.age: unsupported keyword 'dependentSchemas'
 * Nothing is silently ignored.
 *
 * Whitespace: every value is followed by `ws ::= | " " | "\n" [ \t]{0,20}`
 * (as llama.cpp's json-schema-to-grammar: one space, or one newline and up
 * to 20 spaces/tabs of indentation), so generation cannot loop on
 * whitespace; the document may not start with whitespace.
 *
 * Keywords:
 *  - annotations, ignored: title, description, $schema, $id, $comment,
 *    $anchor, examples, example, default, deprecated, readOnly, writeOnly,
 *    contentEncoding, contentMediaType, discriminator, externalDocs, xml,
 *    and any key starting with "x-" (OpenAPI extensions); $defs and
 *    definitions hold targets of $ref.
 *  - type (a name or an array of names), nullable (OpenAPI: adds null).
 *    Without `type`, the types are those whose keywords appear (properties
 *    -> object, items -> array, pattern -> string, minimum -> number ...),
 *    or any JSON value if none do.
 *  - const, enum (values of another `type` are dropped; error if none is
 *    left). A const/enum value is generated as written, compact: objects
 *    in their key order, strings (and property names) with non-ASCII
 *    characters raw, never as \u escapes.
 *  - object: properties, required, additionalProperties (true, false or a
 *    schema; when absent the object is CLOSED: generation never adds keys
 *    the schema does not name, as llama.cpp). Property order is fixed, as
 *    llama.cpp's: required properties first in `properties` order (then
 *    required names `properties` does not declare), then the optional ones
 *    in `properties` order, each skippable, then additional properties,
 *    whose keys cannot repeat a declared name. minProperties/maxProperties
 *    only where the other keywords already guarantee them (else error).
 *  - array: items (a schema, or an array = prefixItems as in draft 4-7, with
 *    additionalItems), prefixItems, minItems, maxItems. prefixItems without
 *    `items` generates no items beyond the prefix. uniqueItems: true is an
 *    error unless maxItems <= 1.
 *  - string: minLength, maxLength (code points), pattern, format.
 *    pattern: a regex subset - literals, escapes (\d \w \s \D \W \S \n \t
 *    \xHH \uHHHH \. ...), classes [a-z] [^...], ., groups (...) (?:...)
 *    (?<name>...), alternation, * + ? {m} {m,} {m,n} (lazy forms too),
 *    ^ at the start and $ at the end. Patterns are generated as if anchored
 *    at both ends (a subset of the strings containing a match). Errors:
 *    lookaround, backreferences, \b, \p{..}, inline flags, possessive
 *    quantifiers, anchors elsewhere. \w is ASCII. With minLength/maxLength,
 *    the pattern's own lengths must fit, or it must be one repeated class.
 *    format (approximations, all valid by RFC 3339 / Python's checkers):
 *    date (years 1000-2999, February up to 28), time and date-time
 *    (RFC 3339, offset or Z required), uuid (lowercase hex), email
 *    (dot-atom local part @ hostname), hostname (1-5 labels of at most 62
 *    characters), ipv4, ipv6 (full 8-group form only), uri / uri-reference
 *    / url (http(s)://host[:port][/path][?query]). Other formats: error,
 *    except int32, int64, float and double on numbers (annotations).
 *    format with pattern: error.
 *  - integer/number: minimum, maximum, exclusiveMinimum, exclusiveMaximum
 *    (draft 4 booleans too). Integer ranges are exact (at most 16 digits:
 *    |n| < 10^16). Number ranges with integer bounds are exact apart from
 *    exponents (never generated with a bound); a non-integer bound is
 *    rounded inwards to an integer (sound, a subset). Unbounded numbers:
 *    up to 16 integer digits, 15 fraction digits, exponent up to 2 digits.
 *    multipleOf: error, except multipleOf 1.
 *  - anyOf and oneOf (oneOf generated as anyOf: a document matching two
 *    branches would be invalid for oneOf; schemas whose branches overlap
 *    are the caller's risk, as in llama.cpp). Sibling keywords are merged
 *    into each branch.
 *  - allOf: merged into one schema when the parts do not conflict
 *    (properties united, required united, same type; other keywords may
 *    appear in one part only); else error.
 *  - $ref: local refs only ("#", "#/$defs/X", "#/definitions/X", any JSON
 *    pointer), recursion included; a ref cycle that consumes no input
 *    (left recursion) is an error.
 *  - everything else (not, if/then/else, patternProperties,
 *    propertyNames, dependentRequired, dependentSchemas, dependencies,
 *    unevaluated*, contains, $dynamicRef ...): error. */
#ifndef WICK_GRAMMAR_JSON_SCHEMA_H
#define WICK_GRAMMAR_JSON_SCHEMA_H

#include "core/buf.h"
#include "wick.h"

#include <stddef.h>

/* Converts a JSON Schema (UTF-8 JSON text) to GBNF text appended to `out`.
   Malformed JSON or schema: WICK_ERR_FORMAT; keywords or constructs Wick
   cannot generate: WICK_ERR_UNSUPPORTED; size limits: WICK_ERR_LIMIT. */
wick_status json_schema_to_gbnf(const char *schema, size_t len, wick_buf *out, wick_error *err);

/* {type:'json_object'} mode: any JSON object (same whitespace policy). */
wick_status json_object_gbnf(wick_buf *out, wick_error *err);

#endif
