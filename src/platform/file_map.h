/* Read-only access to a whole file: a memory mapping natively, a heap copy
 * under WASI (wasm32 has no mmap). The only place that touches the OS. */
#ifndef WICK_PLATFORM_FILE_MAP_H
#define WICK_PLATFORM_FILE_MAP_H

#include "core/status.h"

#include <stdint.h>

typedef struct wick_file_map {
    const uint8_t *data;
    uint64_t size;
    int is_mapped; /* 1: munmap on close; 0: free */
} wick_file_map;

wick_status wick_file_map_open(const char *path, wick_file_map *map, wick_error *err);
void wick_file_map_close(wick_file_map *map);

/* Reads a whole (small) file into a NUL-terminated heap buffer. Refuses
 * files over `max_bytes`. */
wick_status wick_file_read_all(const char *path, uint64_t max_bytes, char **out, size_t *len,
                               wick_error *err);

#endif
