/* Private declarations shared by the library's source files. */
#ifndef CLRELU_INTERNAL_H
#define CLRELU_INTERNAL_H

#include "clrelu.h"
#include "optable.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

/* ---- errors (status.c) ---- */

/* Records the calling thread's message and returns s. */
clrelu_status clrelu__fail(clrelu_status s, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/* Appends to the calling thread's message (for build logs, device lists). */
void clrelu__append(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;
/* The OpenCL error code's name, e.g. "CL_INVALID_VALUE". */
const char *clrelu__cl_name(cl_int err);
/* Maps an OpenCL error to a status, records "<what>: <name> (<code>)". */
clrelu_status clrelu__cl_fail(cl_int err, const char *what);

/* ---- kernels (program.c) ---- */

/* Kernel ids, from the op table: the elementwise ops, then a rows and a
 * planes kernel per bias activation, per slope op, the reductions, and the
 * training kernels (a rows and a planes kernel per bias activation with a
 * mask). */
#define K_ELTWISE_ID(C, ID, ...) K_##ID,
#define K_BIAS_IDS(C, ID, ...) K_BIAS_##ID##_ROWS, K_BIAS_##ID##_PLANES,
#define K_SLOPE_IDS(C, ID, ...) K_##ID##_ROWS, K_##ID##_PLANES,
#define K_REDUCE_ID(C, ID, ...) K_##ID,
#define K_MASK_IDS(C, ID, ...) K_MASK_##ID##_ROWS, K_MASK_##ID##_PLANES,
#define K_BACKWARD_IDS(C, ID, ...) K_##ID##_BLOCKS, K_##ID##_COLUMNS,
enum clrelu_kernel_id {
  CLRELU_ELTWISE_OPS(K_ELTWISE_ID, 0) CLRELU_BIAS_ACTS(K_BIAS_IDS, 0)
      CLRELU_SLOPE_OPS(K_SLOPE_IDS, 0) CLRELU_REDUCTIONS(K_REDUCE_ID, 0)
          K_TRAIN_FIRST,
  K_TRAIN_BEFORE_ = K_TRAIN_FIRST - 1,
  CLRELU_BIAS_ACTS(K_MASK_IDS, 0) CLRELU_TRAIN_BACKWARDS(K_BACKWARD_IDS, 0)
      K_COUNT
};
#undef K_REDUCE_ID
#undef K_ELTWISE_ID
#undef K_BIAS_IDS
#undef K_SLOPE_IDS
#undef K_MASK_IDS
#undef K_BACKWARD_IDS
/* The elementwise ops are the first ids. */
#define K_ONE(...) +1
enum { K_ELTWISE_COUNT = 0 CLRELU_ELTWISE_OPS(K_ONE, 0) };
#undef K_ONE

#define CLRELU_DTYPES 3 /* F32, F16, BF16: the values of clrelu_dtype */

/* Kernel families, each one program per dtype, built when first used (the
 * elementwise float32 one with the context): the elementwise ops, the bias
 * activations, the slope ops with the reductions. The kernel sources stamp
 * only the family and dtype they are built for (CLRELU_FAMILY,
 * CLRELU_DTYPE). */
enum {
  CLRELU_FAMILY_ELTWISE,
  CLRELU_FAMILY_BIAS,
  CLRELU_FAMILY_SLOPE,
  CLRELU_FAMILY_TRAIN,
  CLRELU_FAMILIES
};
#define K_TWO(...) +2
enum { K_BIAS_COUNT = 0 CLRELU_BIAS_ACTS(K_TWO, 0) };
#undef K_TWO
static inline int clrelu__kernel_family(enum clrelu_kernel_id id) {
  return (int)id < K_ELTWISE_COUNT                  ? CLRELU_FAMILY_ELTWISE
         : (int)id < K_ELTWISE_COUNT + K_BIAS_COUNT ? CLRELU_FAMILY_BIAS
         : id < K_TRAIN_FIRST                       ? CLRELU_FAMILY_SLOPE
                                                    : CLRELU_FAMILY_TRAIN;
}

/* Launch shape, prepended to the kernel source as #defines. */
typedef struct clrelu_tuning {
  int vec;    /* floats per vector: 2, 4, 8 or 16 */
  int items;  /* vectors per work-item */
  int local;  /* work-group size */
  int nt;     /* streaming (non-temporal) stores where aligned */
  int contig; /* 1: a work-item's vectors are adjacent (CPUs);
                 0: strided by the global size (GPUs, coalesced) */
} clrelu_tuning;

/* ---- settings (settings.c: the one reader of the environment) ---- */

enum clrelu_host_path {
  CLRELU_PATH_AUTO, /* zero-copy on unified memory, else chunked */
  CLRELU_PATH_ZERO_COPY,
  CLRELU_PATH_CHUNKED,
  CLRELU_PATH_BAD /* a bad $CLRELU_HOST_PATH: the host ops refuse it */
};

/* A context's settings, fixed when it is made. */
typedef struct clrelu_settings {
  enum clrelu_host_path host_path;
  char *bad_host_path; /* CLRELU_PATH_BAD: the value (malloc'd), else NULL */
  size_t host_chunk;   /* elements */
  int binary_cache;    /* 1 on, -1 off, 0: as the implementation suits */
  char cache_dir[400]; /* "" when there is none */
} clrelu_settings;

/* What a context is made with: its settings, and the device and launch
 * shape asked for, with where they came from (for messages). device and
 * tuning point into the options or the environment and serve only while
 * the context is made. */
typedef struct clrelu_request {
  const char *device;      /* NULL: the default device */
  const char *device_from; /* NULL: the caller's argument */
  const char *tuning;      /* NULL: the tuning cache, else the table */
  const char *tuning_from;
  clrelu_settings settings;
} clrelu_request;

/* Fills req from opts (may be NULL), else the environment, else the
 * defaults. Returns SUCCESS, INVALID_ARGUMENT (a bad host_path or
 * host_chunk in opts; the message starts with fn) or OUT_OF_MEMORY. On
 * success req->settings owns memory: see clrelu__settings_free. */
clrelu_status clrelu__settings_read(const clrelu_options *opts, const char *fn,
                                    clrelu_request *req);
void clrelu__settings_free(clrelu_settings *s);
/* Records "<fn>: <name>="<value>" is not valid: ..." for a host path. */
clrelu_status clrelu__bad_host_path(const char *fn, const char *name,
                                    const char *value);

/* $CLRELU_CPU, read once: the widest instruction set the CPU ops may use. */
enum clrelu_cpu_cap { CLRELU_CAP_NONE, CLRELU_CAP_AVX2, CLRELU_CAP_SSE2 };
enum clrelu_cpu_cap clrelu__cpu_cap(void);

/* ---- contexts ---- */

/* State a layer above the context (host.c, dense.c) keeps in it: made by
 * that layer on first use, under the context's lock, and freed by the
 * layer's own release function when the context goes, so that the context
 * knows nothing of what it holds. */
enum clrelu_layer { CLRELU_LAYER_HOST, CLRELU_LAYER_DENSE, CLRELU_LAYERS };
typedef struct clrelu_layer_state {
  void *state;
  void (*release)(clrelu_context *ctx, void *state);
} clrelu_layer_state;

struct clrelu_context {
  atomic_int refs; /* the handle itself plus one per live buffer */
  cl_platform_id platform;
  cl_device_id device;
  cl_context context;
  cl_command_queue queue;
  int out_of_order; /* the queue runs commands out of order */
  cl_program programs[CLRELU_FAMILIES][CLRELU_DTYPES];
  atomic_int built[CLRELU_FAMILIES][CLRELU_DTYPES]; /* programs[][] ready */
  pthread_mutex_t build_lock;                /* held while building one */
  cl_kernel kernels[K_COUNT][CLRELU_DTYPES]; /* by op and dtype */
  pthread_mutex_t lock; /* held from clSetKernelArg to the enqueue */
  cl_event last;        /* out-of-order queues: clrelu's last command */
  cl_ulong max_alloc;
  cl_uint mem_align_bits; /* CL_DEVICE_MEM_BASE_ADDR_ALIGN */
  size_t max_wg;          /* smallest CL_KERNEL_WORK_GROUP_SIZE */
  clrelu_tuning tuning;
  char tuning_text[160];
  char tuning_source[96]; /* where the shape came from */
  char tuning_cache[512]; /* the device's tuning cache file, or "" */
  char device_name[256];
  double build_ms;      /* of the program built with the context */
  int built_from_cache; /* that program came from clrelu's binary cache */
  clrelu_layer_state layers[CLRELU_LAYERS]; /* by clrelu_layer */
  /* One float32 -0.0: the bias of bias ops called without one (x + -0.0 is
   * x). Its upper half, element 1 as 16-bit, is -0.0 in F16 and BF16. */
  cl_mem no_bias;
  clrelu_settings settings;
};

struct clrelu_buffer {
  clrelu_context *ctx;
  cl_mem mem;    /* retained; what kernels are given */
  size_t offset; /* in elements, into mem */
  size_t count;
  clrelu_dtype dtype;
  cl_mem root;      /* mem's parent when mem is a sub-buffer, else mem */
  size_t root_byte; /* byte offset of element 0 within root */
};

void clrelu__context_release(clrelu_context *ctx);
/* Enqueues +0.0 into the first count elements of float32 buffer b, after
 * ev's events. */
cl_int clrelu__fill_zeros(const clrelu_buffer *b, size_t count,
                          const clrelu_events *ev);
size_t clrelu__dtype_size(clrelu_dtype dtype); /* 0 for a mask */
/* Bytes of count elements (a mask's: its words), and the byte offset of
 * element i (a mask's bit i, a multiple of 32). */
size_t clrelu__bytes(clrelu_dtype dtype, size_t count);
size_t clrelu__byte_at(clrelu_dtype dtype, size_t i);

/* Builds the elementwise float32 program of ctx (the others wait for their
 * first use) with the context's tuning. */
clrelu_status clrelu__program_build(clrelu_context *ctx);
void clrelu__program_release(clrelu_context *ctx);
/* Builds the program that holds kernel id in dtype, unless it is built:
 * SUCCESS, BUILD_FAILED (with the log), UNSUPPORTED (its kernels take
 * smaller work-groups than the launch shape), OPENCL. Thread-safe. */
clrelu_status clrelu__program_ready(clrelu_context *ctx,
                                    enum clrelu_kernel_id id,
                                    clrelu_dtype dtype);
/* A kernel's name without its dtype suffix, e.g. "clrelu_relu", and the
 * suffix its dtype adds: "", "_f16" or "_bf16". */
const char *clrelu__kernel_name(enum clrelu_kernel_id id);
const char *clrelu__dtype_suffix(clrelu_dtype dtype);

/* Picks the launch shape for the device (tuning.c): the requested one
 * (tuning, from $CLRELU_TUNING or the options, as `from` says), else the
 * device's tuning cache file, else the table. */
clrelu_status clrelu__tuning_choose(clrelu_context *ctx, const char *tuning,
                                    const char *from);
/* Fits the chosen shape to the built kernels (work-group limits) and writes
 * ctx->tuning_text. */
void clrelu__tuning_fit(clrelu_context *ctx);

/* ---- the queue (queue.c) ---- */

/* Enqueues kernel id with the given arguments over `items` work-items
 * (padded to the work-group size), under the context's lock, after the
 * events of ev (NULL: none), handing the command's event to ev->done. */
typedef struct clrelu_arg {
  size_t size;
  const void *value;
} clrelu_arg;
clrelu_status clrelu__launch(clrelu_context *ctx, enum clrelu_kernel_id id,
                             clrelu_dtype dtype, const clrelu_arg *args,
                             cl_uint nargs, size_t items,
                             const clrelu_events *ev);
/* The same with a work-group size of its own (the tuned one is
 * ctx->tuning.local). */
clrelu_status clrelu__launch_local(clrelu_context *ctx,
                                   enum clrelu_kernel_id id, clrelu_dtype dtype,
                                   const clrelu_arg *args, cl_uint nargs,
                                   size_t items, size_t local,
                                   const clrelu_events *ev);

/* Runs fn under the context's lock with a wait list of ev's events plus, on
 * an out-of-order queue, clrelu's previous command; fn stores its command's
 * event in *out when out is not NULL. The event goes to ev->done when asked
 * for. Used by launches, markers, reads and writes alike. */
typedef cl_int (*clrelu_enqueue_fn)(clrelu_context *ctx, void *user,
                                    cl_uint nwait, const cl_event *wait,
                                    cl_event *out);
cl_int clrelu__enqueue(clrelu_context *ctx, clrelu_enqueue_fn fn, void *user,
                       const clrelu_events *ev);

/* Enqueues a marker after ev's events, for ops with nothing to do. */
/* A missing bias: one -0.0 of dtype, to launch with channels = inner = 1
 * (x + -0.0 is x). */
clrelu_buffer clrelu__no_bias(clrelu_context *ctx, clrelu_dtype dtype);
clrelu_status clrelu__marker(clrelu_context *ctx, const clrelu_events *ev);

/* ---- argument checks (check.c), in the documented order ---- */

/* The buffers of one call: inputs in[0 .. nin), the output last. */
typedef struct clrelu_call {
  const char *fn;
  clrelu_context *ctx;
  const clrelu_buffer *in[3];
  const char *in_names[3];
  int nin;
  const clrelu_buffer *out;
  const char *out_name;
} clrelu_call;

/* Clears ev->done, then checks 1-3: NULLs, the wait list and the parameter
 * (param: a CLRELU_PARAM_KIND_*, NONE for none), contexts, dtypes (every
 * input's is the output's). */
clrelu_status clrelu__check_call(const clrelu_call *c, int param, float alpha,
                                 const clrelu_events *ev);
/* INVALID_ARGUMENT unless value suits a parameter of kind (optable.h). */
clrelu_status clrelu__check_param(const char *fn, int kind, float value);
/* Checks 4-5 of an op on x, y ([outer][channels][inner]) and nch channel
 * arrays ch (NULL ones skipped) of channels elements: the shape's size
 * (*total), the counts, x and y in place or apart, no channel array inside
 * y. */
clrelu_status clrelu__check_channels(const char *fn, const clrelu_buffer *x,
                                     const clrelu_buffer *const *ch,
                                     const char *const *names, int nch,
                                     const clrelu_buffer *y, size_t outer,
                                     size_t channels, size_t inner,
                                     size_t *total);
/* INVALID_ARGUMENT for a NULL act, a kind outside clrelu_act_kind, or an
 * alpha the kind refuses. */
clrelu_status clrelu__check_act(const char *fn, const clrelu_act *act);

/* OUT_OF_RANGE when b holds fewer than need elements. */
clrelu_status clrelu__check_count(const char *fn, const clrelu_buffer *b,
                                  const char *name, size_t need);
/* INVALID_ARGUMENT when the first n elements of in and out share bytes
 * without being the same elements. */
clrelu_status clrelu__check_in_place(const char *fn, const clrelu_buffer *in,
                                     const char *in_name,
                                     const clrelu_buffer *out,
                                     const char *out_name, size_t n);
/* *total = outer * channels * inner; OUT_OF_RANGE when that many elements
 * of elem_size bytes overflow size_t. */
/* A summed gradient's checks (NULL passes): its context, then its dtype,
 * which is float32 whatever the data's. */
clrelu_status clrelu__check_gradient(const char *fn, const clrelu_context *ctx,
                                     const clrelu_buffer *g, const char *name);
clrelu_status clrelu__check_shape(const char *fn, size_t outer, size_t channels,
                                  size_t inner, size_t elem_size,
                                  size_t *total);
/* Whether the first na elements of a and nb of b share bytes; *same (when
 * not NULL) says they are exactly the same elements. */
int clrelu__overlaps(const clrelu_buffer *a, size_t na, const clrelu_buffer *b,
                     size_t nb, int *same);
/* Whether the byte ranges [a, a + abytes) and [b, b + bbytes) meet. */
int clrelu__ranges_overlap(uintptr_t a, size_t abytes, uintptr_t b,
                           size_t bbytes);

/* ---- ops (ops.c) ---- */

/* What the table says of elementwise op id (< K_ELTWISE_COUNT). */
typedef struct clrelu_op_info {
  const char *fn;  /* "clrelu_<name>" */
  int inputs;      /* 1: x; 2: dy, x */
  int param;       /* CLRELU_PARAM_KIND_*: what its alpha must be */
  const char *out; /* the output's name */
} clrelu_op_info;
extern const clrelu_op_info clrelu__op_info[K_ELTWISE_COUNT];

/* Elementwise op id on in[0 .. inputs) (x, or dy and x) into y, with every
 * check of the public entry point clrelu_<name>_ev. */
clrelu_status clrelu__eltwise(clrelu_context *ctx, enum clrelu_kernel_id id,
                              const clrelu_buffer *const *in, clrelu_buffer *y,
                              size_t n, float alpha, const clrelu_events *ev);

/* The bias_relu kernel over elements [0, total) of x into y, with none of
 * clrelu_bias_relu_ev's checks: bias holds all `channels` biases from
 * channel 0; element 0 of x and y sits at element `phase` of the channel
 * pattern, whose period is channels * inner (phase < channels * inner; 0
 * for a whole tensor). Element k adds bias[((phase + k) / inner) %
 * channels]. */
clrelu_status clrelu__bias_launch(clrelu_context *ctx, const clrelu_buffer *x,
                                  const clrelu_buffer *bias, clrelu_buffer *y,
                                  size_t total, size_t channels, size_t inner,
                                  size_t phase, const clrelu_act *act,
                                  const clrelu_events *ev);
/* A rows or planes kernel (ids: rows, planes) over x (and dy, unless NULL)
 * with one channel array b, or two (b, s), of the bias ops' layout, into
 * y. */
clrelu_status clrelu__channel_launch(
    clrelu_context *ctx, const enum clrelu_kernel_id ids[2],
    const clrelu_buffer *dy, const clrelu_buffer *x, const clrelu_buffer *b,
    const clrelu_buffer *s, clrelu_buffer *y, size_t total, size_t channels,
    size_t inner, size_t phase, float alpha, const clrelu_events *ev);
/* The activation clrelu_bias_relu and clrelu_dense mean by alpha. */
clrelu_act clrelu__act_of_alpha(float alpha);

/* ---- pinned host memory (pinned.c), for the host-array ops (host.c) ---- */

/* Finds the clrelu_host_alloc allocation holding [p, p + bytes) and retains
 * its mem; NULL when there is none. *offset: p's byte offset in it. */
cl_mem clrelu__pinned_find(clrelu_context *ctx, const void *p, size_t bytes,
                           size_t *offset);
/* The context's two in-order queues for transfers (writes, reads), made on
 * first use. */
cl_int clrelu__host_queues(clrelu_context *ctx, cl_command_queue q[2]);

/* Buffers for the chunked path: a chunk moves through slot k % SLOTS. */
#define CLRELU_SLOTS 3
typedef struct clrelu_staging {
  size_t chunk;                 /* elements per slot */
  cl_mem dev[CLRELU_SLOTS];     /* device memory, one chunk each */
  cl_mem pin[CLRELU_SLOTS];     /* pinned host memory, kept mapped */
  float *pin_ptr[CLRELU_SLOTS]; /* pin's mapping */
} clrelu_staging;
/* The cached set when its chunk fits, else a new one; and handing a set
 * back to be cached (the one cached before is freed). */
clrelu_status clrelu__staging_take(clrelu_context *ctx, size_t chunk,
                                   clrelu_staging **out);
void clrelu__staging_give(clrelu_context *ctx, clrelu_staging *s);

/* ---- the fixed-order sum on the device (device_sum.c) ---- */

/* Enqueues a sum's first level: channel c's nb block sums to
 * out[oo + c * nb + b]. */
typedef clrelu_status (*clrelu_first_level_fn)(clrelu_context *ctx, cl_mem out,
                                               cl_ulong oo, cl_ulong nb,
                                               void *user,
                                               const clrelu_events *ev);
/* dst[c], for c < channels, = the fixed-order sum of channel c's m terms,
 * whose first level first() enqueues; ev's wait list goes to the first
 * command, its done to the last. */
clrelu_status clrelu__device_sum(clrelu_context *ctx, const clrelu_buffer *dst,
                                 size_t channels, size_t m,
                                 clrelu_first_level_fn first, void *user,
                                 const clrelu_events *ev);

/* A backward sweep of kernels/train.cl (train.c): dx from dy and one
 * source (the mask; x and the bias, which may be NULL; or x and PReLU's
 * slopes, act NULL), and the first level of a fixed-order channel sum of
 * its terms (dx itself, or PReLU's dy * x where x <= 0). */
typedef struct clrelu_sweep {
  const clrelu_buffer *dy, *mask, *x, *bias, *slope;
  clrelu_buffer *dx;
  size_t outer, channels, inner;
  const clrelu_act *act;
} clrelu_sweep;
/* The sweep, on checked arguments, and the sum's further levels into sums
 * (NULL: dx alone). */
clrelu_status clrelu__sweep(clrelu_context *ctx, const clrelu_sweep *s,
                            const clrelu_buffer *sums, const clrelu_events *ev);

/* ---- the fixed-order sum (fixed_sum.c; kernels/reduce.cl) ---- */

#define CLRELU_SUM_BLOCK 256
/* Blocks of m terms: ceil(m / CLRELU_SUM_BLOCK). */
size_t clrelu__sum_blocks(size_t m);
/* Fills v[0 .. n) with the terms of elements e .. e + n - 1 of an
 * [outer][channels][inner] array, n <= CLRELU_SUM_BLOCK: a run within a
 * plane of channel c (inner > 1, or channels 1), or within a row, channels
 * c .. c + n - 1 (inner 1). Every element is in exactly one run. */
typedef void (*clrelu_run_fn)(const void *arg, size_t e, size_t n, size_t c,
                              float *v);
/* sums[c], for c < channels, = the fixed-order sum of channel c's terms
 * (+0.0 for none), on the CPU threads; OUT_OF_MEMORY (nothing set by the
 * library's error) without room for the block sums, before any run. */
clrelu_status clrelu__channel_sums(clrelu_run_fn run, const void *arg,
                                   size_t outer, size_t channels, size_t inner,
                                   float *sums);

/* The checks of clrelu_cpu_bias_act (dtype CLRELU_F32) and _16 (others):
 * dtype, act, shape (total: its elements; 0 when empty) and pointers. */
clrelu_status clrelu__check_cpu_bias_act(const char *fn, clrelu_dtype dtype,
                                         const void *x, const void *y,
                                         size_t outer, size_t channels,
                                         size_t inner, const clrelu_act *act,
                                         size_t *total);

/* ---- host side (half.c, threads.c) ---- */

/* Whether the CPU's F16C instructions are in use (not under
 * CLRELU_CPU=sse2). */
int clrelu__f16c(void);
float clrelu__f16_to_f32(uint16_t h);
uint16_t clrelu__f32_to_f16(float f);
float clrelu__bf16_to_f32(uint16_t h);
uint16_t clrelu__f32_to_bf16(float f);
/* Array conversions for a 16-bit dtype. */
void clrelu__to_f32(clrelu_dtype dtype, const uint16_t *src, float *dst,
                    size_t n);
void clrelu__from_f32(clrelu_dtype dtype, const float *src, uint16_t *dst,
                      size_t n);

/* Runs fn(arg, k, n) for k = 0 .. n-1 at once: k = 0 on the calling thread,
 * the others on the library's worker threads (started on first use, one per
 * core less one). When the workers are busy with another caller's job, or
 * could not be started, the calling thread runs every piece itself. */
typedef void (*clrelu_piece_fn)(void *arg, int k, int n);
void clrelu__parallel(clrelu_piece_fn fn, void *arg, int n);
/* Piece k of n of [0, total): [*p0, *p1), split at multiples of 16
 * elements (the last piece takes the rest; a piece may be empty). */
void clrelu__piece_range(size_t total, int k, int n, size_t *p0, size_t *p1);
/* The cores available, at least 1. */
int clrelu__cores(void);
/* Four float32 lanes for the CPU twins' portable loops (SSE2, NEON or
 * scalar code from the compiler): CLRELU_SEL picks t's lanes where m is
 * all ones and f's elsewhere, on the bits (no branch per element, and
 * NaN, -0.0 and infinities kept exactly). */
typedef float clrelu_v4 __attribute__((vector_size(16)));
typedef int32_t clrelu_v4i __attribute__((vector_size(16)));
#define CLRELU_SEL(m, t, f)                                                    \
  ((clrelu_v4)(((clrelu_v4i)(t) & (m)) | ((clrelu_v4i)(f) & ~(m))))
/* Large outputs bypass the caches (their lines would only be read for
 * ownership and then evicted), as the other CPU ops' do from this size. */
#define CLRELU_STREAM_MIN ((size_t)1 << 20)
/* ... and only in runs this long: a short run (a small plane) leaves lines
 * partly written, which streaming stores make read-modify-writes of
 * memory. */
#define CLRELU_STREAM_RUN 64
/* v to p, past the caches when nt is set and p is 16-byte aligned (a
 * streaming store must be); clrelu__store_fence() then orders such stores
 * before whatever tells another thread they are done. */
static inline void clrelu__store4(clrelu_v4 v, float *p, int nt) {
#ifdef __SSE2__
  if (nt && ((uintptr_t)p & 15) == 0) {
    _mm_stream_ps(p, (__m128)v);
    return;
  }
#else
  (void)nt;
#endif
  memcpy(p, &v, sizeof v);
}
static inline void clrelu__store_fence(void) {
#ifdef __SSE2__
  _mm_sfence();
#endif
}

/* out[k] = values[channel of element p + k], k < n, in an
 * [outer][channels][inner] array (layout.c). */
void clrelu__channel_values(const float *values, size_t channels, size_t inner,
                            size_t p, size_t n, float *out);
/* Threads for a CPU op over n elements: 1 below a size where waking the
 * workers costs more than it saves, else clrelu_cpu_set_threads' setting
 * (the cores by default). */
int clrelu__cpu_threads(size_t n);

/* ---- the on-disk cache (cache.c) ---- */

/* FNV-1a over data, from h (CLRELU_HASH_SEED to start). */
#define CLRELU_HASH_SEED 0xcbf29ce484222325ull /* FNV-1a's offset basis */
uint64_t clrelu__hash(const void *data, size_t size, uint64_t h);
/* What a cached file belongs to: device, vendor, driver, device version and
 * clrelu version, as one line. */
void clrelu__device_key(const clrelu_context *ctx, char *key, size_t size);
/* <the context's cache directory>/<kind>-<key in hex><ext>, or "" when it
 * has none. */
void clrelu__cache_path(const clrelu_context *ctx, const char *kind,
                        uint64_t key, const char *ext, char *path, size_t size);
/* Creates the context's cache directory; 0 when it has none. */
int clrelu__cache_mkdirs(const clrelu_context *ctx);
/* Writes head then body to path through a temporary file and a rename. */
int clrelu__cache_write(const char *path, const void *head, size_t head_size,
                        const void *body, size_t body_size);
/* A built program from the binary cache, or NULL; and storing one. */
cl_program clrelu__binary_load(clrelu_context *ctx, const char *defines,
                               const char *options);
void clrelu__binary_store(clrelu_context *ctx, cl_program p,
                          const char *defines, const char *options);

/* Embedded kernel source (generated at build time from kernels/ *.cl):
 * kernels/act.cl, the public part, and the rest. The library's programs are
 * clrelu_act_source() followed by clrelu_kernel_source. */
extern const char clrelu__act_cl[];
extern const size_t clrelu__act_cl_size;
extern const char clrelu_kernel_source[];
extern const size_t clrelu_kernel_source_size;
size_t clrelu__act_source_size(void);

#endif
