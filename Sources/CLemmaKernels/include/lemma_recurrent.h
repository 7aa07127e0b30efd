// Whole-sequence recurrences for RNN (tanh/relu), LSTM and GRU cells, forward and backward, in PyTorch's
// gate order (LSTM: i, f, g, o; GRU: r, z, n). Time-major buffers: [T, B, ...].
#ifndef LEMMA_RECURRENT_H
#define LEMMA_RECURRENT_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum { LEMMA_CELL_RNN_TANH = 0, LEMMA_CELL_RNN_RELU = 1, LEMMA_CELL_LSTM = 2, LEMMA_CELL_GRU = 3 } lemma_cell_kind;

// Gates per cell (G): 1, 1, 4, 3. State width per step (S): LSTM 2 (h then c), others 1.
// Saved activations per step and row (A): RNN H, LSTM 4H (i f g o), GRU 4H (r z n, and W_hn h + b_hn).
//
// xp       [T, B, G*H]  input projections x W_ihᵀ + b_ih
// w_hh_t   [H, G*H]     W_hhᵀ (forward; NULL: the forward multiplies by w_hh transposed in place)
// w_hh     [G*H, H]     W_hh
// b_hh     [G*H]
// h0, c0   [B, H]       initial state (c0 LSTM only)
// lengths  [B] or NULL  steps t >= lengths[b] are skipped: zero state out, no gradient
// reverse               run t = T-1 … 0 (each row starting at its own last step)
// states   [T, B, S*H]  out: state after each step
// acts     [T, B, A]    out: saved activations
// prev     [T, B, S*H]  out: the state each step started from
// scratch  [B, G*H]
void lemma_recurrent_forward(int kind, int64_t T, int64_t B, int64_t H, const float *xp, const float *w_hh_t,
                             const float *w_hh, const float *b_hh, const float *h0, const float *c0,
                             const int32_t *lengths, int reverse, float *states, float *acts, float *prev,
                             float *scratch);

// dstates  [T, B, S*H]  gradient flowing into each step's state from outside
// dxp      [T, B, G*H]  out: gradient of the input projections
// dhh      [T, B, G*H]  out: gradient of W_hh h + b_hh (differs from dxp only for GRU's n gate)
// dh0, dc0 [B, H]       out (dc0 LSTM only, may be NULL otherwise)
// scratch  [B, (S+1)*H]
void lemma_recurrent_backward(int kind, int64_t T, int64_t B, int64_t H, const float *w_hh, const int32_t *lengths,
                              int reverse, const float *states, const float *acts, const float *prev,
                              const float *dstates, float *dxp, float *dhh, float *dh0, float *dc0, float *scratch);

// The buffers of one direction of one layer, for running several independent recurrences at once.
typedef struct {
    const float *xp, *w_hh_t, *w_hh, *b_hh, *h0, *c0;
    int reverse;
    float *states, *acts, *prev, *scratch;
    const float *dstates;
    float *dxp, *dhh, *dh0, *dc0;
} lemma_recurrent_direction;

// Runs `count` independent recurrences (the directions of a bidirectional layer), each on its own thread
// when there are threads to spare: a step's GEMM is too small to split well, but two directions split
// perfectly.
void lemma_recurrent_forward_directions(int kind, int64_t T, int64_t B, int64_t H, const int32_t *lengths,
                                        int count, const lemma_recurrent_direction *directions);
void lemma_recurrent_backward_directions(int kind, int64_t T, int64_t B, int64_t H, const int32_t *lengths,
                                         int count, const lemma_recurrent_direction *directions);

#ifdef __cplusplus
}
#endif

#endif
