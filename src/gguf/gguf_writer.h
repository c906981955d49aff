/* GGUF writer: builds a GGUF v3 file in memory or streams it to disk.
 * Used by tools (test-model generator, tokenizer import) and tests; the
 * engine itself only reads. */
#ifndef WICK_GGUF_GGUF_WRITER_H
#define WICK_GGUF_GGUF_WRITER_H

#include "gguf/gguf_reader.h"
#include "wick.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct gguf_writer gguf_writer;

gguf_writer *gguf_writer_new(void);
void gguf_writer_free(gguf_writer *w);

/* Metadata, written in call order. Setting a key twice replaces it. */
bool gguf_writer_set_u16(gguf_writer *w, const char *key, uint16_t v);
bool gguf_writer_set_u32(gguf_writer *w, const char *key, uint32_t v);
bool gguf_writer_set_i32(gguf_writer *w, const char *key, int32_t v);
bool gguf_writer_set_u64(gguf_writer *w, const char *key, uint64_t v);
bool gguf_writer_set_f32(gguf_writer *w, const char *key, float v);
bool gguf_writer_set_bool(gguf_writer *w, const char *key, bool v);
bool gguf_writer_set_str(gguf_writer *w, const char *key, const char *s, size_t len);
/* Arrays of scalars: `data` holds `n` elements of `elem_type` (native layout). */
bool gguf_writer_set_array(gguf_writer *w, const char *key, gguf_value_type elem_type,
                           const void *data, uint64_t n);
/* Arrays of strings. */
bool gguf_writer_set_str_array(gguf_writer *w, const char *key, const char *const *strs,
                               const size_t *lens, uint64_t n);

/* A value of `type` from its serialized bytes (what follows the u32 type in
 * a file; see gguf_kv_raw_value): copies a key from another file verbatim. */
bool gguf_writer_set_raw(gguf_writer *w, const char *key, gguf_value_type type, const void *value,
                         size_t len);

/* Tensors: `data` is copied; its size must match ne/type. Dims beyond
 * n_dims are ignored. */
bool gguf_writer_add_tensor(gguf_writer *w, const char *name, uint32_t n_dims,
                            const uint64_t *ne, uint32_t type, const void *data, size_t size);

/* Writes the file (alignment from general.alignment if set, else 32). */
wick_status gguf_writer_write_file(gguf_writer *w, const char *path, wick_error *err);
/* Or into a malloc'd buffer. */
wick_status gguf_writer_write_buffer(gguf_writer *w, uint8_t **out, size_t *len, wick_error *err);

#endif
