/* Shared by the filter files (jinja_filters.c: strings and numbers,
 * jinja_filters_seq.c: sequences) and the tests (jinja_tests.c). */
#ifndef WICK_TEMPLATE_JINJA_FILTERS_H
#define WICK_TEMPLATE_JINJA_FILTERS_H

#include "template/jinja.h"

typedef bool (*filter_fn)(jctx *c, uint32_t pos, const jv *v, const jargs *a, jv *out);
typedef bool (*test_fn)(jctx *c, uint32_t pos, const jv *v, const jargs *a, bool *out);

static inline bool jf_given(const jv *v) { return v->kind != JV_NOARG; }
static inline jv jf_iter(jlist *l) { return jv_list_of(JV_ITER, l); }

/* An integer argument (bool counts), or a TypeError naming `what`. */
bool jf_arg_int(jctx *c, uint32_t pos, const jv *v, const char *what, int64_t *out);
bool jf_str_of(jctx *c, uint32_t pos, const jv *v, jstr *out); /* str(v) */
jlist *jf_copy_list(jctx *c, uint32_t pos, const jlist *src);
bool jf_cost(jctx *c, uint32_t pos, uint64_t units); /* charges work to the step budget */
/* jinja2's make_attrgetter: "a.b.0" by getitem, digits as ints. */
bool jf_attr_path(jctx *c, uint32_t pos, const jv *item, const jv *attr, const jv *deflt, jv *out);
jv jf_lower_if_str(jctx *c, uint32_t pos, const jv *v, bool *ok);

/* Stable sort of (key, item) pairs by Python's `<` on the keys. */
typedef struct keyed {
    jv key, item;
} keyed;
bool jf_sort_keyed(jctx *c, uint32_t pos, keyed *v, size_t n, bool reverse);

/* jinja_filters_seq.c */
bool f_batch(jctx *c, uint32_t pos, const jv *v, const jargs *a, jv *out);
bool f_dictsort(jctx *c, uint32_t pos, const jv *v, const jargs *a, jv *out);
bool f_first(jctx *c, uint32_t pos, const jv *v, const jargs *a, jv *out);
bool f_last(jctx *c, uint32_t pos, const jv *v, const jargs *a, jv *out);
bool f_items(jctx *c, uint32_t pos, const jv *v, const jargs *a, jv *out);
bool f_join(jctx *c, uint32_t pos, const jv *v, const jargs *a, jv *out);
bool f_list(jctx *c, uint32_t pos, const jv *v, const jargs *a, jv *out);
bool f_map(jctx *c, uint32_t pos, const jv *v, const jargs *a, jv *out);
bool f_max(jctx *c, uint32_t pos, const jv *v, const jargs *a, jv *out);
bool f_min(jctx *c, uint32_t pos, const jv *v, const jargs *a, jv *out);
bool f_select(jctx *c, uint32_t pos, const jv *v, const jargs *a, jv *out);
bool f_reject(jctx *c, uint32_t pos, const jv *v, const jargs *a, jv *out);
bool f_selectattr(jctx *c, uint32_t pos, const jv *v, const jargs *a, jv *out);
bool f_rejectattr(jctx *c, uint32_t pos, const jv *v, const jargs *a, jv *out);
bool f_reverse(jctx *c, uint32_t pos, const jv *v, const jargs *a, jv *out);
bool f_slice(jctx *c, uint32_t pos, const jv *v, const jargs *a, jv *out);
bool f_sort(jctx *c, uint32_t pos, const jv *v, const jargs *a, jv *out);
bool f_sum(jctx *c, uint32_t pos, const jv *v, const jargs *a, jv *out);
bool f_unique(jctx *c, uint32_t pos, const jv *v, const jargs *a, jv *out);

#endif
