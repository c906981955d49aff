/* A minimal unit-test harness: each tests/unit/test_<suite>.c is its own
 * program. CHECK records a failure and continues; the main macro prints a
 * count and exits non-zero if anything failed. */
#ifndef WICK_TEST_HARNESS_H
#define WICK_TEST_HARNESS_H

#include <stdio.h>
#include <string.h>

typedef struct test_state {
    int checks, failures;
    const char *current;
} test_state;

#define CHECK(ts, cond)                                                                      \
    do {                                                                                     \
        (ts)->checks++;                                                                      \
        if (!(cond)) {                                                                       \
            (ts)->failures++;                                                                \
            fprintf(stderr, "FAIL %s:%d [%s]: %s\n", __FILE__, __LINE__, (ts)->current, #cond); \
        }                                                                                    \
    } while (0)

#define CHECK_MSG(ts, cond, ...)                                                             \
    do {                                                                                     \
        (ts)->checks++;                                                                      \
        if (!(cond)) {                                                                       \
            (ts)->failures++;                                                                \
            fprintf(stderr, "FAIL %s:%d [%s]: %s: ", __FILE__, __LINE__, (ts)->current, #cond); \
            fprintf(stderr, __VA_ARGS__);                                                    \
            fputc('\n', stderr);                                                             \
        }                                                                                    \
    } while (0)

#define CHECK_STR_EQ(ts, a, b) CHECK_MSG(ts, strcmp((a), (b)) == 0, "\"%s\" != \"%s\"", (a), (b))

typedef void (*test_fn)(test_state *ts);
typedef struct test_case {
    const char *name;
    test_fn fn;
} test_case;

/* Runs every case (or those whose name contains argv[1]). */
static inline int test_run_all(const char *suite, const test_case *cases, size_t n, int argc,
                               char **argv) {
    test_state ts = {0, 0, NULL};
    int ran = 0;
    for (size_t i = 0; i < n; i++) {
        if (argc > 1 && !strstr(cases[i].name, argv[1])) continue;
        ts.current = cases[i].name;
        cases[i].fn(&ts);
        ran++;
    }
    printf("%s: %d tests, %d checks, %d failures\n", suite, ran, ts.checks, ts.failures);
    return ts.failures ? 1 : 0;
}

#define TEST_MAIN(suite, ...)                                                     \
    int main(int argc, char **argv) {                                             \
        static const test_case cases[] = {__VA_ARGS__};                           \
        return test_run_all(suite, cases, sizeof cases / sizeof cases[0], argc, argv); \
    }

#define TEST(fn) {#fn, fn}

#endif
