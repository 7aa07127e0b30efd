// Row gathers and scatters: what embeddings (index_select / index_add) and per-class picks (gather /
// scatter_add) are made of. Indices are checked here, in the one pass that uses them.
#include "internal.h"
#include "lemma_kernels.h"

int64_t lemma_index_select(const float *x, int64_t rows, int64_t row_len, const int32_t *idx, int64_t n, float *y) {
    for (int64_t i = 0; i < n; i++) {
        int64_t r = idx[i];
        if (r < 0 || r >= rows) return i;
        memcpy(y + i * row_len, x + r * row_len, (size_t)row_len * sizeof(float));
    }
    return -1;
}

LEMMA_HOT int64_t lemma_index_add(float *y, int64_t rows, int64_t row_len, const int32_t *idx, int64_t n,
                                  const float *src, int64_t skip) {
    for (int64_t i = 0; i < n; i++) {
        int64_t r = idx[i];
        if (r < 0 || r >= rows) return i;
        if (r == skip) continue;
        float *dst = y + r * row_len;
        const float *s = src + i * row_len;
        for (int64_t j = 0; j < row_len; j++) dst[j] += s[j];
    }
    return -1;
}

int64_t lemma_gather_axis(const float *x, const int32_t *idx, float *y, int64_t outer, int64_t len, int64_t idx_len,
                          int64_t inner) {
    for (int64_t o = 0; o < outer; o++)
        for (int64_t j = 0; j < idx_len; j++)
            for (int64_t i = 0; i < inner; i++) {
                int64_t at = (o * idx_len + j) * inner + i;
                int64_t l = idx[at];
                if (l < 0 || l >= len) return at;
                y[at] = x[(o * len + l) * inner + i];
            }
    return -1;
}

int64_t lemma_scatter_add_axis(float *y, const int32_t *idx, const float *src, int64_t outer, int64_t len,
                               int64_t idx_len, int64_t inner) {
    for (int64_t o = 0; o < outer; o++)
        for (int64_t j = 0; j < idx_len; j++)
            for (int64_t i = 0; i < inner; i++) {
                int64_t at = (o * idx_len + j) * inner + i;
                int64_t l = idx[at];
                if (l < 0 || l >= len) return at;
                y[(o * len + l) * inner + i] += src[at];
            }
    return -1;
}
