/* -t THREADS validation (see cli_threads.h). */
#include "cli/cli_threads.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define POOL_MAX 256L
#define PER_CPU 4L

static long online_cpus(void) {
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? n : 1;
}

long cli_max_threads(void) {
    long n = PER_CPU * online_cpus();
    return n < POOL_MAX ? n : POOL_MAX;
}

int cli_parse_threads(const char *s, long *out, char *msg, size_t msg_len) {
    const long max = cli_max_threads();
    char *end;
    long v = strtol(s, &end, 10);
    if (!*s || *end || v < 1) {
        snprintf(msg, msg_len, "-t '%s': expected a thread count from 1 to %ld", s, max);
        return 0;
    }
    if (v > max) {
        snprintf(msg, msg_len,
                 "-t %s: too many threads for %ld CPUs (at most %ld: %ld per CPU, %ld in all)", s,
                 online_cpus(), max, PER_CPU, POOL_MAX);
        return 0;
    }
    *out = v;
    return 1;
}
