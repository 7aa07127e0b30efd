// Convolution on oneDNN's primitives. Each shape gets three steps (forward, backward data, backward
// weights), built on first use and kept in a cache of the most recently used shapes, so a training loop
// pays for oneDNN's JIT once (and inputs of many sizes cannot grow it without bound).
//
// Lemma's buffers are plain NC[H]W and [O, I, k...]. oneDNN's direct kernels want blocked layouts
// (nChw16c and friends), so a step is created with "any" layouts and each buffer whose preferred layout
// differs is reordered into (inputs) or out of (outputs) a per-thread arena. The arena also holds oneDNN's
// scratchpad, passed explicitly (scratchpad mode "user"): that is what lets threads share cached
// primitives. Streams are per thread too. The arena keeps its largest size (the biggest step's
// blocked copies) for the thread's lifetime.
//
// 3×3 stride-1 shapes with enough channels run Lemma's Winograd kernels instead (winograd.c); see
// lemma_conv_algorithm in lemma_convolution.h.
//
// LEMMA_CONV_LAYOUT=plain makes oneDNN use Lemma's layouts as they are (then it picks its im2col + GEMM
// kernels); measured slower on both bench/ workloads, kept for comparison.
#include <dnnl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "lemma_convolution.h"
#include "winograd.h"

extern int omp_get_max_threads(void);

enum { STEP_FORWARD = 0, STEP_BACKWARD_DATA = 1, STEP_BACKWARD_WEIGHTS = 2, MAX_ARGS = 4 };

// One buffer of a step: its plain layout, the layout the primitive asked for, and the reorder between the
// two (user -> inner for inputs, inner -> user for outputs; NULL when they are the same).
typedef struct {
    int arg, output;
    dnnl_memory_desc_t user, inner;
    dnnl_primitive_t reorder;
} step_arg;

typedef struct {
    dnnl_primitive_desc_t pd;
    dnnl_primitive_t primitive;
    int nargs;
    step_arg args[MAX_ARGS];
    size_t scratch_bytes;  // the largest scratchpad of the primitive and its reorders
    size_t arena_bytes;    // scratchpad + reordered copies
    const char *impl;
    int status;            // 0 once built, else the oneDNN status that stopped it
} conv_step;

typedef struct conv_entry {
    lemma_conv_shape shape;
    // oneDNN fixes a primitive's thread count when it builds it: a convolution built for the whole pool and run
    // from a single-threaded lane (ConcurrentLanes) would start a team per lane, so the count is part of the key.
    int threads;
    conv_step steps[3];
    int built[3];
    int users;  // calls running it now; only an unused entry may be evicted
    struct conv_entry *prev, *next;
} conv_entry;

static dnnl_engine_t engine;
static dnnl_primitive_attr_t user_scratchpad;
static pthread_key_t thread_key;
static int plain_layouts;  // LEMMA_CONV_LAYOUT=plain: let oneDNN see only Lemma's own layouts
static int process_algorithm;  // LEMMA_CONV_ALGORITHM
static const char *unknown_algorithm;  // its text when it names none of auto, direct, winograd
static pthread_once_t init_once = PTHREAD_ONCE_INIT;
// Most recently used first. Everything below is guarded by cache_lock.
static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;
static conv_entry *cache_head, *cache_tail;
static int64_t cache_count, cache_capacity = 256;

typedef struct {
    dnnl_stream_t stream;
    char *arena;
    size_t arena_bytes;
} thread_state;

static void free_thread_state(void *p) {
    thread_state *t = p;
    if (t->stream) dnnl_stream_destroy(t->stream);
    free(t->arena);
    free(t);
}

static void init(void) {
    dnnl_engine_create(&engine, dnnl_cpu, 0);
    dnnl_primitive_attr_create(&user_scratchpad);
    dnnl_primitive_attr_set_scratchpad_mode(user_scratchpad, dnnl_scratchpad_mode_user);
    pthread_key_create(&thread_key, free_thread_state);
    const char *layout = getenv("LEMMA_CONV_LAYOUT");
    plain_layouts = layout && strcmp(layout, "plain") == 0;
    const char *algorithm = getenv("LEMMA_CONV_ALGORITHM");
    process_algorithm = !algorithm ? LEMMA_CONV_AUTO
                        : strcmp(algorithm, "direct") == 0 ? LEMMA_CONV_DIRECT
                        : strcmp(algorithm, "winograd") == 0 ? LEMMA_CONV_WINOGRAD : LEMMA_CONV_AUTO;
    if (algorithm && process_algorithm == LEMMA_CONV_AUTO && strcmp(algorithm, "auto") != 0) unknown_algorithm = algorithm;
}

