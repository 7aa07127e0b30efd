// The k largest values along the middle axis of an (outer, len, inner) view, largest first, and where they
// are. Order: a NaN ranks above every number (as torch.topk and lemma_max_axis have it); equal values keep
// their index order, so the first of a tie comes first. Beam search asks for about 2·beams of each row's
// vocabulary; small k keeps a sorted list and skips 16-value blocks that cannot enter it, so a row costs
// little more than one read. Large k sorts the row's indices instead.
#include <stdlib.h>
#include "internal.h"
#include "lemma_kernels.h"

// Whether v, found after t, ranks ahead of t.
static inline int ranks_ahead(float v, float t) {
    return v != v ? t == t : v > t;
}

// Insertion into the sorted list best[0..*count) of capacity k; v comes after every value already in it.
static inline void offer(float *best_v, int32_t *best_i, int64_t *count, int64_t k, float v, int32_t at) {
    if (*count == k && !ranks_ahead(v, best_v[k - 1])) return;
    int64_t slot = *count < k ? *count : k - 1;
    while (slot > 0 && ranks_ahead(v, best_v[slot - 1])) {
        best_v[slot] = best_v[slot - 1];
        best_i[slot] = best_i[slot - 1];
        slot--;
    }
    best_v[slot] = v;
    best_i[slot] = at;
    if (*count < k) (*count)++;
}

// A contiguous row with small k: after the list fills, a block of 16 none of whose values beats the list's last
// (and that holds no NaN) is passed over after one vectorized test.
LEMMA_HOT static void small_k_row(const float *x, int64_t len, int64_t k, float *best_v, int32_t *best_i) {
    enum { W = 16 };
    int64_t count = 0, l = 0;
    for (; l < len && count < k; l++) offer(best_v, best_i, &count, k, x[l], (int32_t)l);
    for (; l + W <= len; l += W) {
        // Whether any value beats the list's last or is NaN: compares and an OR, no chain of maxima.
        float last = best_v[k - 1];
        int enters = 0;
        for (int j = 0; j < W; j++) {
            float v = x[l + j];
            enters |= (v > last) | (v != v);
        }
        if (!enters) continue;
        for (int j = 0; j < W; j++) offer(best_v, best_i, &count, k, x[l + j], (int32_t)(l + j));
    }
    for (; l < len; l++) offer(best_v, best_i, &count, k, x[l], (int32_t)l);
}

typedef struct {
    const float *x;
    float *values;
    int32_t *indices;
    float *log_sum_exp;  // with_log_sum_exp's rows only
    int64_t len, inner, k;
} top_k_ctx;

// qsort's comparator for the large-k path: NaN first, then larger values, then lower index. qsort takes no
// context argument, so the row being sorted is per-thread state.
static _Thread_local const float *thread_row;
static _Thread_local int64_t thread_stride;

static int by_rank(const void *a, const void *b) {
    int32_t i = *(const int32_t *)a, j = *(const int32_t *)b;
    float u = thread_row[i * thread_stride], v = thread_row[j * thread_stride];
    int u_nan = u != u, v_nan = v != v;
    if (u_nan != v_nan) return u_nan ? -1 : 1;
    if (!u_nan && u != v) return u > v ? -1 : 1;
    return i < j ? -1 : (i > j);
}

static void top_k_range(void *context, int64_t begin, int64_t end) {
    const top_k_ctx *c = context;
    int64_t len = c->len, inner = c->inner, k = c->k;
    int small = k <= 64;
    int32_t *order = small ? malloc((size_t)k * sizeof(int32_t)) : malloc((size_t)len * sizeof(int32_t));
    float *list_v = small ? malloc((size_t)k * sizeof(float)) : 0;
    float *column = inner > 1 && small ? malloc((size_t)len * sizeof(float)) : 0;
    for (int64_t r = begin; r < end; r++) {
        int64_t o = r / inner, i = r % inner;
        const float *x = c->x + o * len * inner + i;
        float *values = c->values + o * k * inner + i;
        int32_t *indices = c->indices + o * k * inner + i;
        if (small) {
            const float *row = x;
            if (inner > 1) {
                for (int64_t l = 0; l < len; l++) column[l] = x[l * inner];
                row = column;
            }
            small_k_row(row, len, k, list_v, order);
            for (int64_t j = 0; j < k; j++) { values[j * inner] = list_v[j]; indices[j * inner] = order[j]; }
        } else {
            for (int64_t l = 0; l < len; l++) order[l] = (int32_t)l;
            thread_row = x;
            thread_stride = inner;
            qsort(order, (size_t)len, sizeof(int32_t), by_rank);
            for (int64_t j = 0; j < k; j++) { values[j * inner] = x[order[j] * inner]; indices[j * inner] = order[j]; }
        }
    }
    free(order);
    free(list_v);
    free(column);
}

void lemma_top_k_axis(const float *x, float *values, int32_t *indices, int64_t outer, int64_t len, int64_t inner,
                      int64_t k) {
    if (outer * inner == 0 || k == 0) return;
    top_k_ctx c = {x, values, indices, 0, len, inner, k};
    lemma_parallel_for(outer * inner, lemma_grain_for(len), top_k_range, &c);
}

static void top_k_with_log_sum_exp_range(void *context, int64_t begin, int64_t end) {
    const top_k_ctx *c = context;
    int64_t len = c->len, k = c->k;
    for (int64_t r = begin; r < end; r++) {
        // The row stays in cache between the two reads.
        c->log_sum_exp[r] = lemma_row_log_sum_exp(c->x + r * len, len);
        if (k > 0) small_k_row(c->x + r * len, len, k, c->values + r * k, c->indices + r * k);
    }
}

void lemma_top_k_with_log_sum_exp(const float *x, float *values, int32_t *indices, float *log_sum_exp,
                                  int64_t rows, int64_t len, int64_t k) {
    if (rows == 0) return;
    top_k_ctx c = {x, values, indices, log_sum_exp, len, 1, k};
    lemma_parallel_for(rows, lemma_grain_for(len), top_k_with_log_sum_exp_range, &c);
}
