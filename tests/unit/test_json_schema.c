/* JSON Schema to GBNF: each schema's grammar is compiled with the grammar
 * engine; hand-written valid documents must be accepted and invalid ones
 * (checked against the JSON Schema spec by hand) rejected. Then the
 * unsupported keywords / constructs must fail naming the keyword and path. */
#include "grammar/grammar.h"
#include "grammar/json_schema.h"
#include "test_harness.h"

#include <stdlib.h>

typedef struct schema_case {
    const char *schema;
    const char *valid[10];
    const char *invalid[10];
} schema_case;

static const schema_case schema_cases[] = {
    /* scalars */
    {"{\"type\":\"string\"}", {"\"\"", "\"abc\"", "\"a\\\"b\\\\c\\n\\u00e9\"", "\"h\xc3\xa9llo\""}, {"abc", "1", "\"a", "\"\\x\"", "\"\\ud800\""}},
    {"{\"type\":\"integer\"}", {"0", "-7", "123456"}, {"1.5", "01", "\"1\"", "1e3", "--1"}},
    {"{\"type\":\"number\"}", {"0", "-0.5", "3.14", "1e10", "2E-3"}, {".5", "1.", "+1", "NaN", "0x1"}},
    {"{\"type\":\"boolean\"}", {"true", "false"}, {"True", "1", "null"}},
    {"{\"type\":\"null\"}", {"null"}, {"nil", "0"}},
    {"{\"type\":[\"string\",\"null\"]}", {"\"x\"", "null"}, {"1", "true"}},
    {"{\"type\":\"string\",\"nullable\":true}", {"\"x\"", "null"}, {"1"}},
    {"true", {"1", "{\"a\":[1,{\"b\":null}]}", "\"s\""}, {"", "{"}},
    {"{}", {"[]", "-1.5", "{\"x\":{}}"}, {"[1,]", "{'a':1}"}},
    /* enum / const */
    {"{\"enum\":[\"red\",\"green\",\"blue\"]}", {"\"red\"", "\"blue\""}, {"\"Red\"", "\"yellow\"", "red"}},
    {"{\"enum\":[1,\"two\",null,{\"a\":[3]}]}", {"1", "\"two\"", "null", "{\"a\":[3]}"}, {"2", "\"1\"", "{\"a\":[4]}"}},
    {"{\"type\":\"string\",\"enum\":[\"a\",1]}", {"\"a\""}, {"1"}},
    {"{\"const\":\"fixed\"}", {"\"fixed\""}, {"\"other\""}},
    /* objects */
    {"{\"type\":\"object\",\"properties\":{\"name\":{\"type\":\"string\"},\"age\":{\"type\":\"integer\"}},\"required\":[\"name\",\"age\"]}",
     {"{\"name\":\"A\",\"age\":3}", "{ \"name\": \"A\", \"age\": 3 }", "{\n  \"name\": \"A\",\n  \"age\": 3\n}"},
     {"{\"name\":\"A\"}", "{\"age\":3,\"name\":\"A\"}", "{\"name\":\"A\",\"age\":3,\"x\":1}", "{\"name\":\"A\",\"age\":\"3\"}", "{\"name\":\"A\",  \"age\":3}"}},
    {"{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"integer\"},\"b\":{\"type\":\"integer\"},\"c\":{\"type\":\"integer\"}}}",
     {"{}", "{\"a\":1}", "{\"b\":2}", "{\"a\":1,\"c\":3}", "{\"a\":1,\"b\":2,\"c\":3}", "{\"c\":3}"},
     {"{\"b\":2,\"a\":1}", "{\"a\":1,\"a\":1}", "{\"d\":1}", "{,}"}},
    {"{\"type\":\"object\",\"properties\":{\"id\":{\"type\":\"integer\"}},\"required\":[\"id\"],\"additionalProperties\":{\"type\":\"string\"}}",
     {"{\"id\":1}", "{\"id\":1,\"x\":\"y\",\"z\":\"w\"}", "{\"id\":1,\"idx\":\"y\",\"i\":\"\"}"},
     {"{\"id\":1,\"x\":2}", "{\"id\":1,\"id\":\"y\"}", "{\"x\":\"y\"}"}},
    {"{\"type\":\"object\",\"additionalProperties\":true}", {"{}", "{\"k\":[1,2],\"j\":null}"}, {"[]"}},
    {"{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"string\"}},\"additionalProperties\":false}",
     {"{}", "{\"a\":\"x\"}"}, {"{\"b\":1}", "{\"a\":1}"}},
    {"{\"type\":\"object\",\"properties\":{\"user\":{\"type\":\"object\",\"properties\":{\"address\":{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"},\"zip\":{\"type\":\"string\",\"pattern\":\"^[0-9]{5}$\"}},\"required\":[\"city\",\"zip\"]}},\"required\":[\"address\"]}},\"required\":[\"user\"]}",
     {"{\"user\":{\"address\":{\"city\":\"Paris\",\"zip\":\"75001\"}}}"},
     {"{\"user\":{\"address\":{\"city\":\"Paris\",\"zip\":\"7500\"}}}", "{\"user\":{}}"}},
    {"{\"type\":\"object\",\"required\":[\"k\"]}", {"{\"k\":1}", "{\"k\":{\"z\":[]}}"}, {"{}", "{\"j\":1}"}},
    {"{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"integer\"},\"b\":{\"type\":\"integer\"}},\"required\":[\"b\"]}",
     {"{\"b\":1}", "{\"b\":1,\"a\":2}"}, {"{\"a\":2,\"b\":1}", "{\"a\":2}"}},
    /* arrays */
    {"{\"type\":\"array\",\"items\":{\"type\":\"integer\"}}", {"[]", "[1]", "[1, 2, 3]", "[\n  1,\n  2\n]"}, {"[1,]", "[\"a\"]", "[1 2]"}},
    {"{\"type\":\"array\",\"items\":{\"type\":\"string\"},\"minItems\":2,\"maxItems\":3}",
     {"[\"a\",\"b\"]", "[\"a\",\"b\",\"c\"]"}, {"[]", "[\"a\"]", "[\"a\",\"b\",\"c\",\"d\"]"}},
    {"{\"type\":\"array\",\"prefixItems\":[{\"type\":\"string\"},{\"type\":\"integer\"}],\"items\":false}",
     {"[]", "[\"a\"]", "[\"a\",1]"}, {"[1]", "[\"a\",1,2]"}},
    {"{\"type\":\"array\",\"prefixItems\":[{\"type\":\"string\"},{\"type\":\"integer\"}],\"items\":{\"type\":\"boolean\"},\"minItems\":2}",
     {"[\"a\",1]", "[\"a\",1,true,false]"}, {"[\"a\"]", "[\"a\",1,2]"}},
    {"{\"type\":\"array\",\"items\":[{\"const\":1},{\"const\":2}],\"additionalItems\":false,\"minItems\":2}",
     {"[1,2]"}, {"[1]", "[1,2,3]", "[2,1]"}},
    {"{\"type\":\"array\",\"maxItems\":0}", {"[]"}, {"[1]"}},
    {"{\"type\":\"array\"}", {"[]", "[1,\"a\",null,[{}]]"}, {"[", "{}"}},
    /* strings */
    {"{\"type\":\"string\",\"minLength\":2,\"maxLength\":4}", {"\"ab\"", "\"abcd\"", "\"\\n\\t\"", "\"\xc3\xa9\xc3\xa9\""}, {"\"a\"", "\"abcde\""}},
    {"{\"type\":\"string\",\"pattern\":\"^[A-Z]{3}-\\\\d{2,4}$\"}", {"\"ABC-12\"", "\"XYZ-1234\""}, {"\"AB-12\"", "\"ABC-1\"", "\"abc-12\""}},
    {"{\"type\":\"string\",\"pattern\":\"^(foo|ba[rz])+(\\\\.x)?$\"}", {"\"foo\"", "\"barbazfoo.x\""}, {"\"\"", "\"fo\"", "\"foo.\""}},
    {"{\"type\":\"string\",\"pattern\":\"^a.c$\"}", {"\"abc\"", "\"a\\\"c\"", "\"a\xc3\xa9" "c\""}, {"\"ac\"", "\"a\\nc\""}},
    {"{\"type\":\"string\",\"pattern\":\"^[^a-z\\\"]+$\"}", {"\"ABC\"", "\"1\\\\2\""}, {"\"aB\"", "\"A\\\"\""}},
    {"{\"type\":\"string\",\"pattern\":\"^\\\\w+@\\\\w+\\\\.com$\",\"minLength\":5}", {"\"a_1@b.com\""}, {"\"a@b.org\""}},
    {"{\"type\":\"string\",\"pattern\":\"^[a-z0-9-]+$\",\"minLength\":3,\"maxLength\":5}", {"\"ab-\"", "\"a1b2c\""}, {"\"ab\"", "\"abcdef\""}},
    {"{\"type\":\"string\",\"format\":\"date\"}", {"\"2024-02-28\"", "\"1999-12-31\""}, {"\"2024-13-01\"", "\"2024-02-30\"", "\"24-01-01\""}},
    {"{\"type\":\"string\",\"format\":\"date-time\"}", {"\"2024-05-06T07:08:09Z\"", "\"2024-05-06T23:59:59.123+02:00\""}, {"\"2024-05-06 07:08:09Z\"", "\"2024-05-06T24:00:00Z\""}},
    {"{\"type\":\"string\",\"format\":\"time\"}", {"\"12:34:56Z\""}, {"\"12:34\""}},
    {"{\"type\":\"string\",\"format\":\"uuid\"}", {"\"123e4567-e89b-12d3-a456-426614174000\""}, {"\"123e4567e89b12d3a456426614174000\""}},
    {"{\"type\":\"string\",\"format\":\"email\"}", {"\"john.doe@example.com\"", "\"a+b@mail.co\""}, {"\"john\"", "\"@x.com\""}},
    {"{\"type\":\"string\",\"format\":\"uri\"}", {"\"https://example.com/a/b?x=1\"", "\"http://localhost:8080/\""}, {"\"example.com\""}},
    {"{\"type\":\"string\",\"format\":\"ipv4\"}", {"\"192.168.0.1\"", "\"255.255.255.255\""}, {"\"256.1.1.1\"", "\"1.2.3\""}},
    /* numbers */
    {"{\"type\":\"integer\",\"minimum\":0,\"maximum\":150}", {"0", "9", "10", "99", "100", "149", "150"}, {"-1", "151", "1000", "00", "1.5"}},
    {"{\"type\":\"integer\",\"minimum\":-20,\"maximum\":-3}", {"-20", "-3", "-15"}, {"-2", "-21", "0", "3"}},
    {"{\"type\":\"integer\",\"exclusiveMinimum\":0}", {"1", "99999"}, {"0", "-1"}},
    {"{\"type\":\"integer\",\"minimum\":17,\"maximum\":2345}", {"17", "19", "20", "99", "100", "999", "1000", "2345", "2299"}, {"16", "2346", "2400", "9", "3000"}},
    {"{\"type\":\"number\",\"minimum\":0,\"maximum\":1}", {"0", "0.5", "1", "0.999"}, {"-0.1", "1.5", "2", "1e-3"}},
    {"{\"type\":\"number\",\"minimum\":-90,\"maximum\":90}", {"-90", "-89.5", "0", "45.25", "90"}, {"-90.5", "90.1", "91"}},
    {"{\"type\":\"number\",\"exclusiveMinimum\":0,\"exclusiveMaximum\":10}", {"0.1", "5", "9.99"}, {"0", "10", "-1"}},
    /* unions, refs, allOf */
    {"{\"anyOf\":[{\"type\":\"string\"},{\"type\":\"integer\"}]}", {"\"a\"", "5"}, {"true", "1.5"}},
    {"{\"oneOf\":[{\"type\":\"object\",\"properties\":{\"kind\":{\"const\":\"circle\"},\"r\":{\"type\":\"number\"}},\"required\":[\"kind\",\"r\"]},"
     "{\"type\":\"object\",\"properties\":{\"kind\":{\"const\":\"square\"},\"side\":{\"type\":\"number\"}},\"required\":[\"kind\",\"side\"]}]}",
     {"{\"kind\":\"circle\",\"r\":1.5}", "{\"kind\":\"square\",\"side\":2}"}, {"{\"kind\":\"circle\",\"side\":2}", "{\"kind\":\"tri\"}"}},
    {"{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"integer\"},\"b\":{\"type\":\"integer\"}},\"anyOf\":[{\"required\":[\"a\"]},{\"required\":[\"b\"]}]}",
     {"{\"a\":1}", "{\"b\":2}", "{\"a\":1,\"b\":2}"}, {"{}"}},
    {"{\"$defs\":{\"node\":{\"type\":\"object\",\"properties\":{\"value\":{\"type\":\"integer\"},\"children\":{\"type\":\"array\",\"items\":{\"$ref\":\"#/$defs/node\"}}},\"required\":[\"value\"]}},\"$ref\":\"#/$defs/node\"}",
     {"{\"value\":1}", "{\"value\":1,\"children\":[{\"value\":2,\"children\":[{\"value\":3}]}]}"}, {"{\"value\":1,\"children\":[{}]}"}},
    {"{\"type\":\"object\",\"properties\":{\"name\":{\"type\":\"string\"},\"next\":{\"anyOf\":[{\"$ref\":\"#\"},{\"type\":\"null\"}]}},\"required\":[\"name\",\"next\"]}",
     {"{\"name\":\"a\",\"next\":null}", "{\"name\":\"a\",\"next\":{\"name\":\"b\",\"next\":null}}"}, {"{\"name\":\"a\",\"next\":{}}"}},
    {"{\"definitions\":{\"pos\":{\"type\":\"integer\",\"minimum\":1}},\"type\":\"array\",\"items\":{\"$ref\":\"#/definitions/pos\"}}", {"[1,2]"}, {"[0]"}},
    {"{\"allOf\":[{\"type\":\"object\",\"properties\":{\"id\":{\"type\":\"integer\"}},\"required\":[\"id\"]},{\"properties\":{\"tag\":{\"type\":\"string\"}},\"required\":[\"tag\"]}]}",
     {"{\"id\":1,\"tag\":\"x\"}"}, {"{\"id\":1}", "{\"tag\":\"x\"}"}},
    {"{\"$defs\":{\"base\":{\"type\":\"object\",\"properties\":{\"id\":{\"type\":\"string\",\"format\":\"uuid\"}},\"required\":[\"id\"]}},\"allOf\":[{\"$ref\":\"#/$defs/base\"}],\"properties\":{\"n\":{\"type\":\"integer\"}}}",
     {"{\"id\":\"123e4567-e89b-12d3-a456-426614174000\"}", "{\"id\":\"123e4567-e89b-12d3-a456-426614174000\",\"n\":2}"}, {"{\"n\":2}"}},
    {"{\"type\":\"object\",\"title\":\"T\",\"description\":\"d\",\"$schema\":\"https://json-schema.org/draft/2020-12/schema\",\"examples\":[{}],\"properties\":{\"x\":{\"type\":\"string\",\"default\":\"a\",\"x-ui\":\"text\"}}}",
     {"{}", "{\"x\":\"a\"}"}, {"{\"x\":1}"}},
};