int lemma_conv_process_algorithm(void) {
    pthread_once(&init_once, init);
    return process_algorithm;
}

const char *lemma_conv_unknown_algorithm_setting(void) {
    pthread_once(&init_once, init);
    return unknown_algorithm;
}

int lemma_conv_chosen_algorithm(const lemma_conv_shape *shape) {
    pthread_once(&init_once, init);
    int64_t asked = shape->algorithm ? shape->algorithm : process_algorithm;
    if (asked == LEMMA_CONV_DIRECT || !lemma_winograd_applies(shape)) return LEMMA_CONV_DIRECT;
    if (asked == LEMMA_CONV_WINOGRAD) return LEMMA_CONV_WINOGRAD;
    // Below 16 channels the 16 GEMMs are too thin to pay for the transforms (im2markup's first layer has 1).
    return shape->in_channels >= 16 && shape->out_channels >= 16 ? LEMMA_CONV_WINOGRAD : LEMMA_CONV_DIRECT;
}

static size_t round_up(size_t n) { return (n + 4095) & ~(size_t)4095; }

// The calling thread's stream and an arena of at least `bytes`, or NULL when memory runs out.
static thread_state *thread_state_with(size_t bytes) {
    thread_state *t = pthread_getspecific(thread_key);
    if (!t) {
        t = calloc(1, sizeof *t);
        if (!t) return NULL;
        if (dnnl_stream_create(&t->stream, engine, dnnl_stream_default_flags) != dnnl_success) {
            free(t);
            return NULL;
        }
        pthread_setspecific(thread_key, t);
    }
    if (t->arena_bytes < bytes) {
        free(t->arena);
        t->arena = aligned_alloc(4096, round_up(bytes));
        t->arena_bytes = t->arena ? round_up(bytes) : 0;
        if (!t->arena) return NULL;
    }
    return t;
}

// ---- building ----

static void plain_md(dnnl_memory_desc_t *md, int ndims, const dnnl_dim_t *dims, int any) {
    static const dnnl_format_tag_t plain[] = {dnnl_format_tag_undef, dnnl_a, dnnl_ab, dnnl_abc, dnnl_abcd,
                                              dnnl_abcde};
    dnnl_memory_desc_init_by_tag(md, ndims, dims, dnnl_f32, any ? dnnl_format_tag_any : plain[ndims]);
}

typedef struct {
    dnnl_memory_desc_t src, weights, bias, dst;      // plain
    dnnl_memory_desc_t src_any, weights_any, dst_any;
    dnnl_dims_t strides, dilates, pad_l, pad_r;
} conv_descs;

static void make_descs(const lemma_conv_shape *s, conv_descs *d) {
    int sp = (int)s->spatial;
    dnnl_dims_t src = {s->batch, s->in_channels}, dst = {s->batch, s->out_channels}, w;
    int wn = 0;
    if (s->groups > 1) w[wn++] = s->groups;
    w[wn++] = s->out_channels / s->groups;
    w[wn++] = s->in_channels / s->groups;
    for (int i = 0; i < sp; i++) {
        src[2 + i] = s->in_size[i];
        dst[2 + i] = s->out_size[i];
        w[wn++] = s->kernel[i];
        d->strides[i] = s->stride[i];
        d->dilates[i] = s->dilation[i] - 1;  // oneDNN counts the cells skipped
        d->pad_l[i] = d->pad_r[i] = s->padding[i];
    }
    dnnl_dim_t bias = s->out_channels;
    plain_md(&d->src, 2 + sp, src, 0);
    plain_md(&d->dst, 2 + sp, dst, 0);
    plain_md(&d->weights, wn, w, 0);
    plain_md(&d->bias, 1, &bias, 0);
    plain_md(&d->src_any, 2 + sp, src, !plain_layouts);
    plain_md(&d->dst_any, 2 + sp, dst, !plain_layouts);
    plain_md(&d->weights_any, wn, w, !plain_layouts);
}

