/* IEEE half (f16) and bfloat16 conversions, bit-exact with ggml and numpy:
 * float -> f16/bf16 rounds to nearest, ties to even; overflow becomes
 * infinity; NaN stays NaN (quiet, sign and top payload bits kept).
 * f16/bf16 -> float is exact. Header-only and pure. */
#ifndef WICK_QUANT_FP16_H
#define WICK_QUANT_FP16_H

#include <stdint.h>
#include <string.h>

static inline uint32_t wick_f32_bits(float f) {
    uint32_t u;
    memcpy(&u, &f, 4);
    return u;
}

static inline float wick_f32_from_bits(uint32_t u) {
    float f;
    memcpy(&f, &u, 4);
    return f;
}

static inline uint16_t wick_f32_to_f16(float f) {
    uint32_t x = wick_f32_bits(f);
    uint16_t sign = (uint16_t)((x >> 16) & 0x8000);
    x &= 0x7FFFFFFF;
    if (x > 0x7F800000) return (uint16_t)(sign | 0x7E00 | ((x >> 13) & 0x3FF)); /* NaN */
    if (x >= 0x477FF000) return (uint16_t)(sign | 0x7C00); /* >= 65520 rounds to inf */
    if (x < 0x38800000) { /* below 2^-14: subnormal half (units of 2^-24) or zero */
        uint32_t e = x >> 23;
        if (e < 102) return sign; /* < 2^-25: rounds to zero */
        uint32_t mant = (x & 0x7FFFFF) | 0x800000;
        uint32_t shift = 126 - e; /* 14..24 */
        uint32_t q = mant >> shift, rem = mant & ((1u << shift) - 1), half = 1u << (shift - 1);
        if (rem > half || (rem == half && (q & 1))) q++;
        return (uint16_t)(sign | q);
    }
    uint32_t h = (x >> 13) - (112u << 10); /* rebias exponent 127 -> 15 */
    uint32_t rem = x & 0x1FFF;
    if (rem > 0x1000 || (rem == 0x1000 && (h & 1))) h++; /* a carry may bump the exponent */
    return (uint16_t)(sign | h);
}

static inline float wick_f16_to_f32(uint16_t h) {
    uint32_t sign = (uint32_t)(h & 0x8000) << 16;
    uint32_t e = (h >> 10) & 0x1F, m = h & 0x3FF;
    if (e == 0) {
        if (m == 0) return wick_f32_from_bits(sign);
        int32_t ee = 1; /* subnormal: normalize */
        while (!(m & 0x400)) {
            m <<= 1;
            ee--;
        }
        m &= 0x3FF;
        return wick_f32_from_bits(sign | (uint32_t)(ee + 112) << 23 | m << 13);
    }
    if (e == 31) return wick_f32_from_bits(sign | 0x7F800000 | m << 13);
    return wick_f32_from_bits(sign | (e + 112) << 23 | m << 13);
}

static inline uint16_t wick_f32_to_bf16(float f) {
    uint32_t x = wick_f32_bits(f);
    if ((x & 0x7FFFFFFF) > 0x7F800000) return (uint16_t)((x >> 16) | 0x40); /* quiet NaN */
    return (uint16_t)((x + 0x7FFF + ((x >> 16) & 1)) >> 16);
}

static inline float wick_bf16_to_f32(uint16_t b) { return wick_f32_from_bits((uint32_t)b << 16); }

#endif
