// Shared by the kernel files: the per-CPU cloning macro, the parallel-for, and vectorizable math.
#ifndef LEMMA_INTERNAL_H
#define LEMMA_INTERNAL_H

#include <stdint.h>
#include <string.h>

// Each hot loop is compiled for AVX-512, AVX2 and baseline x86-64; the loader picks one for the running
// CPU. This gives -march-level code without the unsafe compiler flags SwiftPM forbids in libraries.
#if defined(__x86_64__) && defined(__clang__)
#define LEMMA_HOT __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define LEMMA_HOT
#endif

// Below this many elements a loop runs on the calling thread: waking a second core costs more than it saves.
#define LEMMA_PARALLEL_GRAIN 32768

// Runs body(ctx, begin, end) over [0, n) split into one contiguous chunk per thread.
typedef void (*lemma_range_fn)(void *ctx, int64_t begin, int64_t end);
void lemma_parallel_for(int64_t n, int64_t grain, lemma_range_fn body, void *ctx);

// The grain for a loop over items of `work` elements each: enough items to make LEMMA_PARALLEL_GRAIN elements.
static inline int64_t lemma_grain_for(int64_t work) {
    return work >= LEMMA_PARALLEL_GRAIN ? 1 : LEMMA_PARALLEL_GRAIN / (work > 0 ? work : 1);
}

// log Σ exp over a contiguous row, as lemma_logsumexp_axis computes it (reduce.c): shared so that every op
// giving a log-sum-exp gives the same bits.
float lemma_row_log_sum_exp(const float *row, int64_t len);

static inline float lemma_bits_to_float(uint32_t u) { float f; memcpy(&f, &u, 4); return f; }
static inline uint32_t lemma_float_to_bits(float f) { uint32_t u; memcpy(&u, &f, 4); return u; }

// Splits x = n ln2 + r with |r| <= ln2/2, rounding with the 1.5*2^23 trick so the loop vectorizes
// without a rounding instruction.
static inline float lemma_reduce_ln2(float x, int32_t *n_out) {
    const float log2e = 1.44269504088896341f;
    const float ln2_hi = 0.693145751953125f, ln2_lo = 1.42860682030941723212e-6f;
    const float shifter = 12582912.0f;
    float t = x * log2e + shifter;
    float n = t - shifter;
    *n_out = (int32_t)n;
    return (x - n * ln2_hi) - n * ln2_lo;
}

static inline float lemma_pow2i(int32_t n) { return lemma_bits_to_float((uint32_t)(n + 127) << 23); }

// e^x: Taylor polynomial to degree 7 on |r| <= ln2/2 (truncation error < 6e-9), times 2^n.
static inline float lemma_expf(float x) {
    float xc = x > 88.3762626647949f ? 88.3762626647949f : x;
    xc = xc < -87.3365447504f ? -87.3365447504f : xc;
    int32_t n;
    float r = lemma_reduce_ln2(xc, &n);
    float p = 1.0f / 5040.0f;
    p = p * r + 1.0f / 720.0f;
    p = p * r + 1.0f / 120.0f;
    p = p * r + 1.0f / 24.0f;
    p = p * r + 1.0f / 6.0f;
    p = p * r + 0.5f;
    p = p * r + 1.0f;
    p = p * r + 1.0f;
    float y = p * lemma_pow2i(n);
    y = x < -103.972084f ? 0.0f : y;           // below the smallest denormal
    y = x > 88.7228391f ? __builtin_inff() : y; // above FLT_MAX
    return x != x ? x : y;
}

// e^x - 1 without cancellation near 0: the polynomial part r + r^2/2 + ... is exact-ish, and for n != 0
// the result is >= 0.41 in magnitude, where subtracting 1 loses at most a bit.
static inline float lemma_expm1f(float x) {
    float xc = x > 88.0f ? 88.0f : x;
    xc = xc < -20.0f ? -20.0f : xc;
    int32_t n;
    float r = lemma_reduce_ln2(xc, &n);
    float p = 1.0f / 40320.0f;
    p = p * r + 1.0f / 5040.0f;
    p = p * r + 1.0f / 720.0f;
    p = p * r + 1.0f / 120.0f;
    p = p * r + 1.0f / 24.0f;
    p = p * r + 1.0f / 6.0f;
    p = p * r + 0.5f;
    p = p * r * r + r;  // expm1(r)
    float s = lemma_pow2i(n);
    return s * p + (s - 1.0f);
}

// ln x: x = m 2^e with m in [sqrt(1/2), sqrt 2); ln m = 2 atanh(s), s = (m-1)/(m+1), |s| < 0.1716, by its
// odd series to s^11 (next term < 1e-11).
static inline float lemma_logf(float x) {
    int tiny = x < 1.17549435e-38f;  // denormals: scale into the normal range first
    uint32_t bits = lemma_float_to_bits(tiny ? x * 8388608.0f : x);
    int32_t e = (int32_t)((bits >> 23) & 0xff) - (tiny ? 150 : 127);
    float m = lemma_bits_to_float((bits & 0x007fffffu) | 0x3f800000u);  // [1, 2)
    int big = m > 1.41421356f;
    m = big ? m * 0.5f : m;
    e = big ? e + 1 : e;
    float s = (m - 1.0f) / (m + 1.0f);
    float s2 = s * s;
    float p = 1.0f / 11.0f;
    p = p * s2 + 1.0f / 9.0f;
    p = p * s2 + 1.0f / 7.0f;
    p = p * s2 + 1.0f / 5.0f;
    p = p * s2 + 1.0f / 3.0f;
    p = p * s2 + 1.0f;
    float y = 2.0f * s * p + (float)e * 0.693147180559945309f;
    // Edge cases, in the order that makes the last one win: 0, negatives and NaN, +inf.
    y = x == 0.0f ? -__builtin_inff() : y;
    y = (x < 0.0f || x != x) ? __builtin_nanf("") : y;
    y = x == __builtin_inff() ? x : y;
    return y;
}

#endif
