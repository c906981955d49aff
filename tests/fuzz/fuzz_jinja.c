/* Fuzzes the chat-template engine: the input is template source, compiled
 * and rendered with a small fixed context (messages with a tool call,
 * tools, a dict, a list, strings with non-ASCII text). Any input must end
 * in output or an error (never a crash, leak, hang or unbounded memory);
 * the budget is lowered so runaway templates fail within milliseconds.
 * Successful output must be valid UTF-8 (every value is). */
#include "template/jinja.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char CONTEXT[] =
    "{\"messages\": [{\"role\": \"system\", \"content\": \"Be brief.\"},"
    " {\"role\": \"user\", \"content\": \"Hi \\u00e9\\u4e16 \\ud83d\\ude00\"},"
    " {\"role\": \"assistant\", \"content\": \"<think>x</think>ok\", \"tool_calls\": [{\"type\": \"function\","
    " \"function\": {\"name\": \"f\", \"arguments\": {\"a\": 1, \"b\": [true, null, 2.5]}}}]},"
    " {\"role\": \"tool\", \"content\": \"{\\\"r\\\": 1}\"}],"
    " \"tools\": [{\"type\": \"function\", \"function\": {\"name\": \"f\", \"description\": \"d\","
    " \"parameters\": {\"type\": \"object\", \"properties\": {\"a\": {\"type\": \"integer\"}}}}}],"
    " \"add_generation_prompt\": true, \"bos_token\": \"<s>\", \"eos_token\": \"</s>\","
    " \"d\": {\"k\": \"v\", \"n\": 3}, \"l\": [3, 1, 2], \"s\": \"Hello World\", \"f\": 1.5, \"z\": null}";

static int valid_utf8(const char *s, size_t n) { return pystr_valid_utf8(s, n, NULL); }

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    json_doc *doc = NULL;
    if (json_parse(CONTEXT, sizeof CONTEXT - 1, "fuzz context", &doc, NULL) != WICK_OK) abort();
    jinja_options opt;
    memset(&opt, 0, sizeof opt);
    opt.hf_globals = true;
    opt.now = 1700000000;
    opt.max_steps = 200000;
    opt.max_output = 1 << 20;
    opt.max_memory = 64 << 20;
    char *out = NULL;
    size_t out_len = 0;
    wick_error err;
    wick_status st = jinja_render((const char *)data, size, json_doc_root(doc), &opt, &out, &out_len, &err);
    if (st == WICK_OK) {
        if (!out || strlen(out) > out_len || !valid_utf8(out, out_len)) abort();
        free(out);
    } else {
        if (out || err.message[0] == '\0') abort();
    }
    json_doc_free(doc);
    return 0;
}
