/* Thread pool: pthreads natively and under emscripten with -pthread (Web
 * Workers on shared memory); a single thread under WASI and in emscripten
 * builds without -pthread (no SharedArrayBuffer: pthread_create would fail).
 *
 * A decode step dispatches ~8 tasks per layer (every matmul and the
 * attention), a few hundred per token, each often under 50 us: waking
 * sleeping threads through a condition variable for each (tens of us of
 * futex latency) cost more than the work. So workers spin on an atomic
 * generation counter for a while after each task (they see the next
 * dispatch within ~100 ns), and only then sleep on a condition variable;
 * the caller spins on an atomic count of unfinished workers. A lost
 * wake-up is impossible: a worker announces it will sleep (n_sleeping)
 * and re-checks the generation, both under the mutex and sequentially
 * consistent, and the caller bumps the generation before reading
 * n_sleeping, so one of them sees the other (Dekker). */
#include "platform/thread_pool.h"

#include <stdlib.h>

#if defined(__wasi__) || (defined(__EMSCRIPTEN__) && !defined(__EMSCRIPTEN_PTHREADS__))

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
#include <sched.h>
#include <stdatomic.h>
#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define cpu_relax() _mm_pause()
#elif defined(__aarch64__)
#define cpu_relax() __asm__ __volatile__("yield")
#else
#define cpu_relax() ((void)0)
#endif

/* Spin iterations before a worker sleeps (~0.2-1 ms of pause loops):
 * longer than the gaps between the tasks of one forward pass, shorter
 * than a user's think time. */
#define SPIN_BEFORE_SLEEP 40000

typedef struct worker {
    struct wick_thread_pool *pool;
    int index;
    pthread_t thread;
} worker;

struct wick_thread_pool {
    int n;                        /* threads including the caller */
    atomic_uint generation;       /* bumped once per run */
    atomic_int pending;           /* workers still running the current task */
    atomic_int n_sleeping;        /* workers blocked (or about to block) on `wake` */
    atomic_int shutdown;
    wick_task_fn fn;              /* written before the generation bump (release) */
    void *arg;
    pthread_mutex_t mu;
    pthread_cond_t wake;
    worker *workers;              /* n - 1 of them */
    int n_started;
};

static void *worker_main(void *p) {
    worker *w = p;
    wick_thread_pool *pool = w->pool;
    unsigned seen = 0;
    for (;;) {
        unsigned gen = atomic_load_explicit(&pool->generation, memory_order_acquire);
        for (int spin = 0; gen == seen && spin < SPIN_BEFORE_SLEEP; spin++) {
            cpu_relax();
            gen = atomic_load_explicit(&pool->generation, memory_order_acquire);
        }
        if (gen == seen) {
            pthread_mutex_lock(&pool->mu);
            atomic_fetch_add(&pool->n_sleeping, 1);
            while ((gen = atomic_load(&pool->generation)) == seen && !atomic_load(&pool->shutdown))
                pthread_cond_wait(&pool->wake, &pool->mu);
            atomic_fetch_sub(&pool->n_sleeping, 1);
            pthread_mutex_unlock(&pool->mu);
        }
        if (atomic_load(&pool->shutdown)) break;
        seen = gen;
        pool->fn(pool->arg, w->index, pool->n);
        atomic_fetch_sub_explicit(&pool->pending, 1, memory_order_release);
    }
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
    atomic_init(&pool->generation, 0);
    atomic_init(&pool->pending, 0);
    atomic_init(&pool->n_sleeping, 0);
    atomic_init(&pool->shutdown, 0);
    pthread_mutex_init(&pool->mu, NULL);
    pthread_cond_init(&pool->wake, NULL);
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
    atomic_store(&pool->shutdown, 1);
    atomic_fetch_add(&pool->generation, 1);
    pthread_cond_broadcast(&pool->wake);
    pthread_mutex_unlock(&pool->mu);
    for (int i = 0; i < pool->n_started; i++) pthread_join(pool->workers[i].thread, NULL);
    pthread_cond_destroy(&pool->wake);
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
    pool->fn = fn;
    pool->arg = arg;
    atomic_store_explicit(&pool->pending, pool->n - 1, memory_order_relaxed);
    atomic_fetch_add(&pool->generation, 1); /* seq_cst: publishes fn/arg/pending */
    if (atomic_load(&pool->n_sleeping) > 0) {
        pthread_mutex_lock(&pool->mu);
        pthread_cond_broadcast(&pool->wake);
        pthread_mutex_unlock(&pool->mu);
    }
    fn(arg, 0, pool->n);
    /* The workers are a dispatch behind at most a task's length: spin,
     * yielding now and then so an oversubscribed machine still progresses. */
    for (unsigned spin = 1; atomic_load_explicit(&pool->pending, memory_order_acquire) > 0; spin++) {
        cpu_relax();
        if ((spin & 1023) == 0) sched_yield();
    }
}

#endif
