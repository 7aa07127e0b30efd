// Unary elementwise ops and their gradients. One vectorizable loop per op, split across threads for
// large tensors.
#include "internal.h"
#include "lemma_kernels.h"

// tanh x = sign(x) em / (em + 2) with em = e^(2|x|) - 1: exact near 0 (no 1 - 2/(e+1) cancellation).
static inline float lemma_tanhf(float x) {
    float ax = x < 0.0f ? -x : x;
    ax = ax > 9.0f ? 9.0f : ax;  // tanh(9) rounds to 1 in Float32
    float em = lemma_expm1f(2.0f * ax);
    float t = em / (em + 2.0f);
    t = x < 0.0f ? -t : t;
    return x != x ? x : t;
}

static inline float lemma_sigmoidf(float x) { return 1.0f / (1.0f + lemma_expf(-x)); }

// erf by Abramowitz & Stegun 7.1.26 (absolute error below 1.5e-7).
static inline float lemma_erff(float x) {
    float ax = x < 0.0f ? -x : x;
    float t = 1.0f / (1.0f + 0.3275911f * ax);
    float p = 1.061405429f;
    p = p * t - 1.453152027f;
    p = p * t + 1.421413741f;
    p = p * t - 0.284496736f;
    p = p * t + 0.254829592f;
    float y = 1.0f - p * t * lemma_expf(-ax * ax);
    return x < 0.0f ? -y : y;
}

#define SQRT1_2 0.70710678118654752f
#define INV_SQRT_2PI 0.39894228040143268f
#define SQRT_2_OVER_PI 0.79788456080286536f
#define GELU_TANH_C 0.044715f

static inline float gelu_tanh_inner(float x) { return SQRT_2_OVER_PI * (x + GELU_TANH_C * x * x * x); }

typedef struct {
    const float *x, *y, *gy;
    float *out;
    float p, q;
} eltwise_ctx;

#define FORWARD(name, expr)                                                       \
    LEMMA_HOT static void name(void *context, int64_t begin, int64_t end) {        \
        const eltwise_ctx *c = context;                                           \
        const float *restrict xs = c->x;                                          \
        float *restrict ys = c->out;                                              \
        float p = c->p, q = c->q;                                                 \
        (void)p; (void)q;                                                         \
        for (int64_t i = begin; i < end; i++) {                                   \
            float x = xs[i];                                                      \
            ys[i] = (expr);                                                       \
        }                                                                         \
    }

// `x` is the input, `y` the forward output, `g` the incoming gradient.
#define BACKWARD(name, expr)                                                      \
    LEMMA_HOT static void name(void *context, int64_t begin, int64_t end) {        \
        const eltwise_ctx *c = context;                                           \
        const float *restrict xs = c->x, *restrict ysrc = c->y, *restrict gs = c->gy; \
        float *restrict out = c->out;                                             \
        float p = c->p;                                                           \
        (void)p; (void)xs; (void)ysrc;                                            \
        for (int64_t i = begin; i < end; i++) {                                   \
            float x = xs ? xs[i] : 0.0f, y = ysrc ? ysrc[i] : 0.0f, g = gs[i];    \
            (void)x; (void)y;                                                     \
            out[i] = (expr);                                                      \
        }                                                                         \
    }

FORWARD(neg_fwd, -x)
FORWARD(exp_fwd, lemma_expf(x))
FORWARD(log_fwd, lemma_logf(x))
FORWARD(sqrt_fwd, __builtin_elementwise_sqrt(x))
FORWARD(tanh_fwd, lemma_tanhf(x))
FORWARD(sigmoid_fwd, lemma_sigmoidf(x))
FORWARD(relu_fwd, x > 0.0f ? x : (x != x ? x : 0.0f))
FORWARD(gelu_fwd, 0.5f * x * (1.0f + lemma_erff(x * SQRT1_2)))
FORWARD(gelu_tanh_fwd, 0.5f * x * (1.0f + lemma_tanhf(gelu_tanh_inner(x))))
FORWARD(abs_fwd, x < 0.0f ? -x : x)
FORWARD(square_fwd, x * x)
FORWARD(reciprocal_fwd, 1.0f / x)
FORWARD(affine_fwd, p * x + q)
FORWARD(pow_fwd, __builtin_powf(x, p))

