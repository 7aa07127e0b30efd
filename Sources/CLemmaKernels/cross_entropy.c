// Cross-entropy from logits in one op: the loss of a row needs only its log-sum-exp and its target's
// logit, and the gradient is softmax − one-hot. Fusing skips writing the [N, C] log-probabilities and the
// one-hot gradient of a gather: on a 12,000-word decoder's outputs that is most of the loss's memory traffic.
#include "internal.h"
#include "lemma_kernels.h"

typedef struct {
    const float *x;
    const int32_t *targets;
    const float *grad_loss;
    float *loss, *shift, *grad_x;
    int64_t classes;
} cross_entropy_job;

LEMMA_HOT static void forward_rows(void *context, int64_t begin, int64_t end) {
    const cross_entropy_job *c = context;
    const int64_t classes = c->classes;
    for (int64_t r = begin; r < end; r++) {
        const float *x = c->x + r * classes;
        float m = x[0];
        for (int64_t l = 1; l < classes; l++) m = x[l] > m ? x[l] : m;
        float total = 0;
        {
            // The same sum, in the same order, as log-softmax (reduce.c), so the loss equals its NLL bit for bit.
            #pragma clang fp reassociate(on)
            for (int64_t l = 0; l < classes; l++) total += lemma_expf(x[l] - m);
        }
        float shift = m + lemma_logf(total);
        c->shift[r] = shift;
        c->loss[r] = -(x[c->targets[r]] - shift);
    }
}

LEMMA_HOT static void backward_rows(void *context, int64_t begin, int64_t end) {
    const cross_entropy_job *c = context;
    const int64_t classes = c->classes;
    for (int64_t r = begin; r < end; r++) {
        const float *x = c->x + r * classes;
        float *gx = c->grad_x + r * classes;
        const float g = c->grad_loss[r], shift = c->shift[r];
        for (int64_t l = 0; l < classes; l++) gx[l] = g * lemma_expf(x[l] - shift);
        gx[c->targets[r]] -= g;
    }
}

static int64_t row_grain(int64_t classes) {
    return classes >= LEMMA_PARALLEL_GRAIN / 4 ? 1 : LEMMA_PARALLEL_GRAIN / 4 / (classes > 0 ? classes : 1);
}

void lemma_cross_entropy_forward(const float *x, const int32_t *targets, int64_t rows, int64_t classes, float *loss,
                                 float *shift) {
    cross_entropy_job c = {x, targets, 0, loss, shift, 0, classes};
    lemma_parallel_for(rows, row_grain(classes), forward_rows, &c);
}

void lemma_cross_entropy_backward(const float *x, const int32_t *targets, const float *shift, const float *grad_loss,
                                  int64_t rows, int64_t classes, float *grad_x) {
    cross_entropy_job c = {x, targets, grad_loss, 0, (float *)shift, grad_x, classes};
    lemma_parallel_for(rows, row_grain(classes), backward_rows, &c);
}