static void test_schemas_accept_and_reject(test_state *ts) {
    for (size_t i = 0; i < sizeof schema_cases / sizeof schema_cases[0]; i++) {
        const schema_case *sc = &schema_cases[i];
        wick_buf gbnf = {0};
        wick_error err;
        wick_status st = json_schema_to_gbnf(sc->schema, strlen(sc->schema), &gbnf, &err);
        CHECK_MSG(ts, st == WICK_OK, "case %zu: %s", i, err.message);
        if (st) continue;
        grammar *g = NULL;
        st = grammar_compile(gbnf.data, gbnf.len, &g, &err);
        CHECK_MSG(ts, st == WICK_OK, "case %zu: grammar_compile: %s\n%s", i, err.message, gbnf.data);
        wick_buf_free(&gbnf);
        if (st) continue;
        grammar_matcher *m = NULL;
        CHECK(ts, grammar_matcher_new(g, &m, &err) == WICK_OK);
        for (int k = 0; k < 10 && sc->valid[k]; k++) {
            grammar_matcher_reset(m);
            bool ok = grammar_matcher_accept_bytes(m, sc->valid[k], strlen(sc->valid[k])) &&
                      grammar_matcher_can_end(m);
            CHECK_MSG(ts, ok, "case %zu (%s): valid %s rejected", i, sc->schema, sc->valid[k]);
        }
        for (int k = 0; k < 10 && sc->invalid[k]; k++) {
            grammar_matcher_reset(m);
            bool ok = grammar_matcher_accept_bytes(m, sc->invalid[k], strlen(sc->invalid[k])) &&
                      grammar_matcher_can_end(m);
            CHECK_MSG(ts, !ok, "case %zu (%s): invalid %s accepted", i, sc->schema, sc->invalid[k]);
        }
        grammar_matcher_free(m);
        grammar_free(g);
    }
    CHECK(ts, sizeof schema_cases / sizeof schema_cases[0] >= 40);
}

