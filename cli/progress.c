/* Loading progress bar (see progress.h). Each chunk is mapped on its own,
 * advised WILLNEED, touched one byte per page and unmapped again, so the
 * process never holds more than one chunk of the file resident (peak RSS
 * is unchanged: tests/bench/rss_check.py) and nothing is copied. */
#include "cli/progress.h"

#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define CHUNK (32ull << 20) /* a multiple of every page size */
#define BAR_WIDTH 30

static void draw(const char *name, uint64_t done, uint64_t total) {
    const int pct = (int)(done * 100 / total);
    const int fill = (int)(done * BAR_WIDTH / total);
    char bar[BAR_WIDTH + 1];
    memset(bar, '#', (size_t)fill);
    memset(bar + fill, '.', (size_t)(BAR_WIDTH - fill));
    bar[BAR_WIDTH] = '\0';
    fprintf(stderr, "\rloading %s [%s] %3d%% %llu/%llu MB", name, bar, pct,
            (unsigned long long)(done >> 20), (unsigned long long)(total >> 20));
    fflush(stderr);
}

void cli_preload(const char *path) {
    if (!path || !isatty(STDERR_FILENO)) return;
    int fd = open(path, O_RDONLY);
    if (fd < 0) return;
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || (uint64_t)st.st_size < CLI_PRELOAD_MIN_BYTES) {
        close(fd);
        return;
    }
    const uint64_t size = (uint64_t)st.st_size;
    const long page = sysconf(_SC_PAGESIZE) > 0 ? sysconf(_SC_PAGESIZE) : 4096;
    const char *name = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
    int last_pct = -1;
    volatile unsigned char sink = 0;
    for (uint64_t off = 0; off < size; off += CHUNK) {
        const size_t len = (size_t)(size - off < CHUNK ? size - off : CHUNK);
        void *p = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, (off_t)off);
        if (p == MAP_FAILED) break;
        posix_madvise(p, len, POSIX_MADV_WILLNEED);
        const unsigned char *b = p;
        for (size_t i = 0; i < len; i += (size_t)page) sink ^= b[i];
        munmap(p, len);
        const int pct = (int)((off + len) * 100 / size);
        if (pct != last_pct) draw(name, off + len, size);
        last_pct = pct;
    }
    (void)sink;
    fprintf(stderr, "\r\033[K"); /* the bar goes away: what follows starts on a clean line */
    fflush(stderr);
    close(fd);
}
