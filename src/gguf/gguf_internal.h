/* Internals shared by the GGUF parser (gguf_reader.c) and the accessors
 * (gguf_access.c): the index built over the file's bytes. */
#ifndef WICK_GGUF_GGUF_INTERNAL_H
#define WICK_GGUF_GGUF_INTERNAL_H

#include "gguf/gguf_reader.h"

#include <stddef.h>
#include <stdint.h>

/* An array value: elements are views into the file. */
typedef struct arr_node {
    gguf_value_type elem_type;
    uint64_t len;
    const uint8_t *data;             /* first element */
    const uint64_t *str_offsets;     /* STRING: offset of element i's u64 length from data */
    const struct arr_node *children; /* ARRAY: one node per element */
} arr_node;

typedef struct kv_entry {
    gguf_str key;
    gguf_value_type type;
    uint64_t offset;    /* of the key, for messages */
    const uint8_t *val; /* scalar bytes; for STRING the u64 length prefix */
    arr_node arr;       /* ARRAY */
} kv_entry;

/* Bump allocator for array indexes; freed all at once. */
typedef struct arena_blk {
    struct arena_blk *next;
    size_t cap, used;
} arena_blk;

/* A name and the index of its key or tensor; kept sorted by (name, index)
 * for lookups. Sorting instead of hashing keeps the worst case at
 * O(n log n) comparisons, which a crafted file cannot degrade. */
typedef struct name_ref {
    gguf_str name;
    uint64_t index;
} name_ref;

struct gguf_file {
    const uint8_t *data;
    uint64_t file_size;
    uint32_t version, alignment;
    uint64_t data_offset;
    uint64_t tensor_infos_offset; /* where the metadata ends and the tensor infos begin */
    kv_entry *kvs;
    uint64_t n_kv, kv_cap;
    gguf_tensor_info *tensors;
    uint64_t n_tensors, tensor_cap;
    name_ref *kv_sorted, *tensor_sorted; /* n_kv / n_tensors entries, once parsed */
    arena_blk *arena;
};

/* Little-endian loads (GGUF is little-endian on every host). */
static inline uint16_t le16(const uint8_t *p) { return (uint16_t)(p[0] | (p[1] << 8)); }
static inline uint32_t le32(const uint8_t *p) {
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}
static inline uint64_t le64(const uint8_t *p) { return (uint64_t)le32(p) | ((uint64_t)le32(p + 4) << 32); }

/* Fixed element size of a value type; 0 for STRING/ARRAY (variable) and unknown ids. */
uint32_t gguf_value_size(uint32_t t);

/* Sorts by name (bytewise, shorter first on a tie), then by index. */
void gguf_sort_names(name_ref *v, uint64_t n);
int gguf_name_cmp(gguf_str a, const char *s, uint64_t n);
/* Index of the key / tensor named s[0..n), or -1 (the first one, if repeated). */
int64_t gguf_lookup_kv(const gguf_file *g, const char *s, uint64_t n);
int64_t gguf_lookup_tensor(const gguf_file *g, const char *s, uint64_t n);

#endif
