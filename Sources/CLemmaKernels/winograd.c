// Winograd convolution F(2×2, 3×3) (Lavin & Gray, "Fast Algorithms for Convolutional Neural Networks",
// 2015) for 3×3, stride-1, undilated, ungrouped 2-D convolutions: every 2×2 block ("tile") of outputs is
//     y = Aᵀ [ (G g Gᵀ) ⊙ (Bᵀ d B) ] A
// of the 4×4 input patch d under it, so the sum over input channels becomes 16 GEMMs, one per cell of the
// 4×4 transformed patch, with 16 multiply-adds where the direct method needs 36 (2.25× fewer). oneDNN offers
// Winograd only on AVX-512 CPUs, and not for training everywhere; these are Lemma's, on every CPU.
//
// The three steps of training share the transforms:
//   forward           M[ξ] = U[ξ] V[ξ]           U = G g Gᵀ (weights), V = Bᵀ d B (input patches)
//   backward weights  dU[ξ] = dM[ξ] V[ξ]ᵀ        dM = A dy Aᵀ, then dg = Gᵀ dU G
//   backward data     the forward step run on dy with the kernel turned 180° and its channels swapped,
//                     padded by 2 - p (the transposed convolution of a stride-1 convolution).
// Tiles are processed in blocks small enough that a block's transformed patches stay in cache between the
// transform and the GEMMs. Layouts: V[ξ][channel][tile] and M[ξ][channel][tile], tiles in (image, row,
// column) order, so the transforms walk one image plane at a time and each GEMM is one plain product.
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include "internal.h"
#include "lemma_convolution.h"
#include "lemma_kernels.h"
#include "winograd.h"

enum { CELLS = 16 };

// One convolution as the transforms see it: `channels` planes of in_h × in_w in, out_h × out_w out, tiled
// by 2 × 2 output blocks whose 4 × 4 input patches start at (2 i - pad_h, 2 j - pad_w).
typedef struct {
    int64_t batch, channels, in_h, in_w, pad_h, pad_w, out_channels, out_h, out_w, tiles_h, tiles_w, tiles;
} tiling;

static tiling make_tiling(int64_t batch, int64_t channels, int64_t in_h, int64_t in_w, int64_t pad_h, int64_t pad_w,
                          int64_t out_channels, int64_t out_h, int64_t out_w) {
    tiling t = {batch, channels, in_h, in_w, pad_h, pad_w, out_channels, out_h, out_w, (out_h + 1) / 2,
                (out_w + 1) / 2, 0};
    t.tiles = batch * t.tiles_h * t.tiles_w;
    return t;
}

int lemma_winograd_applies(const lemma_conv_shape *s) {
    return s->spatial == 2 && s->groups == 1 && s->kernel[0] == 3 && s->kernel[1] == 3 && s->stride[0] == 1 &&
           s->stride[1] == 1 && s->dilation[0] == 1 && s->dilation[1] == 1 && s->padding[0] >= 0 &&
           s->padding[0] <= 2 && s->padding[1] >= 0 && s->padding[1] <= 2 && s->out_size[0] > 0 &&
           s->out_size[1] > 0;
}

// ---- per-thread state: a workspace kept at its largest size (a fresh allocation per call costs page
// faults), and the transformed weights of the last few weight tensors seen ----

// Transformed weights are kept with a copy of the weights they came from. A later call whose weights sit at the
// same address with the same bytes (the backward pass after its forward, every step of an inference loop)
// skips the transform; anything else (an optimizer step, another tensor at a reused address) fails the
// comparison, which usually ends at the first float, and transforms again.
enum { CACHED_WEIGHTS = 8 };
// Per thread (each ConcurrentLanes lane keeps its own: im2markup's encoder takes about 50 MB); larger weights
// are transformed on every call.
#define CACHE_BYTES ((size_t)128 << 20)

typedef struct {
    const float *address;
    int64_t out_channels, in_channels;
    float *copy, *u;  // 9 and 16 floats per kernel
    uint64_t last_use;
} cached_weights;

typedef struct {
    float *data;
    size_t floats;
    cached_weights cache[CACHED_WEIGHTS];
    size_t cache_bytes;
    uint64_t clock;
} thread_state;

static pthread_key_t state_key;
static pthread_once_t state_once = PTHREAD_ONCE_INIT;