BACKWARD(neg_bwd, -g)
BACKWARD(exp_bwd, g * y)
BACKWARD(log_bwd, g / x)
BACKWARD(sqrt_bwd, g * 0.5f / y)
BACKWARD(tanh_bwd, g * (1.0f - y * y))
BACKWARD(sigmoid_bwd, g * y * (1.0f - y))
BACKWARD(relu_bwd, x > 0.0f ? g : 0.0f)
BACKWARD(gelu_bwd, g * (0.5f * (1.0f + lemma_erff(x * SQRT1_2)) + x * INV_SQRT_2PI * lemma_expf(-0.5f * x * x)))
BACKWARD(gelu_tanh_bwd, g * ({
             float t = lemma_tanhf(gelu_tanh_inner(x));
             0.5f * (1.0f + t) + 0.5f * x * (1.0f - t * t) * SQRT_2_OVER_PI * (1.0f + 3.0f * GELU_TANH_C * x * x);
         }))
BACKWARD(abs_bwd, x > 0.0f ? g : (x < 0.0f ? -g : 0.0f))
BACKWARD(square_bwd, 2.0f * x * g)
BACKWARD(reciprocal_bwd, -g * y * y)
BACKWARD(pow_bwd, g * p * __builtin_powf(x, p - 1.0f))

static const lemma_range_fn forward_table[] = {
    [LEMMA_UNARY_NEG] = neg_fwd,         [LEMMA_UNARY_EXP] = exp_fwd,
    [LEMMA_UNARY_LOG] = log_fwd,         [LEMMA_UNARY_SQRT] = sqrt_fwd,
    [LEMMA_UNARY_TANH] = tanh_fwd,       [LEMMA_UNARY_SIGMOID] = sigmoid_fwd,
    [LEMMA_UNARY_RELU] = relu_fwd,       [LEMMA_UNARY_GELU] = gelu_fwd,
    [LEMMA_UNARY_GELU_TANH] = gelu_tanh_fwd, [LEMMA_UNARY_ABS] = abs_fwd,
    [LEMMA_UNARY_SQUARE] = square_fwd,   [LEMMA_UNARY_RECIPROCAL] = reciprocal_fwd,
};

static const lemma_range_fn backward_table[] = {
    [LEMMA_UNARY_NEG] = neg_bwd,         [LEMMA_UNARY_EXP] = exp_bwd,
    [LEMMA_UNARY_LOG] = log_bwd,         [LEMMA_UNARY_SQRT] = sqrt_bwd,
    [LEMMA_UNARY_TANH] = tanh_bwd,       [LEMMA_UNARY_SIGMOID] = sigmoid_bwd,
    [LEMMA_UNARY_RELU] = relu_bwd,       [LEMMA_UNARY_GELU] = gelu_bwd,
    [LEMMA_UNARY_GELU_TANH] = gelu_tanh_bwd, [LEMMA_UNARY_ABS] = abs_bwd,
    [LEMMA_UNARY_SQUARE] = square_bwd,   [LEMMA_UNARY_RECIPROCAL] = reciprocal_bwd,
};

// Transcendental loops are ~10x more work per element, so they go parallel sooner.
static int64_t grain_for(int op) {
    switch (op) {
    case LEMMA_UNARY_NEG: case LEMMA_UNARY_RELU: case LEMMA_UNARY_ABS: case LEMMA_UNARY_SQUARE:
        return LEMMA_PARALLEL_GRAIN;
    default:
        return LEMMA_PARALLEL_GRAIN / 8;
    }
}

void lemma_unary(int op, const float *x, float *y, int64_t n) {
    eltwise_ctx c = {x, 0, 0, y, 0, 0};
    lemma_parallel_for(n, grain_for(op), forward_table[op], &c);
}

void lemma_unary_backward(int op, const float *x, const float *y, const float *gy, float *gx, int64_t n) {
    eltwise_ctx c = {x, y, gy, gx, 0, 0};
    lemma_parallel_for(n, grain_for(op), backward_table[op], &c);
}

void lemma_pow_scalar(const float *x, float p, float *y, int64_t n) {
    eltwise_ctx c = {x, 0, 0, y, p, 0};
    lemma_parallel_for(n, LEMMA_PARALLEL_GRAIN / 8, pow_fwd, &c);
}

void lemma_pow_scalar_backward(const float *x, float p, const float *gy, float *gx, int64_t n) {
    eltwise_ctx c = {x, 0, gy, gx, p, 0};
    lemma_parallel_for(n, LEMMA_PARALLEL_GRAIN / 8, pow_bwd, &c);
}

void lemma_affine(const float *x, float a, float b, float *y, int64_t n) {
    eltwise_ctx c = {x, 0, 0, y, a, b};
    lemma_parallel_for(n, LEMMA_PARALLEL_GRAIN, affine_fwd, &c);
}
