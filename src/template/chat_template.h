/* Chat templates: renders a model's Jinja chat template the way Hugging Face
 * transformers' apply_chat_template does (jinja2 with trim_blocks and
 * lstrip_blocks, raise_exception, strftime_now, tojson ...). */
#ifndef WICK_TEMPLATE_CHAT_TEMPLATE_H
#define WICK_TEMPLATE_CHAT_TEMPLATE_H

#include "json/json.h"
#include "wick.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct chat_template_inputs {
    const json_value *messages;      /* array, required */
    const json_value *tools;         /* array or NULL (then `tools` is undefined... as HF: None) */
    const json_value *extra;         /* object of extra variables, or NULL */
    bool add_generation_prompt;
    const char *bos_token;           /* "" when the model has none */
    const char *eos_token;
    int64_t now;                     /* strftime_now's clock, seconds since 1970 (rendered
                                        as UTC); 0 = the current time */
} chat_template_inputs;

/* Compiles and renders `source[0..len)`. On error the message names the
 * construct and its line/column, or carries the template's own
 * raise_exception text. *out is malloc'd and NUL-terminated. */
wick_status chat_template_render(const char *source, size_t len, const chat_template_inputs *in,
                                 char **out, size_t *out_len, wick_error *err);

#endif
