/* -t THREADS for the generating commands (run, chat).
 *
 * Accepted: 1 .. min(4 x the online CPUs, 256). Oversubscription is
 * allowed, as llama.cpp allows it (a pool of 2x or 4x the CPUs is slower,
 * not wrong, and CI machines sometimes report fewer CPUs than the tests
 * ask for); beyond 4x it is almost certainly a typo (-t 10000), and a pool
 * of hundreds of spinning threads would only make the machine crawl, so
 * it is an error that names the CPU count. 256 is the thread pool's own
 * ceiling (src/platform/thread_pool.h). */
#ifndef WICK_CLI_THREADS_H
#define WICK_CLI_THREADS_H

#include <stddef.h>

/* The most threads -t accepts on this machine. */
long cli_max_threads(void);
/* Parses s into *out; on failure writes a message ("-t ...: ...") to msg
 * and returns 0. */
int cli_parse_threads(const char *s, long *out, char *msg, size_t msg_len);

#endif
