/* A fixed pool of worker threads for data-parallel loops (matmul rows,
 * attention heads). The caller's thread takes part as thread 0, so a pool
 * of N threads starts N-1 workers. Under WASI (no pthreads in the wasm32
 * build) every pool has one thread and run() is a plain call. */
#ifndef WICK_PLATFORM_THREAD_POOL_H
#define WICK_PLATFORM_THREAD_POOL_H

#include "core/status.h"

typedef struct wick_thread_pool wick_thread_pool;

/* Work item: called once on each thread with ith in [0, nth). */
typedef void (*wick_task_fn)(void *arg, int ith, int nth);

/* n_threads < 1 means 1. Natively at most 256. */
wick_status wick_thread_pool_new(int n_threads, wick_thread_pool **out, wick_error *err);
void wick_thread_pool_free(wick_thread_pool *pool);
int wick_thread_pool_size(const wick_thread_pool *pool);

/* Runs fn on every thread of the pool and returns when all are done. Not
 * reentrant: one run at a time per pool. */
void wick_thread_pool_run(wick_thread_pool *pool, wick_task_fn fn, void *arg);

/* Splits [0, n) into nth near-equal ranges; thread ith gets [*r0, *r1). */
static inline void wick_split_range(long long n, int ith, int nth, long long *r0, long long *r1) {
    long long per = n / nth, rem = n % nth;
    *r0 = per * ith + (ith < rem ? ith : rem);
    *r1 = *r0 + per + (ith < rem ? 1 : 0);
}

#endif
