// Recurrent layers over a whole sequence: one GEMM per step for the hidden-to-hidden product (the input
// projections for all steps come precomputed), then a fused, vectorized loop for the gate math. The backward
// pass walks the steps in reverse, producing the gradients of the gate pre-activations, from which the
// caller gets every weight gradient with two large GEMMs.
#include "internal.h"
#include "lemma_kernels.h"
#include "lemma_recurrent.h"

static inline float sigmoidf_(float x) { return 1.0f / (1.0f + lemma_expf(-x)); }

static inline float tanhf_(float x) {
    float ax = x < 0.0f ? -x : x;
    ax = ax > 9.0f ? 9.0f : ax;
    float em = lemma_expm1f(2.0f * ax);
    float t = em / (em + 2.0f);
    return x < 0.0f ? -t : t;
}

static int gates_of(int kind) { return kind == LEMMA_CELL_LSTM ? 4 : kind == LEMMA_CELL_GRU ? 3 : 1; }
static int state_of(int kind) { return kind == LEMMA_CELL_LSTM ? 2 : 1; }
static int acts_of(int kind) { return kind == LEMMA_CELL_LSTM || kind == LEMMA_CELL_GRU ? 4 : 1; }

// Whether row b takes part in step t, and whether t is the row's first step (where it reads h0).
static inline int active(const int32_t *lengths, int64_t T, int64_t b, int64_t t) {
    return t < (lengths ? lengths[b] : T);
}
static inline int first_step(const int32_t *lengths, int64_t T, int64_t b, int64_t t, int reverse) {
    return reverse ? t == (lengths ? lengths[b] : T) - 1 : t == 0;
}

LEMMA_HOT static void cell_forward(int kind, int64_t H, const float *restrict xp, const float *restrict hh,
                                   const float *restrict b_hh, const float *restrict prev, float *restrict state,
                                   float *restrict act) {
    switch (kind) {
    case LEMMA_CELL_RNN_TANH:
        for (int64_t j = 0; j < H; j++) { float h = tanhf_(xp[j] + hh[j] + b_hh[j]); state[j] = h; act[j] = h; }
        break;
    case LEMMA_CELL_RNN_RELU:
        for (int64_t j = 0; j < H; j++) { float v = xp[j] + hh[j] + b_hh[j]; float h = v > 0.0f ? v : 0.0f; state[j] = h; act[j] = h; }
        break;
    case LEMMA_CELL_LSTM:
        for (int64_t j = 0; j < H; j++) {
            float i = sigmoidf_(xp[j] + hh[j] + b_hh[j]);
            float f = sigmoidf_(xp[H + j] + hh[H + j] + b_hh[H + j]);
            float g = tanhf_(xp[2 * H + j] + hh[2 * H + j] + b_hh[2 * H + j]);
            float o = sigmoidf_(xp[3 * H + j] + hh[3 * H + j] + b_hh[3 * H + j]);
            float c = f * prev[H + j] + i * g;
            state[j] = o * tanhf_(c);
            state[H + j] = c;
            act[j] = i; act[H + j] = f; act[2 * H + j] = g; act[3 * H + j] = o;
        }
        break;
    default: // GRU
        for (int64_t j = 0; j < H; j++) {
            float r = sigmoidf_(xp[j] + hh[j] + b_hh[j]);
            float z = sigmoidf_(xp[H + j] + hh[H + j] + b_hh[H + j]);
            float hn = hh[2 * H + j] + b_hh[2 * H + j];
            float n = tanhf_(xp[2 * H + j] + r * hn);
            state[j] = (1.0f - z) * n + z * prev[j];
            act[j] = r; act[H + j] = z; act[2 * H + j] = n; act[3 * H + j] = hn;
        }
    }
}

