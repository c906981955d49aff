/* GGUF reader (versions 2 and 3).
 *
 * The reader never copies the file: metadata strings and tensor data are
 * views into the caller's bytes, which must outlive the gguf_file. Natively
 * those bytes are a mapping of the whole file; in the browser they are a
 * prefix of a file being streamed, so parsing can stop early and say how
 * long a prefix it needs (WICK_ERR_NEED_MORE_DATA + *need_bytes).
 *
 * Everything is validated before use: counts, string lengths, type ids,
 * dimensions, element-count overflow, tensor data inside the file, aligned
 * and not overlapping. Errors name the field and its byte offset. Memory
 * used by the index is bounded by the header's size, never by a count read
 * from the file. */
#ifndef WICK_GGUF_READER_H
#define WICK_GGUF_READER_H

#include "wick.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum gguf_value_type {
    GGUF_TYPE_UINT8 = 0,
    GGUF_TYPE_INT8 = 1,
    GGUF_TYPE_UINT16 = 2,
    GGUF_TYPE_INT16 = 3,
    GGUF_TYPE_UINT32 = 4,
    GGUF_TYPE_INT32 = 5,
    GGUF_TYPE_FLOAT32 = 6,
    GGUF_TYPE_BOOL = 7,
    GGUF_TYPE_STRING = 8,
    GGUF_TYPE_ARRAY = 9,
    GGUF_TYPE_UINT64 = 10,
    GGUF_TYPE_INT64 = 11,
    GGUF_TYPE_FLOAT64 = 12,
    GGUF_TYPE_COUNT = 13
} gguf_value_type;

#define GGUF_MAX_DIMS 4
#define GGUF_DEFAULT_ALIGNMENT 32

/* A string inside the file: not NUL-terminated. */
typedef struct gguf_str {
    const char *ptr;
    uint64_t len;
} gguf_str;

typedef struct gguf_file gguf_file;

typedef struct gguf_tensor_info {
    gguf_str name;
    uint32_t n_dims;
    uint64_t ne[GGUF_MAX_DIMS]; /* elements per dimension, ne[0] fastest; unused dims are 1 */
    uint32_t type;              /* ggml_type */
    uint64_t offset;            /* absolute byte offset of the data in the file */
    uint64_t size;              /* bytes of data */
    uint64_t n_elements;
} gguf_tensor_info;

/* Parses the header, metadata and tensor infos from `data[0..len)`, a prefix
 * of a file of `file_size` bytes (len == file_size when the whole file is
 * there). On WICK_ERR_NEED_MORE_DATA, *need_bytes is a prefix length that
 * lets parsing progress further (always > len, never > file_size); call
 * again with at least that many bytes. On WICK_OK, *need_bytes is the header
 * size (where tensor data begins). `source_name` (e.g. the path) prefixes
 * error messages; it may be NULL. */
wick_status gguf_parse(const uint8_t *data, size_t len, uint64_t file_size,
                       const char *source_name, gguf_file **out, uint64_t *need_bytes,
                       wick_error *err);

void gguf_free(gguf_file *g);

uint32_t gguf_version(const gguf_file *g);
uint32_t gguf_alignment(const gguf_file *g);
uint64_t gguf_data_offset(const gguf_file *g); /* absolute offset of the tensor data section */
uint64_t gguf_file_size(const gguf_file *g);

/* ---- metadata: keys are looked up by name; -1 when absent */
int64_t gguf_kv_count(const gguf_file *g);
int64_t gguf_find_key(const gguf_file *g, const char *key);
gguf_str gguf_kv_key(const gguf_file *g, int64_t kv);
gguf_value_type gguf_kv_type(const gguf_file *g, int64_t kv);

/* Scalars. Each returns false if the value has another type; the integer
 * getters accept any integer type whose value fits. */
bool gguf_kv_get_u32(const gguf_file *g, int64_t kv, uint32_t *v);
bool gguf_kv_get_i64(const gguf_file *g, int64_t kv, int64_t *v);
bool gguf_kv_get_u64(const gguf_file *g, int64_t kv, uint64_t *v);
bool gguf_kv_get_f32(const gguf_file *g, int64_t kv, float *v); /* float32 or float64 */
bool gguf_kv_get_bool(const gguf_file *g, int64_t kv, bool *v);
bool gguf_kv_get_str(const gguf_file *g, int64_t kv, gguf_str *v);

/* The bytes of a value as the file stores them (after its u32 type): for
 * copying a key to another file (gguf_writer_set_raw) without decoding it. */
bool gguf_kv_raw_value(const gguf_file *g, int64_t kv, const uint8_t **bytes, uint64_t *len);

/* Arrays (nested at most 16 levels deep). An array value is addressed by a
 * gguf_array handle so nested arrays can be walked. */
typedef struct gguf_array {
    gguf_value_type elem_type;
    uint64_t len;
    const uint8_t *data;          /* first element's bytes */
    const uint64_t *str_offsets;  /* for string arrays: byte offset of element i (its u64
                                     length prefix) from data, so element i is O(1) */
    const void *nested;           /* internal: nested array index */
} gguf_array;

bool gguf_kv_get_array(const gguf_file *g, int64_t kv, gguf_array *arr);
bool gguf_array_get_str(const gguf_array *arr, uint64_t i, gguf_str *v);
bool gguf_array_get_i64(const gguf_array *arr, uint64_t i, int64_t *v); /* any integer type */
bool gguf_array_get_f32(const gguf_array *arr, uint64_t i, float *v);   /* float32/float64 */
bool gguf_array_get_array(const gguf_array *arr, uint64_t i, gguf_array *sub);

/* Convenience: find by key and get, in one call. */
bool gguf_get_str(const gguf_file *g, const char *key, gguf_str *v);
bool gguf_get_u32(const gguf_file *g, const char *key, uint32_t *v);
bool gguf_get_f32(const gguf_file *g, const char *key, float *v);
bool gguf_get_bool(const gguf_file *g, const char *key, bool *v);
bool gguf_get_array(const gguf_file *g, const char *key, gguf_array *arr);

/* ---- tensors */
int64_t gguf_tensor_count(const gguf_file *g);
int64_t gguf_find_tensor(const gguf_file *g, const char *name);
const gguf_tensor_info *gguf_tensor(const gguf_file *g, int64_t i);

/* true if the gguf_str equals the NUL-terminated `s` */
bool gguf_str_eq(gguf_str a, const char *s);

#endif