static int add_arg(conv_step *st, int arg, int output, const dnnl_memory_desc_t *user, dnnl_query_t what,
                   int index) {
    step_arg *a = &st->args[st->nargs++];
    a->arg = arg;
    a->output = output;
    a->user = *user;
    a->inner = *dnnl_primitive_desc_query_md(st->pd, what, index);
    a->reorder = NULL;
    if (dnnl_memory_desc_equal(&a->user, &a->inner)) return 0;
    st->arena_bytes += round_up(dnnl_memory_desc_get_size(&a->inner));
    dnnl_primitive_desc_t rpd;
    const dnnl_memory_desc_t *from = output ? &a->inner : &a->user, *to = output ? &a->user : &a->inner;
    int status = dnnl_reorder_primitive_desc_create(&rpd, from, engine, to, engine, user_scratchpad);
    if (status != dnnl_success) return status;
    const dnnl_memory_desc_t *scratch = dnnl_primitive_desc_query_md(rpd, dnnl_query_scratchpad_md, 0);
    size_t scratch_bytes = dnnl_memory_desc_get_size(scratch);
    if (scratch_bytes > st->scratch_bytes) st->scratch_bytes = scratch_bytes;
    status = dnnl_primitive_create(&a->reorder, rpd);
    dnnl_primitive_desc_destroy(rpd);
    return status;
}

static int finish_step(conv_step *st, dnnl_primitive_desc_t pd) {
    st->pd = pd;
    size_t scratch_bytes = dnnl_memory_desc_get_size(dnnl_primitive_desc_query_md(pd, dnnl_query_scratchpad_md, 0));
    if (scratch_bytes > st->scratch_bytes) st->scratch_bytes = scratch_bytes;
    const char *impl = NULL;
    dnnl_primitive_desc_query(pd, dnnl_query_impl_info_str, 0, &impl);
    st->impl = impl ? impl : "";
    return dnnl_primitive_create(&st->primitive, pd);
}

static int build_step(conv_entry *e, int which) {
    const lemma_conv_shape *s = &e->shape;
    conv_step *st = &e->steps[which];
    conv_descs d;
    make_descs(s, &d);
    if (which != STEP_FORWARD && !e->built[STEP_FORWARD]) build_step(e, STEP_FORWARD);
    if (which != STEP_FORWARD && e->steps[STEP_FORWARD].status) {
        st->status = e->steps[STEP_FORWARD].status;  // the backward steps need the forward one as a hint
        e->built[which] = 1;
        return st->status;
    }
    dnnl_convolution_desc_t desc;
    dnnl_primitive_desc_t pd = NULL;
    int status;
    switch (which) {
    case STEP_FORWARD:
        status = dnnl_dilated_convolution_forward_desc_init(
            &desc, dnnl_forward_training, dnnl_convolution_direct, &d.src_any, &d.weights_any,
            s->has_bias ? &d.bias : NULL, &d.dst_any, d.strides, d.dilates, d.pad_l, d.pad_r);
        if (!status) status = dnnl_primitive_desc_create(&pd, &desc, user_scratchpad, engine, NULL);
        if (!status) status = finish_step(st, pd);
        if (!status) status = add_arg(st, DNNL_ARG_SRC, 0, &d.src, dnnl_query_src_md, 0);
        if (!status) status = add_arg(st, DNNL_ARG_WEIGHTS, 0, &d.weights, dnnl_query_weights_md, 0);
        if (!status && s->has_bias) status = add_arg(st, DNNL_ARG_BIAS, 0, &d.bias, dnnl_query_weights_md, 1);
        if (!status) status = add_arg(st, DNNL_ARG_DST, 1, &d.dst, dnnl_query_dst_md, 0);
        break;
    case STEP_BACKWARD_DATA:
        status = dnnl_dilated_convolution_backward_data_desc_init(
            &desc, dnnl_convolution_direct, &d.src_any, &d.weights_any, &d.dst_any, d.strides, d.dilates,
            d.pad_l, d.pad_r);
        if (!status) status = dnnl_primitive_desc_create(&pd, &desc, user_scratchpad, engine,
                                                         e->steps[STEP_FORWARD].pd);
        if (!status) status = finish_step(st, pd);
        if (!status) status = add_arg(st, DNNL_ARG_DIFF_DST, 0, &d.dst, dnnl_query_diff_dst_md, 0);
        if (!status) status = add_arg(st, DNNL_ARG_WEIGHTS, 0, &d.weights, dnnl_query_weights_md, 0);
        if (!status) status = add_arg(st, DNNL_ARG_DIFF_SRC, 1, &d.src, dnnl_query_diff_src_md, 0);
        break;
    default:
        status = dnnl_dilated_convolution_backward_weights_desc_init(
            &desc, dnnl_convolution_direct, &d.src_any, &d.weights_any, s->has_bias ? &d.bias : NULL,
            &d.dst_any, d.strides, d.dilates, d.pad_l, d.pad_r);
        if (!status) status = dnnl_primitive_desc_create(&pd, &desc, user_scratchpad, engine,
                                                         e->steps[STEP_FORWARD].pd);
        if (!status) status = finish_step(st, pd);
        if (!status) status = add_arg(st, DNNL_ARG_SRC, 0, &d.src, dnnl_query_src_md, 0);
        if (!status) status = add_arg(st, DNNL_ARG_DIFF_DST, 0, &d.dst, dnnl_query_diff_dst_md, 0);
        if (!status) status = add_arg(st, DNNL_ARG_DIFF_WEIGHTS, 1, &d.weights, dnnl_query_diff_weights_md, 0);
        if (!status && s->has_bias)
            status = add_arg(st, DNNL_ARG_DIFF_BIAS, 1, &d.bias, dnnl_query_diff_weights_md, 1);
        break;
    }
    st->arena_bytes += round_up(st->scratch_bytes);
    st->status = status;
    e->built[which] = 1;
    return status;
}