void lemma_recurrent_forward(int kind, int64_t T, int64_t B, int64_t H, const float *xp, const float *w_hh_t,
                             const float *w_hh, const float *b_hh, const float *h0, const float *c0,
                             const int32_t *lengths, int reverse, float *states, float *acts, float *prev,
                             float *scratch) {
    const int64_t G = gates_of(kind) * H, S = state_of(kind) * H, A = acts_of(kind) * H;
    for (int64_t step = 0; step < T; step++) {
        int64_t t = reverse ? T - 1 - step : step;
        int64_t t_before = reverse ? t + 1 : t - 1;
        float *prev_t = prev + t * B * S;
        for (int64_t b = 0; b < B; b++) {
            float *p = prev_t + b * S;
            if (!active(lengths, T, b, t)) { memset(p, 0, (size_t)S * sizeof(float)); continue; }
            if (first_step(lengths, T, b, t, reverse)) {
                memcpy(p, h0 + b * H, (size_t)H * sizeof(float));
                if (S > H) memcpy(p + H, c0 + b * H, (size_t)H * sizeof(float));
            } else {
                memcpy(p, states + (t_before * B + b) * S, (size_t)S * sizeof(float));
            }
        }
        // hh = h_prev W_hhᵀ for all rows at once; h_prev rows sit S floats apart in `prev`.
        if (w_hh_t)
            lemma_sgemm(LEMMA_GEMM_ONEDNN, 0, 0, B, G, H, 1.0f, prev_t, S, w_hh_t, G, 0.0f, scratch, G);
        else
            lemma_sgemm(LEMMA_GEMM_ONEDNN, 0, 1, B, G, H, 1.0f, prev_t, S, w_hh, H, 0.0f, scratch, G);
        for (int64_t b = 0; b < B; b++) {
            float *state = states + (t * B + b) * S;
            if (!active(lengths, T, b, t)) { memset(state, 0, (size_t)S * sizeof(float)); continue; }
            cell_forward(kind, H, xp + (t * B + b) * G, scratch + b * G, b_hh, prev_t + b * S, state,
                         acts + (t * B + b) * A);
        }
    }
}

// Gate-gradient math for one row. dh (and dc for LSTM) hold the total gradient of this step's state; on
// return dc holds the gradient of the previous cell state and dh_direct the part of the previous hidden
// state's gradient that bypasses W_hh (GRU only).
LEMMA_HOT static void cell_backward(int kind, int64_t H, const float *restrict act, const float *restrict state,
                                    const float *restrict prev, const float *restrict dh, float *restrict dc,
                                    float *restrict dx, float *restrict dhh, float *restrict dh_direct) {
    switch (kind) {
    case LEMMA_CELL_RNN_TANH:
        for (int64_t j = 0; j < H; j++) { float h = act[j]; dx[j] = dh[j] * (1.0f - h * h); }
        break;
    case LEMMA_CELL_RNN_RELU:
        for (int64_t j = 0; j < H; j++) dx[j] = act[j] > 0.0f ? dh[j] : 0.0f;
        break;
    case LEMMA_CELL_LSTM:
        for (int64_t j = 0; j < H; j++) {
            float i = act[j], f = act[H + j], g = act[2 * H + j], o = act[3 * H + j];
            float tc = tanhf_(state[H + j]);
            float dcell = dc[j] + dh[j] * o * (1.0f - tc * tc);
            dx[j] = dcell * g * i * (1.0f - i);
            dx[H + j] = dcell * prev[H + j] * f * (1.0f - f);
            dx[2 * H + j] = dcell * i * (1.0f - g * g);
            dx[3 * H + j] = dh[j] * tc * o * (1.0f - o);
            dc[j] = dcell * f;
        }
        break;
    default: // GRU
        for (int64_t j = 0; j < H; j++) {
            float r = act[j], z = act[H + j], n = act[2 * H + j], hn = act[3 * H + j];
            float dn = dh[j] * (1.0f - z) * (1.0f - n * n);
            float dz = dh[j] * (prev[j] - n) * z * (1.0f - z);
            float dr = dn * hn * r * (1.0f - r);
            dx[j] = dr; dx[H + j] = dz; dx[2 * H + j] = dn;
            dhh[j] = dr; dhh[H + j] = dz; dhh[2 * H + j] = dn * r;
            dh_direct[j] = dh[j] * z;
        }
    }
}