static void drop_entry(thread_state *t, cached_weights *e) {
    if (e->copy) t->cache_bytes -= sizeof(float) * 25 * (size_t)(e->out_channels * e->in_channels);
    free(e->copy);
    free(e->u);
    memset(e, 0, sizeof *e);
}

static void free_state(void *p) {
    thread_state *t = p;
    for (int i = 0; i < CACHED_WEIGHTS; i++) drop_entry(t, &t->cache[i]);
    free(t->data);
    free(t);
}

static void make_state_key(void) { pthread_key_create(&state_key, free_state); }

static thread_state *state(void) {
    pthread_once(&state_once, make_state_key);
    thread_state *t = pthread_getspecific(state_key);
    if (!t && (t = calloc(1, sizeof *t))) pthread_setspecific(state_key, t);
    return t;
}

static float *workspace_of(size_t floats) {
    thread_state *t = state();
    if (!t) return NULL;
    if (t->floats < floats) {
        free(t->data);
        size_t bytes = (floats * sizeof(float) + 4095) & ~(size_t)4095;
        t->data = aligned_alloc(4096, bytes);
        t->floats = t->data ? bytes / sizeof(float) : 0;
    }
    return t->data;
}

static void transform_weights(const float *w, float *u, int64_t out_channels, int64_t in_channels);

// U for the weights w ([out][in][3][3]): from the cache when w's bytes are the ones it was made from, else
// transformed into the cache, or into `fallback` (16 out in floats) when they do not fit it.
static const float *transformed_weights(const float *w, int64_t out_channels, int64_t in_channels, float *fallback) {
    thread_state *t = state();
    size_t kernels = (size_t)(out_channels * in_channels), bytes = sizeof(float) * 25 * kernels;
    if (!t || bytes > CACHE_BYTES) {
        transform_weights(w, fallback, out_channels, in_channels);
        return fallback;
    }
    cached_weights *entry = NULL, *oldest = &t->cache[0];
    for (int i = 0; i < CACHED_WEIGHTS; i++) {
        cached_weights *e = &t->cache[i];
        if (e->address == w && e->out_channels == out_channels && e->in_channels == in_channels) entry = e;
        if (e->last_use < oldest->last_use) oldest = e;
    }
    if (entry && memcmp(entry->copy, w, sizeof(float) * 9 * kernels) == 0) {
        entry->last_use = ++t->clock;
        return entry->u;
    }
    if (!entry) {
        entry = oldest;
        drop_entry(t, entry);
        // Room under the byte limit: drop the least recently used entries until it fits.
        while (t->cache_bytes + bytes > CACHE_BYTES) {
            cached_weights *lru = NULL;
            for (int i = 0; i < CACHED_WEIGHTS; i++)
                if (t->cache[i].copy && (!lru || t->cache[i].last_use < lru->last_use)) lru = &t->cache[i];
            drop_entry(t, lru);
        }
        entry->copy = malloc(sizeof(float) * 9 * kernels);
        entry->u = malloc(sizeof(float) * 16 * kernels);
        if (!entry->copy || !entry->u) {
            free(entry->copy);
            free(entry->u);
            memset(entry, 0, sizeof *entry);
            transform_weights(w, fallback, out_channels, in_channels);
            return fallback;
        }
        entry->address = w;
        entry->out_channels = out_channels;
        entry->in_channels = in_channels;
        t->cache_bytes += bytes;
    }
    memcpy(entry->copy, w, sizeof(float) * 9 * kernels);
    transform_weights(w, entry->u, out_channels, in_channels);
    entry->last_use = ++t->clock;
    return entry->u;
}

// Tiles per block: the block's V and M within about 12 MB (LEMMA_WINOGRAD_BLOCK_KB overrides, for tuning).
static int64_t block_budget;
static pthread_once_t block_budget_once = PTHREAD_ONCE_INIT;

static void read_block_budget(void) {
    const char *env = getenv("LEMMA_WINOGRAD_BLOCK_KB");
    int64_t kb = env ? atoll(env) : 0;
    block_budget = (kb > 0 ? kb : 12 * 1024) * 1024;
}