static void destroy_entry(conv_entry *e) {
    for (int i = 0; i < 3; i++) {
        conv_step *st = &e->steps[i];
        for (int a = 0; a < st->nargs; a++)
            if (st->args[a].reorder) dnnl_primitive_destroy(st->args[a].reorder);
        if (st->primitive) dnnl_primitive_destroy(st->primitive);
        if (st->pd) dnnl_primitive_desc_destroy(st->pd);
    }
    free(e);
}

static void unlink_entry(conv_entry *e) {
    if (e->prev) e->prev->next = e->next; else cache_head = e->next;
    if (e->next) e->next->prev = e->prev; else cache_tail = e->prev;
    e->prev = e->next = NULL;
}

static void push_front(conv_entry *e) {
    e->next = cache_head;
    if (cache_head) cache_head->prev = e; else cache_tail = e;
    cache_head = e;
}

// Drops the least recently used entries that no call is running, down to the capacity.
static void evict(void) {
    conv_entry *e = cache_tail;
    while (e && cache_count > cache_capacity) {
        conv_entry *prev = e->prev;
        if (!e->users) {
            unlink_entry(e);
            destroy_entry(e);
            cache_count--;
        }
        e = prev;
    }
}

// The cache entry for a shape with the steps in `mask` (bit i for step i) built, marked in use (pass it to
// release_entry); NULL with *status set when oneDNN refuses the shape or memory runs out.
static conv_entry *acquire_entry(const lemma_conv_shape *shape, int mask, int *status) {
    pthread_once(&init_once, init);
    lemma_conv_shape key = *shape;
    key.algorithm = 0;  // oneDNN's steps do not depend on how the caller asked for them
    for (int i = (int)key.spatial; i < 2; i++) {
        key.in_size[i] = key.out_size[i] = key.kernel[i] = key.stride[i] = key.padding[i] = key.dilation[i] = 0;
    }
    int threads = omp_get_max_threads();
    pthread_mutex_lock(&cache_lock);
    conv_entry *e = cache_head;
    while (e && (e->threads != threads || memcmp(&e->shape, &key, sizeof key) != 0)) e = e->next;
    if (e) {
        unlink_entry(e);
    } else if ((e = calloc(1, sizeof *e))) {
        e->shape = key;
        e->threads = threads;
        cache_count++;
    } else {
        pthread_mutex_unlock(&cache_lock);
        *status = dnnl_out_of_memory;
        return NULL;
    }
    push_front(e);
    *status = 0;
    for (int which = 0; which < 3; which++) {
        if (!(mask & (1 << which))) continue;
        if (!e->built[which]) build_step(e, which);
        if (!*status) *status = e->steps[which].status;
    }
    if (!*status) e->users++;
    evict();
    pthread_mutex_unlock(&cache_lock);
    return *status ? NULL : e;
}