void lemma_recurrent_backward(int kind, int64_t T, int64_t B, int64_t H, const float *w_hh, const int32_t *lengths,
                              int reverse, const float *states, const float *acts, const float *prev,
                              const float *dstates, float *dxp, float *dhh, float *dh0, float *dc0, float *scratch) {
    const int64_t G = gates_of(kind) * H, S = state_of(kind) * H, A = acts_of(kind) * H;
    // scratch: carry [B, S] (gradient reaching each row's state from the step processed after it), then
    // dh_prev [B, H].
    float *carry = scratch, *dh_prev = scratch + B * S;
    memset(carry, 0, (size_t)(B * S) * sizeof(float));
    memset(dh0, 0, (size_t)(B * H) * sizeof(float));
    if (dc0) memset(dc0, 0, (size_t)(B * H) * sizeof(float));
    float *dhh_rows = dhh ? dhh : dxp;
    for (int64_t step = 0; step < T; step++) {
        int64_t t = reverse ? step : T - 1 - step;
        for (int64_t b = 0; b < B; b++) {
            int64_t at = t * B + b;
            float *dx = dxp + at * G;
            if (!active(lengths, T, b, t)) {
                memset(dx, 0, (size_t)G * sizeof(float));
                if (dhh) memset(dhh + at * G, 0, (size_t)G * sizeof(float));
                continue;
            }
            float *c = carry + b * S;
            for (int64_t j = 0; j < S; j++) c[j] += dstates[at * S + j];
            // carry[h] now holds dh of this step; carry[c] dc. cell_backward overwrites carry[c] with dc_prev
            // and, for GRU, writes dh's direct path into dh_prev.
            cell_backward(kind, H, acts + at * A, states + at * S, prev + at * S, c, c + H, dx,
                          dhh ? dhh + at * G : dx, dh_prev + b * H);
        }
        // dh_prev = dgates_hh W_hh (+ the direct path for GRU), for all rows at once.
        lemma_sgemm(LEMMA_GEMM_ONEDNN, 0, 0, B, H, G, 1.0f, dhh_rows + t * B * G, G, w_hh, H,
                    kind == LEMMA_CELL_GRU ? 1.0f : 0.0f, dh_prev, H);
        for (int64_t b = 0; b < B; b++) {
            float *c = carry + b * S;
            if (!active(lengths, T, b, t)) continue;
            if (first_step(lengths, T, b, t, reverse)) {
                for (int64_t j = 0; j < H; j++) dh0[b * H + j] += dh_prev[b * H + j];
                if (S > H) for (int64_t j = 0; j < H; j++) dc0[b * H + j] += c[H + j];
                memset(c, 0, (size_t)S * sizeof(float));
            } else {
                memcpy(c, dh_prev + b * H, (size_t)H * sizeof(float));
            }
        }
    }
}

typedef struct {
    int kind, backward;
    int64_t T, B, H;
    const int32_t *lengths;
    const lemma_recurrent_direction *directions;
} directions_job;

static void run_direction(const directions_job *job, int d) {
    const lemma_recurrent_direction *x = &job->directions[d];
    if (job->backward)
        lemma_recurrent_backward(job->kind, job->T, job->B, job->H, x->w_hh, job->lengths, x->reverse, x->states,
                                 x->acts, x->prev, x->dstates, x->dxp, x->dhh, x->dh0, x->dc0, x->scratch);
    else
        lemma_recurrent_forward(job->kind, job->T, job->B, job->H, x->xp, x->w_hh_t, x->w_hh, x->b_hh, x->h0, x->c0,
                                job->lengths, x->reverse, x->states, x->acts, x->prev, x->scratch);
}

// One direction per thread; the GEMMs inside see an active parallel region and run on their own thread.
static void directions_range(void *context, int64_t begin, int64_t end) {
    for (int64_t d = begin; d < end; d++) run_direction(context, (int)d);
}

static void run_directions(directions_job *job, int count) {
    if (count > 1 && lemma_max_threads() > 1)
        lemma_parallel_for(count, 1, directions_range, job);
    else
        for (int d = 0; d < count; d++) run_direction(job, d);
}

void lemma_recurrent_forward_directions(int kind, int64_t T, int64_t B, int64_t H, const int32_t *lengths,
                                        int count, const lemma_recurrent_direction *directions) {
    directions_job job = {kind, 0, T, B, H, lengths, directions};
    run_directions(&job, count);
}

void lemma_recurrent_backward_directions(int kind, int64_t T, int64_t B, int64_t H, const int32_t *lengths,
                                         int count, const lemma_recurrent_direction *directions) {
    directions_job job = {kind, 1, T, B, H, lengths, directions};
    run_directions(&job, count);
}