static int64_t block_tiles(const tiling *t) {
    pthread_once(&block_budget_once, read_block_budget);
    int64_t budget = block_budget;
    int64_t per_tile = CELLS * (t->channels + t->out_channels) * (int64_t)sizeof(float);
    int64_t n = budget / per_tile;
    n = n < 64 ? 64 : (n & ~(int64_t)15);
    return n < t->tiles ? n : t->tiles;
}

// ---- transforms ----

// A block's tiles are visited in runs along one row of tiles of one image, at most RUN tiles long, so each
// transform can lay the rows it reads or writes out flat (padding made explicit) and its loop over the run's
// tiles vectorizes.
enum { RUN = 256 };

typedef struct {
    int64_t image, row, column, count, offset;  // tiles (row, column … column + count - 1), offset in the block
} tile_run;

static int next_run(const tiling *t, int64_t first, int64_t n, tile_run *run) {
    int64_t k = run->offset + run->count;
    if (k >= n) return 0;
    int64_t per_image = t->tiles_h * t->tiles_w, tile = first + k, rest = tile % per_image;
    run->image = tile / per_image;
    run->row = rest / t->tiles_w;
    run->column = rest % t->tiles_w;
    run->count = t->tiles_w - run->column;
    if (run->count > n - k) run->count = n - k;
    if (run->count > RUN) run->count = RUN;
    run->offset = k;
    return 1;
}

typedef struct {
    const tiling *t;
    const float *src;  // input planes (V) or output-gradient planes (dM)
    float *dst;        // V or dM block: [16][channels][n]
    int64_t first, n;  // the block's tiles
} block_job;

// V[ξ][c][tile] = (Bᵀ d B)[ξ] for the block's tiles, channels [begin, end).
LEMMA_HOT static void input_transform_range(void *context, int64_t begin, int64_t end) {
    const block_job *job = context;
    const tiling *t = job->t;
    int64_t n = job->n, cs = t->channels * n;
    float rows[4][2 * RUN + 2];
    for (int64_t c = begin; c < end; c++) {
        float *out = job->dst + c * n;
        tile_run run = {0};
        while (next_run(t, job->first, n, &run)) {
            const float *plane = job->src + (run.image * t->channels + c) * t->in_h * t->in_w;
            int64_t r0 = 2 * run.row - t->pad_h, c0 = 2 * run.column - t->pad_w, width = 2 * run.count + 2;
            for (int a = 0; a < 4; a++) {
                int64_t r = r0 + a;
                for (int64_t q = 0; q < width; q++) {
                    int64_t col = c0 + q;
                    rows[a][q] = r >= 0 && r < t->in_h && col >= 0 && col < t->in_w ? plane[r * t->in_w + col] : 0.0f;
                }
            }
            float *o = out + run.offset;
            for (int64_t j = 0; j < run.count; j++) {
                float h[4][4];
                for (int a = 0; a < 4; a++) {  // d B, row by row
                    float d0 = rows[a][2 * j], d1 = rows[a][2 * j + 1], d2 = rows[a][2 * j + 2], d3 = rows[a][2 * j + 3];
                    h[a][0] = d0 - d2;
                    h[a][1] = d1 + d2;
                    h[a][2] = d2 - d1;
                    h[a][3] = d1 - d3;
                }
                for (int b = 0; b < 4; b++) {  // Bᵀ (d B)
                    o[(0 + b) * cs + j] = h[0][b] - h[2][b];
                    o[(4 + b) * cs + j] = h[1][b] + h[2][b];
                    o[(8 + b) * cs + j] = h[2][b] - h[1][b];
                    o[(12 + b) * cs + j] = h[1][b] - h[3][b];
                }
            }
        }
    }
}