static void release_entry(conv_entry *e) {
    pthread_mutex_lock(&cache_lock);
    e->users--;
    evict();
    pthread_mutex_unlock(&cache_lock);
}

int64_t lemma_conv_cache_count(void) {
    pthread_mutex_lock(&cache_lock);
    int64_t count = cache_count;
    pthread_mutex_unlock(&cache_lock);
    return count;
}

void lemma_conv_set_cache_capacity(int64_t capacity) {
    pthread_mutex_lock(&cache_lock);
    cache_capacity = capacity > 1 ? capacity : 1;
    evict();
    pthread_mutex_unlock(&cache_lock);
}

// ---- running ----

// One call's state: the thread's stream and arena (handed out front to back), the memory objects to free
// at the end, and the inputs already reordered, which a later step of the same call reuses (the backward
// steps both read gy, and usually want it in the same blocked layout).
typedef struct {
    thread_state *t;
    char *cursor;
    dnnl_memory_t memories[3 * (1 + 2 * MAX_ARGS)];
    int nmemories;
    struct {
        const void *buffer;
        const dnnl_memory_desc_t *user, *inner;
        dnnl_memory_t memory;
    } reordered[2 * MAX_ARGS];
    int nreordered;
} run_ctx;

static void *take(run_ctx *c, size_t bytes) {
    void *p = c->cursor;
    c->cursor += round_up(bytes);
    return p;
}

static int new_memory(run_ctx *c, const dnnl_memory_desc_t *md, void *data, dnnl_memory_t *memory) {
    int status = dnnl_memory_create(memory, md, engine, data);
    if (!status) c->memories[c->nmemories++] = *memory;
    return status;
}

// Runs a step on the caller's buffers, given in the order of its args (NULL for an unwanted output).
static int run_step(run_ctx *c, const conv_step *st, void *const buffers[MAX_ARGS]) {
    dnnl_memory_t user[MAX_ARGS] = {0}, inner[MAX_ARGS] = {0}, scratch;
    dnnl_exec_arg_t exec[MAX_ARGS + 1];
    int status = new_memory(c, dnnl_primitive_desc_query_md(st->pd, dnnl_query_scratchpad_md, 0),
                            take(c, st->scratch_bytes), &scratch);
    for (int i = 0; i < st->nargs && !status; i++) {
        const step_arg *a = &st->args[i];
        void *buffer = buffers[i] ? buffers[i] : take(c, dnnl_memory_desc_get_size(&a->user));
        exec[i].arg = a->arg;
        if (!a->reorder) {
            status = new_memory(c, &a->user, buffer, &exec[i].memory);
            continue;
        }
        int reused = 0;
        for (int k = 0; k < c->nreordered && !a->output && !reused; k++) {
            if (c->reordered[k].buffer == buffer && dnnl_memory_desc_equal(c->reordered[k].user, &a->user) &&
                dnnl_memory_desc_equal(c->reordered[k].inner, &a->inner)) {
                exec[i].memory = c->reordered[k].memory;
                reused = 1;
            }
        }
        if (reused) continue;
        status = new_memory(c, &a->user, buffer, &user[i]);
        if (!status) status = new_memory(c, &a->inner, take(c, dnnl_memory_desc_get_size(&a->inner)), &inner[i]);
        exec[i].memory = inner[i];
        if (status || a->output) continue;
        dnnl_exec_arg_t r[3] = {{DNNL_ARG_FROM, user[i]}, {DNNL_ARG_TO, inner[i]}, {DNNL_ARG_SCRATCHPAD, scratch}};
        status = dnnl_primitive_execute(a->reorder, c->t->stream, 3, r);
        c->reordered[c->nreordered].buffer = buffer;
        c->reordered[c->nreordered].user = &a->user;
        c->reordered[c->nreordered].inner = &a->inner;
        c->reordered[c->nreordered++].memory = inner[i];
    }
    if (!status) {
        exec[st->nargs].arg = DNNL_ARG_SCRATCHPAD;
        exec[st->nargs].memory = scratch;
        status = dnnl_primitive_execute(st->primitive, c->t->stream, st->nargs + 1, exec);
    }
    for (int i = 0; i < st->nargs && !status; i++) {
        const step_arg *a = &st->args[i];
        if (!a->reorder || !a->output) continue;
        dnnl_exec_arg_t r[3] = {{DNNL_ARG_FROM, inner[i]}, {DNNL_ARG_TO, user[i]}, {DNNL_ARG_SCRATCHPAD, scratch}};
        status = dnnl_primitive_execute(a->reorder, c->t->stream, 3, r);
    }
    return status;
}

