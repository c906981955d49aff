/* Internal: the generated tables in unicode_data.c (see
 * tools/gen_unicode_tables.py for the layout and the Unicode versions).
 * Only unicode.c reads them. */
#ifndef WICK_UNICODE_TABLES_H
#define WICK_UNICODE_TABLES_H

#include <stdint.h>

/* Normalization property bits, unicode_norm_stage2 values. */
#define UNORM_CCC_MASK 0xFFu        /* Canonical_Combining_Class */
#define UNORM_QC_SHIFT 8            /* NFC_Quick_Check: 0 yes, 1 maybe, 2 no */
#define UNORM_HAS_DECOMP (1u << 10) /* has a (non-Hangul) canonical decomposition */

/* A full canonical decomposition: pool[off .. off+len). Sorted by cp. */
typedef struct unicode_decomp_entry {
    uint32_t cp;
    uint16_t off;
    uint8_t len;
} unicode_decomp_entry;

/* A primary composite: first + second -> composite. Sorted by (first, second). */
typedef struct unicode_comp_pair {
    uint32_t first, second, composite;
} unicode_comp_pair;


/* Three-stage tables, for cp < 0x110000:
 *   block = mid[(top[cp >> (lo + hi)] << hi) + ((cp >> lo) & ((1 << hi) - 1))]
 *   value = data[(block << lo) + (cp & ((1 << lo) - 1))] */
extern const unsigned unicode_gc_lo, unicode_gc_hi;
extern const uint16_t unicode_gc_top[], unicode_gc_mid[];
extern const uint8_t unicode_gc_data[]; /* gc | White_Space << 5 */

extern const unsigned unicode_norm_lo, unicode_norm_hi;
extern const uint16_t unicode_norm_top[], unicode_norm_mid[];
extern const uint16_t unicode_norm_data[]; /* UNORM_* bits */
extern const unsigned unicode_decomp_count;
extern const unicode_decomp_entry unicode_decomp_entries[];
extern const uint32_t unicode_decomp_pool[];
extern const unsigned unicode_comp_count;
extern const unicode_comp_pair unicode_comp_pairs[];

#endif