// dM[ξ][o][tile] = (A dy Aᵀ)[ξ] for the block's tiles, output channels [begin, end); outputs beyond the
// plane (the last row or column of tiles of an odd size) count as zero.
LEMMA_HOT static void output_gradient_transform_range(void *context, int64_t begin, int64_t end) {
    const block_job *job = context;
    const tiling *t = job->t;
    int64_t n = job->n, cs = t->out_channels * n;
    float rows[2][2 * RUN];
    for (int64_t ch = begin; ch < end; ch++) {
        float *out = job->dst + ch * n;
        tile_run run = {0};
        while (next_run(t, job->first, n, &run)) {
            const float *plane = job->src + (run.image * t->out_channels + ch) * t->out_h * t->out_w;
            int64_t r0 = 2 * run.row, c0 = 2 * run.column, width = 2 * run.count;
            for (int a = 0; a < 2; a++) {
                int64_t r = r0 + a;
                for (int64_t q = 0; q < width; q++)
                    rows[a][q] = r < t->out_h && c0 + q < t->out_w ? plane[r * t->out_w + c0 + q] : 0.0f;
            }
            float *o = out + run.offset;
            for (int64_t j = 0; j < run.count; j++) {
                float e[4][2];
                for (int b = 0; b < 2; b++) {  // A dy
                    float g0 = rows[0][2 * j + b], g1 = rows[1][2 * j + b];
                    e[0][b] = g0;
                    e[1][b] = g0 + g1;
                    e[2][b] = g0 - g1;
                    e[3][b] = -g1;
                }
                for (int a = 0; a < 4; a++) {  // (A dy) Aᵀ
                    o[(4 * a + 0) * cs + j] = e[a][0];
                    o[(4 * a + 1) * cs + j] = e[a][0] + e[a][1];
                    o[(4 * a + 2) * cs + j] = e[a][0] - e[a][1];
                    o[(4 * a + 3) * cs + j] = -e[a][1];
                }
            }
        }
    }
}

typedef struct {
    const tiling *t;
    const float *m;  // M block: [16][out_channels][n]
    const float *bias;
    float *y;
    int64_t first, n;
} output_job;

// y = Aᵀ M A (+ bias) for the block's tiles, output channels [begin, end); cells beyond the plane are dropped.
LEMMA_HOT static void output_transform_range(void *context, int64_t begin, int64_t end) {
    const output_job *job = context;
    const tiling *t = job->t;
    int64_t n = job->n, cs = t->out_channels * n;
    float rows[2][2 * RUN];
    for (int64_t ch = begin; ch < end; ch++) {
        const float *in = job->m + ch * n;
        float bias = job->bias ? job->bias[ch] : 0.0f;
        tile_run run = {0};
        while (next_run(t, job->first, n, &run)) {
            const float *m = in + run.offset;
            for (int64_t j = 0; j < run.count; j++) {
                float s[2][4];
                for (int b = 0; b < 4; b++) {  // Aᵀ M
                    float m0 = m[b * cs + j], m1 = m[(4 + b) * cs + j], m2 = m[(8 + b) * cs + j], m3 = m[(12 + b) * cs + j];
                    s[0][b] = m0 + m1 + m2;
                    s[1][b] = m1 - m2 - m3;
                }
                for (int a = 0; a < 2; a++) {  // (Aᵀ M) A
                    rows[a][2 * j] = s[a][0] + s[a][1] + s[a][2] + bias;
                    rows[a][2 * j + 1] = s[a][1] - s[a][2] - s[a][3] + bias;
                }
            }
            float *plane = job->y + (run.image * t->out_channels + ch) * t->out_h * t->out_w;
            int64_t r0 = 2 * run.row, c0 = 2 * run.column, width = 2 * run.count;
            if (width > t->out_w - c0) width = t->out_w - c0;
            for (int a = 0; a < 2 && r0 + a < t->out_h; a++)
                memcpy(plane + (r0 + a) * t->out_w + c0, rows[a], sizeof(float) * (size_t)width);
        }
    }
}

typedef struct {
    const float *w;  // [out_channels][in_channels][3][3]
    float *u;        // [16][out_channels][in_channels]
    int64_t out_channels, in_channels;
} weight_job;

// U[ξ] = (G g Gᵀ)[ξ] for output channels [begin, end).
LEMMA_HOT static void weight_transform_range(void *context, int64_t begin, int64_t end) {
    const weight_job *job = context;
    int64_t ci = job->in_channels, cells = job->out_channels * ci;
    for (int64_t o = begin; o < end; o++) {
        float *u = job->u + o * ci;
        for (int64_t i = 0; i < ci; i++) {
            const float *g = job->w + (o * ci + i) * 9;
            float r[4][3];
            for (int b = 0; b < 3; b++) {  // G g
                r[0][b] = g[b];
                r[1][b] = 0.5f * (g[b] + g[3 + b] + g[6 + b]);
                r[2][b] = 0.5f * (g[b] - g[3 + b] + g[6 + b]);
                r[3][b] = g[6 + b];
            }
            for (int a = 0; a < 4; a++) {  // (G g) Gᵀ
                u[(4 * a + 0) * cells + i] = r[a][0];
                u[(4 * a + 1) * cells + i] = 0.5f * (r[a][0] + r[a][1] + r[a][2]);
                u[(4 * a + 2) * cells + i] = 0.5f * (r[a][0] - r[a][1] + r[a][2]);
                u[(4 * a + 3) * cells + i] = r[a][2];
            }
        }
    }
}

