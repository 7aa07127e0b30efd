// Causal self-attention, fused per head. Queries go in blocks of QUERY_BLOCK rows; a block sees only the keys
// up to its last position, so the masked triangle is neither computed nor read (at 1,024 positions 17/32 of
// the square), and each block's scores are scaled, masked and normalized while they are still in cache
// instead of in separate passes over [B, H, T, T]. Heads run in parallel, one thread per head with
// single-threaded GEMMs (oneDNN runs sequentially inside a parallel region), so no GEMM is split across cores.
// The packed layout is read in place: head h's queries are columns h*d… of each row, 3E apart.
#include <stdlib.h>
#include "internal.h"
#include "lemma_attention.h"
#include "lemma_kernels.h"

#define QUERY_BLOCK 64

typedef struct {
    const float *qkv, *keep, *probs, *grad_out;
    float *out, *probs_out, *grad_qkv;
    int64_t length, heads, head_width;
    float scale;
    int status;
} attention_job;

static int gemm(int trans_a, int trans_b, int64_t m, int64_t n, int64_t k, float alpha, const float *a, int64_t lda,
                const float *b, int64_t ldb, float beta, float *c, int64_t ldc) {
    return lemma_sgemm(LEMMA_GEMM_ONEDNN, trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

// row[0…len) = softmax(row[0…len)); row[len…visible) = 0, so the block's products can read the whole width.
LEMMA_HOT static void masked_softmax_row(float *row, int64_t len, int64_t visible) {
    #pragma clang fp reassociate(on)
    float m = row[0];
    for (int64_t j = 1; j < len; j++) m = row[j] > m ? row[j] : m;
    float total = 0;
    for (int64_t j = 0; j < len; j++) { float e = lemma_expf(row[j] - m); row[j] = e; total += e; }
    float inverse = 1.0f / total;
    for (int64_t j = 0; j < len; j++) row[j] *= inverse;
    for (int64_t j = len; j < visible; j++) row[j] = 0;
}

// dst = p * keep over a block's rows (the dropped-out probabilities the value product uses), width `visible`.
LEMMA_HOT static void masked_copy(const float *p, const float *keep, int64_t ld, int64_t rows, int64_t visible,
                                  float *dst) {
    for (int64_t i = 0; i < rows; i++)
        for (int64_t j = 0; j < visible; j++) dst[i * visible + j] = p[i * ld + j] * keep[i * ld + j];
}

// ds = scale * p * (dp * keep - Σ p dp keep) over [0, len), 0 over [len, visible): the gradient of the scaled
// scores, from the gradient of the (dropped-out) probabilities. dp becomes ds in place.
LEMMA_HOT static void softmax_backward_row(const float *p, const float *keep, float *dp, int64_t len,
                                           int64_t visible, float scale) {
    #pragma clang fp reassociate(on)
    if (keep)
        for (int64_t j = 0; j < len; j++) dp[j] *= keep[j];
    float dot = 0;
    for (int64_t j = 0; j < len; j++) dot += p[j] * dp[j];
    for (int64_t j = 0; j < len; j++) dp[j] = scale * p[j] * (dp[j] - dot);
    for (int64_t j = len; j < visible; j++) dp[j] = 0;
}

static void forward_heads(void *context, int64_t begin, int64_t end) {
    attention_job *job = context;
    int64_t t = job->length, h = job->heads, d = job->head_width, e = h * d, ld = 3 * e;
    float *scratch = job->keep ? malloc(sizeof(float) * QUERY_BLOCK * t) : NULL;
    if (job->keep && !scratch) { job->status = -1; return; }
    for (int64_t index = begin; index < end; index++) {
        int64_t b = index / h, head = index % h;
        const float *q = job->qkv + b * t * ld + head * d, *k = q + e, *v = q + 2 * e;
        float *out = job->out + b * t * e + head * d;
        float *p = job->probs_out + index * t * t;
        const float *keep = job->keep ? job->keep + index * t * t : NULL;
        for (int64_t r0 = 0; r0 < t; r0 += QUERY_BLOCK) {
            int64_t rows = t - r0 < QUERY_BLOCK ? t - r0 : QUERY_BLOCK, visible = r0 + rows;
            float *block = p + r0 * t;
            int status = gemm(0, 1, rows, visible, d, job->scale, q + r0 * ld, ld, k, ld, 0, block, t);
            for (int64_t i = 0; i < rows; i++) masked_softmax_row(block + i * t, r0 + i + 1, visible);
            if (keep) {
                masked_copy(block, keep + r0 * t, t, rows, visible, scratch);
                status |= gemm(0, 0, rows, d, visible, 1, scratch, visible, v, ld, 0, out + r0 * e, e);
            } else {
                status |= gemm(0, 0, rows, d, visible, 1, block, t, v, ld, 0, out + r0 * e, e);
            }
            if (status) job->status = status;
        }
    }
    free(scratch);
}

static void backward_heads(void *context, int64_t begin, int64_t end) {
    attention_job *job = context;
    int64_t t = job->length, h = job->heads, d = job->head_width, e = h * d, ld = 3 * e;
    float *scores = malloc(sizeof(float) * QUERY_BLOCK * t);
    float *dropped = job->keep ? malloc(sizeof(float) * QUERY_BLOCK * t) : NULL;
    if (!scores || (job->keep && !dropped)) { job->status = -1; free(scores); free(dropped); return; }
    for (int64_t index = begin; index < end; index++) {
        int64_t b = index / h, head = index % h;
        const float *q = job->qkv + b * t * ld + head * d, *k = q + e, *v = q + 2 * e;
        float *dq = job->grad_qkv + b * t * ld + head * d, *dk = dq + e, *dv = dq + 2 * e;
        const float *dout = job->grad_out + b * t * e + head * d;
        const float *p = job->probs + index * t * t;
        const float *keep = job->keep ? job->keep + index * t * t : NULL;
        for (int64_t r = 0; r < t; r++) {  // dk and dv are sums over the query blocks
            memset(dk + r * ld, 0, sizeof(float) * d);
            memset(dv + r * ld, 0, sizeof(float) * d);
        }
        for (int64_t r0 = 0; r0 < t; r0 += QUERY_BLOCK) {
            int64_t rows = t - r0 < QUERY_BLOCK ? t - r0 : QUERY_BLOCK, visible = r0 + rows;
            const float *block = p + r0 * t, *used = block;
            int64_t used_ld = t;
            if (keep) {
                masked_copy(block, keep + r0 * t, t, rows, visible, dropped);
                used = dropped;
                used_ld = visible;
            }
            // dv[0…visible) += usedᵀ dout_block; dscores = dout_block vᵀ, then through the softmax.
            int status = gemm(1, 0, visible, d, rows, 1, used, used_ld, dout + r0 * e, e, 1, dv, ld);
            status |= gemm(0, 1, rows, visible, d, 1, dout + r0 * e, e, v, ld, 0, scores, visible);
            for (int64_t i = 0; i < rows; i++)
                softmax_backward_row(block + i * t, keep ? keep + (r0 + i) * t : NULL, scores + i * visible, r0 + i + 1,
                                     visible, job->scale);
            // dq_block = dscores k; dk[0…visible) += dscoresᵀ q_block.
            status |= gemm(0, 0, rows, d, visible, 1, scores, visible, k, ld, 0, dq + r0 * ld, ld);
            status |= gemm(1, 0, visible, d, rows, 1, scores, visible, q + r0 * ld, ld, 1, dk, ld);
            if (status) job->status = status;
        }
    }
    free(scores);
    free(dropped);
}

int lemma_causal_attention_forward(const float *qkv, const float *keep, float *out, float *probs, int64_t batch,
                                   int64_t length, int64_t heads, int64_t head_width, float scale) {
    if (batch == 0 || length == 0 || heads == 0) return 0;
    attention_job job = {.qkv = qkv, .keep = keep, .out = out, .probs_out = probs, .length = length, .heads = heads,
                         .head_width = head_width, .scale = scale};
    lemma_parallel_for(batch * heads, 1, forward_heads, &job);
    return job.status;
}

int lemma_causal_attention_backward(const float *qkv, const float *keep, const float *probs, const float *grad_out,
                                    float *grad_qkv, int64_t batch, int64_t length, int64_t heads,
                                    int64_t head_width, float scale) {
    if (batch == 0 || length == 0 || heads == 0) return 0;
    attention_job job = {.qkv = qkv, .keep = keep, .probs = probs, .grad_out = grad_out, .grad_qkv = grad_qkv,
                         .length = length, .heads = heads, .head_width = head_width, .scale = scale};
    lemma_parallel_for(batch * heads, 1, backward_heads, &job);
    return job.status;
}