static const struct {
    const char *schema;
    wick_status code;
    const char *message; /* substring */
} errors[] = {
    {"{\"type\":\"object\",\"properties\":{\"age\":{\"type\":\"integer\",\"dependentSchemas\":{}}}}",
     WICK_ERR_UNSUPPORTED, "schema at $.properties.age: unsupported keyword 'dependentSchemas'"},
    {"{\"not\":{\"type\":\"string\"}}", WICK_ERR_UNSUPPORTED, "schema at $: unsupported keyword 'not'"},
    {"{\"type\":\"object\",\"patternProperties\":{\"^x\":{}}}", WICK_ERR_UNSUPPORTED, "'patternProperties'"},
    {"{\"if\":{},\"then\":{}}", WICK_ERR_UNSUPPORTED, "'if'"},
    {"{\"type\":\"array\",\"items\":{\"type\":\"string\",\"pattern\":\"^(?=a)b$\"}}", WICK_ERR_UNSUPPORTED, "schema at $.items: pattern: unsupported construct: lookahead"},
    {"{\"type\":\"string\",\"pattern\":\"(a)\\\\1\"}", WICK_ERR_UNSUPPORTED, "backreference"},
    {"{\"type\":\"string\",\"pattern\":\"\\\\bword\"}", WICK_ERR_UNSUPPORTED, "word boundary"},
    {"{\"type\":\"string\",\"pattern\":\"a^b\"}", WICK_ERR_UNSUPPORTED, "anchor"},
    {"{\"type\":\"string\",\"pattern\":\"[a-\"}", WICK_ERR_FORMAT, "unterminated character class"},
    {"{\"type\":\"string\",\"format\":\"iri-reference\"}", WICK_ERR_UNSUPPORTED, "unsupported format 'iri-reference'"},
    {"{\"$ref\":\"https://example.com/s.json\"}", WICK_ERR_UNSUPPORTED, "only local refs"},
    {"{\"$ref\":\"#/$defs/missing\"}", WICK_ERR_FORMAT, "points to nothing"},
    {"{\"$defs\":{\"a\":{\"$ref\":\"#/$defs/b\"},\"b\":{\"$ref\":\"#/$defs/a\"}},\"$ref\":\"#/$defs/a\"}", WICK_ERR_UNSUPPORTED, "left recursion"},
    {"{\"anyOf\":[{\"$ref\":\"#\"},{\"type\":\"null\"}]}", WICK_ERR_UNSUPPORTED, "left recursion"},
    {"{\"allOf\":[{\"type\":\"string\"},{\"type\":\"integer\"}]}", WICK_ERR_UNSUPPORTED, "conflicting 'type'"},
    {"{\"type\":\"array\",\"uniqueItems\":true}", WICK_ERR_UNSUPPORTED, "'uniqueItems'"},
    {"{\"type\":\"number\",\"multipleOf\":0.01}", WICK_ERR_UNSUPPORTED, "'multipleOf'"},
    {"{\"type\":\"integer\",\"minimum\":5,\"maximum\":4}", WICK_ERR_UNSUPPORTED, "no integer"},
    {"{\"type\":\"strin\"}", WICK_ERR_FORMAT, "unknown type 'strin'"},
    {"{\"type\":\"object\",\"properties\":{\"a\":false}}", WICK_ERR_UNSUPPORTED, "schema at $.properties.a: the schema 'false'"},
    {"{\"type\":\"object\",\"minProperties\":2}", WICK_ERR_UNSUPPORTED, "'minProperties'"},
    {"{\"type\":\"string\",\"pattern\":\"^(ab)+$\",\"maxLength\":5}", WICK_ERR_UNSUPPORTED, "minLength/maxLength"},
    {"{\"type\":", WICK_ERR_FORMAT, "json schema"},
    {"[1,2]", WICK_ERR_FORMAT, "expected a schema"},
    {"{\"enum\":[1,2],\"type\":\"string\"}", WICK_ERR_UNSUPPORTED, "no 'const'/'enum' value"},
};