typedef struct {
    const float *du;  // [16][out_channels][in_channels]
    float *gw;        // [out_channels][in_channels][3][3]
    int64_t cells;
} weight_gradient_job;

// dg = Gᵀ dU G for the kernels [begin, end) (one per output and input channel pair).
LEMMA_HOT static void weight_gradient_range(void *context, int64_t begin, int64_t end) {
    const weight_gradient_job *job = context;
    for (int64_t p = begin; p < end; p++) {
        float d[4][4], s[3][4];
        for (int a = 0; a < 4; a++)
            for (int b = 0; b < 4; b++) d[a][b] = job->du[(4 * a + b) * job->cells + p];
        for (int b = 0; b < 4; b++) {  // Gᵀ dU
            s[0][b] = d[0][b] + 0.5f * (d[1][b] + d[2][b]);
            s[1][b] = 0.5f * (d[1][b] - d[2][b]);
            s[2][b] = 0.5f * (d[1][b] + d[2][b]) + d[3][b];
        }
        float *g = job->gw + p * 9;
        for (int a = 0; a < 3; a++) {  // (Gᵀ dU) G
            g[a * 3 + 0] = s[a][0] + 0.5f * (s[a][1] + s[a][2]);
            g[a * 3 + 1] = 0.5f * (s[a][1] - s[a][2]);
            g[a * 3 + 2] = 0.5f * (s[a][1] + s[a][2]) + s[a][3];
        }
    }
}

// ---- the convolution ----

static void transform_weights(const float *w, float *u, int64_t out_channels, int64_t in_channels) {
    weight_job job = {w, u, out_channels, in_channels};
    lemma_parallel_for(out_channels, lemma_grain_for(in_channels * 32), weight_transform_range, &job);
}

// The floats a call needs beside its transformed weights: one block's V and M.
static size_t block_floats(const tiling *t) { return (size_t)(CELLS * (t->channels + t->out_channels) * block_tiles(t)); }

// Turning a 3×3 kernel by 180° permutes its transform's cells: G J = P G, where J reverses 3 rows and P swaps
// the first and last of 4, so the transform of the turned kernel is cell (P a, P b) of the kernel's own.
static int turned_cell(int cell) {
    int a = cell / 4, b = cell % 4;
    a = a == 0 ? 3 : a == 3 ? 0 : a;
    b = b == 0 ? 3 : b == 3 ? 0 : b;
    return 4 * a + b;
}

// y = conv(x) + bias through transformed weights u = [16][out_channels][channels], or, when `turned`, the
// backward-data convolution through the forward step's u = [16][channels][out_channels] (each GEMM reads
// its cell of u transposed, from the turned cell). `work` holds block_floats(t).
static int convolve(const tiling *t, const float *x, const float *u, int turned, const float *bias, float *y,
                    float *work) {
    int64_t block = block_tiles(t), cells = t->out_channels * t->channels;
    float *v = work, *m = work + CELLS * t->channels * block;
    for (int64_t first = 0; first < t->tiles; first += block) {
        int64_t n = t->tiles - first < block ? t->tiles - first : block;
        block_job in = {t, x, v, first, n};
        lemma_parallel_for(t->channels, lemma_grain_for(n * 32), input_transform_range, &in);
        for (int xi = 0; xi < CELLS; xi++) {
            const float *a = u + (turned ? turned_cell(xi) : xi) * cells;
            int status = lemma_sgemm(LEMMA_GEMM_ONEDNN, turned, 0, t->out_channels, n, t->channels, 1.0f, a,
                                     turned ? t->out_channels : t->channels, v + xi * t->channels * n, n, 0.0f,
                                     m + xi * t->out_channels * n, n);
            if (status) return status;
        }
        output_job out = {t, m, bias, y, first, n};
        lemma_parallel_for(t->out_channels, lemma_grain_for(n * 32), output_transform_range, &out);
    }
    return 0;
}

