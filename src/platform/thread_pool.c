/* Thread pool: pthreads natively, a single thread under WASI.
 *
 * Workers sleep on a condition variable until the generation counter
 * changes, run the task with their index, and report completion through a
 * counter the caller waits on. One mutex guards everything: tasks are
 * coarse (one per matmul / attention call), so lock traffic is negligible
 * next to the work. */
#include "platform/thread_pool.h"

#include <stdlib.h>

#if defined(__wasi__)

struct wick_thread_pool {
    int n;
};

wick_status wick_thread_pool_new(int n_threads, wick_thread_pool **out, wick_error *err) {
    (void)n_threads;
    *out = calloc(1, sizeof **out);
    if (!*out) return wick_error_set(err, WICK_ERR_NOMEM, "out of memory (thread pool)");
    (*out)->n = 1;
    return WICK_OK;
}
void wick_thread_pool_free(wick_thread_pool *pool) { free(pool); }
int wick_thread_pool_size(const wick_thread_pool *pool) { return pool ? pool->n : 1; }
void wick_thread_pool_run(wick_thread_pool *pool, wick_task_fn fn, void *arg) {
    (void)pool;
    fn(arg, 0, 1);
}

#else

#include <pthread.h>

typedef struct worker {
    struct wick_thread_pool *pool;
    int index;
    pthread_t thread;
} worker;

struct wick_thread_pool {
    int n;                 /* threads including the caller */
    pthread_mutex_t mu;
    pthread_cond_t wake;   /* workers: a new generation or shutdown */
    pthread_cond_t done;   /* caller: pending reached 0 */
    unsigned long generation;
    int pending;           /* workers still running the current task */
    int shutdown;
    wick_task_fn fn;
    void *arg;
    worker *workers;       /* n - 1 of them */
    int n_started;
};

static void *worker_main(void *p) {
    worker *w = p;
    wick_thread_pool *pool = w->pool;
    unsigned long seen = 0;
    pthread_mutex_lock(&pool->mu);
    for (;;) {
        while (!pool->shutdown && pool->generation == seen) pthread_cond_wait(&pool->wake, &pool->mu);
        if (pool->shutdown) break;
        seen = pool->generation;
        wick_task_fn fn = pool->fn;
        void *arg = pool->arg;
        pthread_mutex_unlock(&pool->mu);
        fn(arg, w->index, pool->n);
        pthread_mutex_lock(&pool->mu);
        if (--pool->pending == 0) pthread_cond_signal(&pool->done);
    }
    pthread_mutex_unlock(&pool->mu);
    return NULL;
}

wick_status wick_thread_pool_new(int n_threads, wick_thread_pool **out, wick_error *err) {
    *out = NULL;
    if (n_threads < 1) n_threads = 1;
    if (n_threads > 256)
        return wick_error_set(err, WICK_ERR_INVALID_ARG, "thread count %d is over the limit of 256",
                              n_threads);
    wick_thread_pool *pool = calloc(1, sizeof *pool);
    if (!pool) return wick_error_set(err, WICK_ERR_NOMEM, "out of memory (thread pool)");
    pool->n = n_threads;
    pthread_mutex_init(&pool->mu, NULL);
    pthread_cond_init(&pool->wake, NULL);
    pthread_cond_init(&pool->done, NULL);
    if (n_threads > 1) {
        pool->workers = calloc((size_t)n_threads - 1, sizeof *pool->workers);
        if (!pool->workers) {
            wick_thread_pool_free(pool);
            return wick_error_set(err, WICK_ERR_NOMEM, "out of memory (thread pool)");
        }
        for (int i = 0; i < n_threads - 1; i++) {
            pool->workers[i].pool = pool;
            pool->workers[i].index = i + 1;
            if (pthread_create(&pool->workers[i].thread, NULL, worker_main, &pool->workers[i]) != 0) {
                wick_thread_pool_free(pool);
                return wick_error_set(err, WICK_ERR_IO, "could not start worker thread %d of %d",
                                      i + 1, n_threads);
            }
            pool->n_started++;
        }
    }
    *out = pool;
    return WICK_OK;
}

void wick_thread_pool_free(wick_thread_pool *pool) {
    if (!pool) return;
    pthread_mutex_lock(&pool->mu);
    pool->shutdown = 1;
    pthread_cond_broadcast(&pool->wake);
    pthread_mutex_unlock(&pool->mu);
    for (int i = 0; i < pool->n_started; i++) pthread_join(pool->workers[i].thread, NULL);
    pthread_cond_destroy(&pool->wake);
    pthread_cond_destroy(&pool->done);
    pthread_mutex_destroy(&pool->mu);
    free(pool->workers);
    free(pool);
}

int wick_thread_pool_size(const wick_thread_pool *pool) { return pool ? pool->n : 1; }

void wick_thread_pool_run(wick_thread_pool *pool, wick_task_fn fn, void *arg) {
    if (!pool || pool->n == 1) {
        fn(arg, 0, 1);
        return;
    }
    pthread_mutex_lock(&pool->mu);
    pool->fn = fn;
    pool->arg = arg;
    pool->pending = pool->n - 1;
    pool->generation++;
    pthread_cond_broadcast(&pool->wake);
    pthread_mutex_unlock(&pool->mu);
    fn(arg, 0, pool->n);
    pthread_mutex_lock(&pool->mu);
    while (pool->pending > 0) pthread_cond_wait(&pool->done, &pool->mu);
    pthread_mutex_unlock(&pool->mu);
}

#endif