static void test_errors_name_keyword_and_path(test_state *ts) {
    for (size_t i = 0; i < sizeof errors / sizeof errors[0]; i++) {
        wick_buf gbnf = {0};
        wick_error err = {0};
        wick_status st = json_schema_to_gbnf(errors[i].schema, strlen(errors[i].schema), &gbnf, &err);
        CHECK_MSG(ts, st == errors[i].code, "%s: status %d, message %s", errors[i].schema, (int)st, err.message);
        CHECK_MSG(ts, strstr(err.message, errors[i].message) != NULL, "%s: message \"%s\" lacks \"%s\"",
                  errors[i].schema, err.message, errors[i].message);
        wick_buf_free(&gbnf);
    }
}

static void test_json_object_mode(test_state *ts) {
    wick_buf gbnf = {0};
    wick_error err;
    CHECK(ts, json_object_gbnf(&gbnf, &err) == WICK_OK);
    grammar *g = NULL;
    CHECK_MSG(ts, grammar_compile(gbnf.data, gbnf.len, &g, &err) == WICK_OK, "%s", err.message);
    wick_buf_free(&gbnf);
    if (!g) return;
    grammar_matcher *m = NULL;
    CHECK(ts, grammar_matcher_new(g, &m, &err) == WICK_OK);
    static const char *valid[] = {"{}", "{\"a\": [1, 2.5, \"x\", null, true, {\"b\": {}}]}", "{\n  \"k\": \"v\"\n}"};
    static const char *invalid[] = {"[]", "\"s\"", "{\"a\"}", "{\"a\":1,}", " {}", "{}}", "{\"a\":1}\n\n\n"};
    for (size_t k = 0; k < sizeof valid / sizeof valid[0]; k++) {
        grammar_matcher_reset(m);
        CHECK_MSG(ts, grammar_matcher_accept_bytes(m, valid[k], strlen(valid[k])) && grammar_matcher_can_end(m),
                  "%s rejected", valid[k]);
    }
    for (size_t k = 0; k < sizeof invalid / sizeof invalid[0]; k++) {
        grammar_matcher_reset(m);
        CHECK_MSG(ts, !(grammar_matcher_accept_bytes(m, invalid[k], strlen(invalid[k])) && grammar_matcher_can_end(m)),
                  "%s accepted", invalid[k]);
    }
    /* whitespace is bounded: 21 spaces after a newline never fit */
    grammar_matcher_reset(m);
    const char *runaway = "{\n                      ";
    CHECK(ts, !grammar_matcher_accept_bytes(m, runaway, strlen(runaway)));
    grammar_matcher_free(m);
    grammar_free(g);
}

TEST_MAIN("json_schema", TEST(test_schemas_accept_and_reject), TEST(test_errors_name_keyword_and_path),
          TEST(test_json_object_mode))