int lemma_winograd_forward(const lemma_conv_shape *s, const float *x, const float *w, const float *b, float *y) {
    tiling t = make_tiling(s->batch, s->in_channels, s->in_size[0], s->in_size[1], s->padding[0], s->padding[1],
                           s->out_channels, s->out_size[0], s->out_size[1]);
    size_t cells = (size_t)(CELLS * s->out_channels * s->in_channels);
    float *work = workspace_of(cells + block_floats(&t));
    if (!work) return LEMMA_WINOGRAD_OUT_OF_MEMORY;
    const float *u = transformed_weights(w, s->out_channels, s->in_channels, work);
    return convolve(&t, x, u, 0, s->has_bias ? b : NULL, y, work + cells);
}

// dU = Σ over tiles dM Vᵀ, block by block, then gw = Gᵀ dU G. `du` holds 16 out_channels channels floats,
// `work` block_floats(t).
static int weight_gradient(const tiling *t, const float *x, const float *gy, float *gw, float *du, float *work) {
    int64_t block = block_tiles(t), cells = t->out_channels * t->channels;
    float *v = work, *dm = work + CELLS * t->channels * block;
    int status = 0;
    for (int64_t first = 0; first < t->tiles && !status; first += block) {
        int64_t n = t->tiles - first < block ? t->tiles - first : block;
        block_job in = {t, x, v, first, n}, out = {t, gy, dm, first, n};
        lemma_parallel_for(t->channels, lemma_grain_for(n * 32), input_transform_range, &in);
        lemma_parallel_for(t->out_channels, lemma_grain_for(n * 32), output_gradient_transform_range, &out);
        for (int xi = 0; xi < CELLS && !status; xi++)
            status = lemma_sgemm(LEMMA_GEMM_ONEDNN, 0, 1, t->out_channels, t->channels, n, 1.0f,
                                 dm + xi * t->out_channels * n, n, v + xi * t->channels * n, n,
                                 first == 0 ? 0.0f : 1.0f, du + xi * cells, t->channels);
    }
    if (!status) {
        weight_gradient_job job = {du, gw, cells};
        lemma_parallel_for(cells, lemma_grain_for(32), weight_gradient_range, &job);
    }
    return status;
}

int lemma_winograd_backward(const lemma_conv_shape *s, const float *x, const float *w, const float *gy, float *gx,
                            float *gw, float *gb) {
    int64_t h = s->in_size[0], wd = s->in_size[1], oh = s->out_size[0], ow = s->out_size[1];
    if (gb && s->has_bias) {  // gy summed over positions, then over the batch (reduce.c's axis sums)
        float *per_image = malloc(sizeof(float) * (size_t)(s->batch * s->out_channels));
        if (!per_image) return LEMMA_WINOGRAD_OUT_OF_MEMORY;
        lemma_sum_axis(gy, per_image, s->batch * s->out_channels, oh * ow, 1);
        lemma_sum_axis(per_image, gb, 1, s->batch, s->out_channels);
        free(per_image);
    }
    // gx is the convolution of gy, padded by 2 - p, with the turned kernel from output to input channels;
    // gw comes from the forward tiling.
    tiling data = make_tiling(s->batch, s->out_channels, oh, ow, 2 - s->padding[0], 2 - s->padding[1],
                              s->in_channels, h, wd);
    tiling weights = make_tiling(s->batch, s->in_channels, h, wd, s->padding[0], s->padding[1], s->out_channels,
                                 oh, ow);
    size_t cells = (size_t)(CELLS * s->out_channels * s->in_channels);
    size_t work = block_floats(&data) > block_floats(&weights) ? block_floats(&data) : block_floats(&weights);
    float *space = (gx || gw) ? workspace_of(cells + work) : NULL;
    if ((gx || gw) && !space) return LEMMA_WINOGRAD_OUT_OF_MEMORY;
    if (gx) {
        const float *u = transformed_weights(w, s->out_channels, s->in_channels, space);
        int status = convolve(&data, gy, u, 1, NULL, gx, space + cells);
        if (status) return status;
    }
    return gw ? weight_gradient(&weights, x, gy, gw, space, space + cells) : 0;
}