// Runs the steps in `mask` in order, buffers[i] holding step i's.
static int run(const lemma_conv_shape *shape, int mask, void *const buffers[3][MAX_ARGS]) {
    int status;
    conv_entry *e = acquire_entry(shape, mask, &status);
    if (!e) return status;
    size_t bytes = 0;
    for (int which = 0; which < 3; which++) {
        if (!(mask & (1 << which))) continue;
        const conv_step *st = &e->steps[which];
        bytes += st->arena_bytes;
        for (int i = 0; i < st->nargs; i++)  // room for outputs the caller does not want
            if (!buffers[which][i]) bytes += round_up(dnnl_memory_desc_get_size(&st->args[i].user));
    }
    run_ctx c = {0};
    c.t = thread_state_with(bytes);
    if (!c.t) status = dnnl_out_of_memory;
    else c.cursor = c.t->arena;
    for (int which = 0; which < 3 && !status; which++)
        if (mask & (1 << which)) status = run_step(&c, &e->steps[which], buffers[which]);
    if (!status) status = dnnl_stream_wait(c.t->stream);
    for (int i = 0; i < c.nmemories; i++) dnnl_memory_destroy(c.memories[i]);
    release_entry(e);
    return status;
}

static int winograd_status(int status) { return status == LEMMA_WINOGRAD_OUT_OF_MEMORY ? dnnl_out_of_memory : status; }

int lemma_conv_forward(const lemma_conv_shape *shape, const float *x, const float *w, const float *b, float *y) {
    if (lemma_conv_chosen_algorithm(shape) == LEMMA_CONV_WINOGRAD)
        return winograd_status(lemma_winograd_forward(shape, x, w, b, y));
    void *buffers[3][MAX_ARGS] = {{(void *)x, (void *)w}};
    int n = 2;
    if (shape->has_bias) buffers[STEP_FORWARD][n++] = (void *)b;
    buffers[STEP_FORWARD][n] = y;
    return run(shape, 1 << STEP_FORWARD, buffers);
}

int lemma_conv_backward(const lemma_conv_shape *shape, const float *x, const float *w, const float *gy, float *gx,
                        float *gw, float *gb) {
    if (lemma_conv_chosen_algorithm(shape) == LEMMA_CONV_WINOGRAD)
        return winograd_status(lemma_winograd_backward(shape, x, w, gy, gx, gw, gb));
    void *buffers[3][MAX_ARGS] = {{0}, {(void *)gy, (void *)w, gx}, {(void *)x, (void *)gy, gw, gb}};
    int mask = (gx ? 1 << STEP_BACKWARD_DATA : 0) | (gw || gb ? 1 << STEP_BACKWARD_WEIGHTS : 0);
    return mask ? run(shape, mask, buffers) : 0;
}

int lemma_conv_implementation(const lemma_conv_shape *shape, int step, char *name, int64_t capacity) {
    int status;
    if (step < 0 || step > 2) return dnnl_invalid_arguments;
    if (lemma_conv_chosen_algorithm(shape) == LEMMA_CONV_WINOGRAD) {
        snprintf(name, (size_t)capacity, "lemma:winograd_2x2_3x3");
        return 0;
    }
    conv_entry *e = acquire_entry(shape, 1 << step, &status);
    if (!e) return status;
    snprintf(name, (size_t)capacity, "%s", e->steps[step].impl);
    release_entry(e);
    return 0;
}
