#include "platform/file_map.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if !defined(__wasi__) && !defined(__EMSCRIPTEN__) && (defined(__unix__) || defined(__APPLE__))
#define WICK_HAVE_MMAP 1
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#endif

wick_status wick_file_read_all(const char *path, uint64_t max_bytes, char **out, size_t *len,
                               wick_error *err) {
    FILE *f = fopen(path, "rb");
    if (!f) return wick_error_set(err, WICK_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    char *data = NULL;
    size_t n = 0, cap = 0;
    for (;;) {
        if (cap - n < 65536) {
            size_t ncap = cap ? cap * 2 : 65536;
            char *p = realloc(data, ncap + 1);
            if (!p) {
                free(data);
                fclose(f);
                return wick_error_set(err, WICK_ERR_NOMEM, "%s: out of memory", path);
            }
            data = p;
            cap = ncap;
        }
        size_t got = fread(data + n, 1, cap - n, f);
        n += got;
        if (n > max_bytes) {
            free(data);
            fclose(f);
            return wick_error_set(err, WICK_ERR_LIMIT, "%s: larger than the %llu-byte limit",
                                  path, (unsigned long long)max_bytes);
        }
        if (got == 0) break;
    }
    int failed = ferror(f);
    fclose(f);
    if (failed) {
        free(data);
        return wick_error_set(err, WICK_ERR_IO, "%s: read error", path);
    }
    data[n] = '\0';
    *out = data;
    if (len) *len = n;
    return WICK_OK;
}

#ifdef WICK_HAVE_MMAP
wick_status wick_file_map_open(const char *path, wick_file_map *map, wick_error *err) {
    memset(map, 0, sizeof *map);
    int fd = open(path, O_RDONLY);
    if (fd < 0) return wick_error_set(err, WICK_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0) {
        int e = errno;
        close(fd);
        return wick_error_set(err, WICK_ERR_IO, "%s: cannot stat: %s", path, strerror(e));
    }
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        return wick_error_set(err, WICK_ERR_IO, "%s: not a regular file", path);
    }
    if (st.st_size == 0) {
        close(fd);
        map->data = (const uint8_t *)"";
        map->size = 0;
        return WICK_OK;
    }
    void *p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    int e = errno;
    close(fd);
    if (p == MAP_FAILED) return wick_error_set(err, WICK_ERR_IO, "%s: cannot map: %s", path, strerror(e));
    map->data = p;
    map->size = (uint64_t)st.st_size;
    map->is_mapped = 1;
    return WICK_OK;
}

void wick_file_map_close(wick_file_map *map) {
    if (map->is_mapped && map->data) munmap((void *)map->data, (size_t)map->size);
    memset(map, 0, sizeof *map);
}
#else
wick_status wick_file_map_open(const char *path, wick_file_map *map, wick_error *err) {
    memset(map, 0, sizeof *map);
    char *data;
    size_t len;
    wick_status st = wick_file_read_all(path, (uint64_t)SIZE_MAX, &data, &len, err);
    if (st != WICK_OK) return st;
    map->data = (const uint8_t *)data;
    map->size = len;
    return WICK_OK;
}

void wick_file_map_close(wick_file_map *map) {
    if (!map->is_mapped) free((void *)map->data);
    memset(map, 0, sizeof *map);
}
#endif
