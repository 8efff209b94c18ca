/*
 * clrelu: the ReLU family of activations on OpenCL devices, with CPU
 * implementations that give the same results bit for bit.
 *
 * Conventions shared by every entry point
 * ---------------------------------------
 * - Functions that can fail return a clrelu_status; CLRELU_SUCCESS is 0.
 *   On failure nothing was enqueued, no buffer changed, nothing leaked, the
 *   context stays usable, and clrelu_last_error() says what went wrong.
 * - Handles are opaque, made by a *_create function and released by the
 *   matching *_destroy function; *_destroy accepts NULL.
 * - Arguments are checked in this order, so every bad call has one answer:
 *   NULL pointers and bad values (CLRELU_ERROR_INVALID_ARGUMENT), contexts
 *   (CLRELU_ERROR_CONTEXT_MISMATCH), dtypes (CLRELU_ERROR_DTYPE_MISMATCH),
 *   sizes and overlaps (CLRELU_ERROR_OUT_OF_RANGE, INVALID_ARGUMENT), then
 *   what the device supports (CLRELU_ERROR_UNSUPPORTED). A call whose element
 *   count is 0 succeeds after the first three checks and does nothing.
 * - Threads: every function may be called from several threads at once, on
 *   one shared context or on several. Ordering work between threads is the
 *   caller's business (clrelu_finish, or the caller's own events).
 *
 * Semantics (float32; device and CPU alike; NaN means any NaN)
 *   relu                 x > 0 ? x : +0.0        NaN -> NaN
 *   relu_derivative      x > 0 ? 1 : 0           NaN -> NaN
 *   relu_backward        x > 0 ? dy : +0.0       x NaN -> NaN
 *   leaky_relu           x > 0 ? x : alpha*x     NaN -> NaN
 *   leaky_relu_backward  x > 0 ? dy : alpha*dy   x NaN -> NaN
 *   clipped_relu         x > 0 ? min(x, cap) : +0.0   NaN -> NaN
 *                        (cap > 0, +inf allowed; ReLU6 is cap 6)
 *   clipped_relu_backward  x > 0 && x < cap ? dy : +0.0   x NaN -> NaN
 *   thresholded_relu     x > theta ? x : +0.0    NaN -> NaN (theta finite)
 *   thresholded_relu_backward  x > theta ? dy : +0.0   x NaN -> NaN
 *   bias_relu            act(x + bias[c]), the sum rounded to float once;
 *                        act is relu when alpha == 0, else leaky_relu.
 *   bias_act             a(x + bias[c]) for any clrelu_act (bias may be
 *                        NULL: a(x))
 * Results are bit-identical to a scalar float32 reference, the sign of zero
 * included. On a device without denormal support (CL_FP_DENORM) a denormal
 * result may be flushed to a zero of the same sign.
 */
#ifndef CLRELU_H
#define CLRELU_H

#ifndef CL_TARGET_OPENCL_VERSION
#define CL_TARGET_OPENCL_VERSION 120
#endif
#ifdef __APPLE__
#include <OpenCL/cl.h>
#else
#include <CL/cl.h>
#endif

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define CLRELU_VERSION_MAJOR 0
#define CLRELU_VERSION_MINOR 1
#define CLRELU_VERSION_PATCH 0
#define CLRELU_VERSION_NUMBER                                                  \
  (CLRELU_VERSION_MAJOR * 10000 + CLRELU_VERSION_MINOR * 100 +                 \
   CLRELU_VERSION_PATCH)

#if defined(CLRELU_STATIC_DEFINE)
#define CLRELU_API
#elif defined(_WIN32)
#ifdef CLRELU_BUILDING
#define CLRELU_API __declspec(dllexport)
#else
#define CLRELU_API __declspec(dllimport)
#endif
#elif defined(__GNUC__)
#define CLRELU_API __attribute__((visibility("default")))
#else
#define CLRELU_API
#endif

/* ---- Status codes and messages ------------------------------------------ */

typedef enum clrelu_status {
  CLRELU_SUCCESS = 0,
  CLRELU_ERROR_INVALID_ARGUMENT, /* NULL handle or pointer, bad value      */
  CLRELU_ERROR_OUT_OF_RANGE,     /* a count or offset exceeds a buffer     */
  CLRELU_ERROR_CONTEXT_MISMATCH, /* a buffer belongs to another context    */
  CLRELU_ERROR_DTYPE_MISMATCH,   /* buffers of one call differ in dtype    */
  CLRELU_ERROR_NO_DEVICE,        /* no OpenCL platform or matching device  */
  CLRELU_ERROR_BUILD_FAILED,     /* kernels did not build; log in message  */
  CLRELU_ERROR_OUT_OF_MEMORY,    /* host or device allocation failed       */
  CLRELU_ERROR_UNSUPPORTED,      /* the device cannot do what was asked    */
  CLRELU_ERROR_OPENCL            /* any other OpenCL error                 */
} clrelu_status;

/* Element types. 16-bit buffers hold bit patterns (uint16_t on the host):
 * CLRELU_F16 is IEEE binary16, CLRELU_BF16 bfloat16 (the upper half of a
 * float32). Ops on 16-bit data compute in float32 (alpha and bias too) and
 * round the result once to nearest even; NaN stays NaN. Every device does
 * them (no cl_khr_fp16 needed). */
typedef enum clrelu_dtype {
  CLRELU_F32,
  CLRELU_F16,
  CLRELU_BF16,
  /* A mask of count bits, for the training passes (clrelu_bias_act_mask):
   * ceil(count / 32) 32-bit words, bit i is bit i % 32 of word i / 32. Its
   * offsets and counts are in bits; views start at a multiple of 32, and
   * reads and writes move uint32_t words (offset a multiple of 32, count a
   * multiple of 32 or reaching the end; otherwise INVALID_ARGUMENT, checked
   * before the sizes). A mask given where data is expected, or data where
   * a mask is, is CLRELU_ERROR_DTYPE_MISMATCH. */
  CLRELU_MASK
} clrelu_dtype;

typedef struct clrelu_context clrelu_context;
typedef struct clrelu_buffer clrelu_buffer;

/* An activation, for the fused ops (clrelu_bias_act, clrelu_dense_act and
 * their host and CPU forms). NaN in gives NaN out for every kind. */
typedef enum clrelu_act_kind {
  CLRELU_ACT_IDENTITY,        /* a(t) = t                                  */
  CLRELU_ACT_RELU,            /* t > 0 ? t : +0.0                          */
  CLRELU_ACT_LEAKY_RELU,      /* t > 0 ? t : alpha * t     (alpha finite)  */
  CLRELU_ACT_CLIPPED_RELU,    /* t > 0 ? (t < alpha ? t : alpha) : +0.0
                                 (alpha = cap, > 0, may be +inf; ReLU6: 6) */
  CLRELU_ACT_THRESHOLDED_RELU /* t > alpha ? t : +0.0 (alpha = theta,
                                 finite)                                   */
} clrelu_act_kind;

/* A NULL descriptor, a kind outside the enum, or an alpha the kind refuses
 * is CLRELU_ERROR_INVALID_ARGUMENT. alpha and beta follow oneDNN's eltwise
 * convention, so kinds with two parameters can come without a new struct. */
typedef struct clrelu_act {
  clrelu_act_kind kind;
  float alpha; /* the kind's parameter; ignored by IDENTITY and RELU */
  float beta;  /* for kinds to come; ignored by every kind above: set 0 */
} clrelu_act;

/* The library's version: CLRELU_VERSION_NUMBER of the built library. */
CLRELU_API unsigned clrelu_version(void);

/* A short English description of s; never NULL ("unknown status" for values
 * outside the enum). */
CLRELU_API const char *clrelu_status_string(clrelu_status s);

/* The calling thread's message for its last failed call: what was wrong,
 * the OpenCL error code and its name, or the kernel build log. "" when this
 * thread has had no failure. Successful calls leave it as it was. The
 * pointer stays valid until this thread's next clrelu call. */
CLRELU_API const char *clrelu_last_error(void);

/* ---- Contexts ------------------------------------------------------------ */

/* A one-line fix when this machine has an OpenCL driver installed but not
 * registered with the ICD loader (NVIDIA's libnvidia-opencl.so.1 without
 * /etc/OpenCL/vendors/nvidia.icd, common in containers); "" otherwise. */
CLRELU_API const char *clrelu_driver_hint(void);

/* Creates a context on one device: an OpenCL context, an in-order queue and
 * the built kernels. The settings that clrelu reads from the environment
 * ($CLRELU_DEVICE, $CLRELU_TUNING, $CLRELU_HOST_PATH, $CLRELU_HOST_CHUNK,
 * $CLRELU_CACHE_DIR, $CLRELU_BINARY_CACHE) are read here, once: changing
 * them later does not affect the context (clrelu_options passes them
 * explicitly).
 *   device  NULL or "": $CLRELU_DEVICE when set and not empty, else the
 *           first GPU of any platform, else the first device.
 *           "gpu" / "cpu": the first device of that type.
 *           "P:D": device D of platform P (indices from 0).
 *           Anything else: the first device whose name contains it, ignoring
 *           case.
 *   out     receives the context; set to NULL on failure.
 * Returns CLRELU_SUCCESS, INVALID_ARGUMENT (out is NULL), NO_DEVICE (no
 * platform, or nothing matches: the message lists the devices there are),
 * BUILD_FAILED (the message holds the build log), OUT_OF_MEMORY, OPENCL. */
CLRELU_API clrelu_status clrelu_context_create(const char *device,
                                               clrelu_context **out);

/* Creates a context on the caller's queue, its device and OpenCL context.
 * Retains the queue (released by clrelu_context_destroy); in-order and
 * out-of-order queues both work (clrelu orders its own commands).
 * Returns as clrelu_context_create, and INVALID_ARGUMENT for a NULL or
 * invalid queue. */
CLRELU_API clrelu_status
clrelu_context_create_from_queue(cl_command_queue queue, clrelu_context **out);

/* Settings of a context, fixed when it is made. Each field left NULL, "" or
 * 0 takes its environment variable's value, else the default; a zeroed
 * struct (or a NULL pointer) gives what clrelu_context_create(NULL, ...)
 * gives. Strings are read during the call only.
 *   device        as clrelu_context_create's device ($CLRELU_DEVICE).
 *   tuning        the launch shape, as clrelu_context_tuning_save's shape
 *                 ($CLRELU_TUNING); it wins over the tuning cache.
 *   host_path     how the host-array ops move data: "auto", "zero-copy" or
 *                 "chunked" ($CLRELU_HOST_PATH; default auto).
 *   host_chunk    the chunked path's chunk in elements, 16 .. 2^28
 *                 ($CLRELU_HOST_CHUNK; default 2^20).
 *   cache_dir     the directory of the tuning cache and the binary cache, or
 *                 "off" for none ($CLRELU_CACHE_DIR; default
 *                 $XDG_CACHE_HOME/clrelu, else ~/.cache/clrelu).
 *   binary_cache  1: keep program binaries on disk, -1: do not
 *                 ($CLRELU_BINARY_CACHE=1 or 0; default: where the OpenCL
 *                 implementation has no kernel cache of its own). */
typedef struct clrelu_options {
  const char *device;
  const char *tuning;
  const char *host_path;
  size_t host_chunk;
  const char *cache_dir;
  int binary_cache;
} clrelu_options;

/* clrelu_context_create with settings given explicitly (opts may be NULL).
 * Returns as clrelu_context_create, and INVALID_ARGUMENT for a bad tuning,
 * host_path or host_chunk (the message names the field and says why). */
CLRELU_API clrelu_status clrelu_context_create_with(const clrelu_options *opts,
                                                    clrelu_context **out);

/* clrelu_context_create_from_queue with settings given explicitly (opts may
 * be NULL; its device is not used: the queue's device serves).
 * Returns as clrelu_context_create_from_queue, and INVALID_ARGUMENT as
 * clrelu_context_create_with. */
CLRELU_API clrelu_status clrelu_context_create_from_queue_with(
    cl_command_queue queue, const clrelu_options *opts, clrelu_context **out);

/* Releases the context. Buffers made on it keep what they need alive and
 * must still be destroyed. Does not wait for enqueued work: call
 * clrelu_finish first if results are still to be read. NULL: no-op. */
CLRELU_API void clrelu_context_destroy(clrelu_context *ctx);

/* The context's queue (owned by the context; retain it to keep it longer).
 * NULL for a NULL context. */
CLRELU_API cl_command_queue clrelu_context_queue(const clrelu_context *ctx);

/* The device's name as OpenCL reports it; "" for a NULL context. */
CLRELU_API const char *clrelu_context_device_name(const clrelu_context *ctx);

/* The kernel launch shape in use, as "vec=16 items=64 local=16 nt=1
 * contig=1 (table: PoCL CPU)": floats per vector, vectors per work-item,
 * work-group size, streaming stores, adjacent (1) or strided (0) vectors per
 * work-item, and where it came from: $CLRELU_TUNING, clrelu_options.tuning,
 * the tuning cache (clrelu-tune), or the built-in table. "" for a NULL
 * context. */
CLRELU_API const char *clrelu_context_tuning(const clrelu_context *ctx);

/* The tuning cache file of ctx's device: the cache directory
 * (clrelu_options.cache_dir, else $CLRELU_CACHE_DIR, else
 * $XDG_CACHE_HOME/clrelu, else ~/.cache/clrelu) / tuning-<hash>.txt, the
 * hash of device, vendor, driver and clrelu version, so a new driver or
 * library starts afresh. "" when there is no cache directory ("off").
 * Delete the file to go back to the built-in table. */
CLRELU_API const char *clrelu_context_tuning_cache(const clrelu_context *ctx);

/* Writes shape (the syntax of CLRELU_TUNING) to that file, atomically;
 * contexts created later on the same device use it. Returns SUCCESS or
 * INVALID_ARGUMENT (NULL, bad shape, no cache directory, cannot write). */
CLRELU_API clrelu_status clrelu_context_tuning_save(const clrelu_context *ctx,
                                                    const char *shape);

/* How long building the kernels took when the context was made, in
 * milliseconds, and what they were built from: "source" (the OpenCL
 * compiler; fast when the implementation's own cache serves) or "binary
 * cache" (clrelu's program binaries, kept in the directory of
 * clrelu_context_tuning_cache and keyed by device, driver, clrelu version
 * and launch shape). The binary cache is used where the implementation has
 * no kernel cache of its own (PoCL and NVIDIA have one);
 * CLRELU_BINARY_CACHE=1 or 0 (clrelu_options.binary_cache) forces it on or
 * off, CLRELU_CACHE_DIR=off turns every cache off. "" / 0 for NULL. */
CLRELU_API double clrelu_context_build_ms(const clrelu_context *ctx);
CLRELU_API const char *clrelu_context_build_source(const clrelu_context *ctx);

/* Waits until all work enqueued on the context's queue has finished.
 * Returns SUCCESS, INVALID_ARGUMENT (NULL), OUT_OF_MEMORY or OPENCL: an
 * error the driver met while running earlier work is reported here. */
CLRELU_API clrelu_status clrelu_finish(clrelu_context *ctx);

/* ---- Buffers ------------------------------------------------------------- */

/* Allocates count elements of dtype on the context's device (contents
 * undefined). Returns SUCCESS, INVALID_ARGUMENT (NULL, bad dtype, count 0),
 * OUT_OF_MEMORY (more bytes than CL_DEVICE_MAX_MEM_ALLOC_SIZE, or the
 * allocation failed), OPENCL. */
CLRELU_API clrelu_status clrelu_buffer_create(clrelu_context *ctx,
                                              clrelu_dtype dtype, size_t count,
                                              clrelu_buffer **out);

/* Wraps the caller's cl_mem as count elements of dtype. Takes its own
 * reference (clRetainMemObject): the caller may release mem at once.
 * Returns SUCCESS, INVALID_ARGUMENT (NULL, bad dtype, count 0, mem not a
 * buffer), CONTEXT_MISMATCH (mem belongs to another OpenCL context),
 * OUT_OF_RANGE (mem holds fewer than count elements).
 * Overlap checks see views and wraps of one cl_mem, and sub-buffers of one
 * parent; other aliasing (host pointers shared between cl_mems) is the
 * caller's responsibility. */
CLRELU_API clrelu_status clrelu_buffer_wrap(clrelu_context *ctx, cl_mem mem,
                                            clrelu_dtype dtype, size_t count,
                                            clrelu_buffer **out);

/* Elements [offset, offset + count) of parent, as a buffer of their own; any
 * offset (no alignment rule) but a mask's, which is a multiple of 32. The
 * view keeps the memory alive: parent may be destroyed first. Returns
 * SUCCESS, INVALID_ARGUMENT (NULL, count 0, a mask's offset not a multiple
 * of 32), OUT_OF_RANGE (the view does not fit in parent). */
CLRELU_API clrelu_status clrelu_buffer_view(clrelu_buffer *parent,
                                            size_t offset, size_t count,
                                            clrelu_buffer **out);

/* Releases the buffer handle (the memory when no view or wrap still uses
 * it). Work already enqueued on it completes. NULL: no-op. */
CLRELU_API void clrelu_buffer_destroy(clrelu_buffer *buf);

/* The buffer's element count and dtype (0 and CLRELU_F32 for NULL). */
CLRELU_API size_t clrelu_buffer_count(const clrelu_buffer *buf);
CLRELU_API clrelu_dtype clrelu_buffer_dtype(const clrelu_buffer *buf);

/* The cl_mem behind the buffer (a view shares its parent's) and the offset
 * of the buffer's first element in it, in elements (a mask's in bits). Not
 * retained. */
CLRELU_API cl_mem clrelu_buffer_mem(const clrelu_buffer *buf, size_t *offset);

/* Blocking copies between host memory (float, uint16_t bit patterns for
 * CLRELU_F16 and CLRELU_BF16, uint32_t words for CLRELU_MASK) and elements
 * [offset, offset + count) of buf. They wait for earlier work on the
 * context's queue. count 0 succeeds.
 * Returns SUCCESS, INVALID_ARGUMENT (NULL buf, NULL src/dst with count > 0,
 * a mask's offset or count misaligned), OUT_OF_RANGE, OUT_OF_MEMORY,
 * OPENCL. */
CLRELU_API clrelu_status clrelu_buffer_write(clrelu_buffer *buf, size_t offset,
                                             size_t count, const void *src);
CLRELU_API clrelu_status clrelu_buffer_read(const clrelu_buffer *buf,
                                            size_t offset, size_t count,
                                            void *dst);

/* ---- Device ops ------------------------------------------------------------
 * Ops enqueue on the context's queue and return without waiting. They
 * operate on elements [0, n) of their buffers. n == 0 succeeds and does
 * nothing. The output may be an input itself (the same buffer, or a view of
 * exactly the same elements); an output that partly overlaps an input is
 * INVALID_ARGUMENT. All buffers of one call share the context and dtype.
 * Returns SUCCESS, INVALID_ARGUMENT, CONTEXT_MISMATCH, DTYPE_MISMATCH,
 * OUT_OF_RANGE (n exceeds a buffer), OUT_OF_MEMORY (the driver could not
 * back a buffer), OPENCL. */

/* y = relu(x) */
CLRELU_API clrelu_status clrelu_relu(clrelu_context *ctx,
                                     const clrelu_buffer *x, clrelu_buffer *y,
                                     size_t n);
/* d = relu'(x): 1 where x > 0, else 0 (0 at x = 0), NaN for NaN */
CLRELU_API clrelu_status clrelu_relu_derivative(clrelu_context *ctx,
                                                const clrelu_buffer *x,
                                                clrelu_buffer *d, size_t n);
/* dx = x > 0 ? dy : +0 (NaN where x is NaN); dx may be dy or x */
CLRELU_API clrelu_status clrelu_relu_backward(clrelu_context *ctx,
                                              const clrelu_buffer *dy,
                                              const clrelu_buffer *x,
                                              clrelu_buffer *dx, size_t n);
/* y = x > 0 ? x : alpha * x, for any finite alpha (0 included: then negative
 * x gives -0.0; use clrelu_relu for ReLU). Non-finite alpha:
 * INVALID_ARGUMENT. */
CLRELU_API clrelu_status clrelu_leaky_relu(clrelu_context *ctx,
                                           const clrelu_buffer *x,
                                           clrelu_buffer *y, size_t n,
                                           float alpha);
/* dx = x > 0 ? dy : alpha * dy (NaN where x is NaN) */
CLRELU_API clrelu_status clrelu_leaky_relu_backward(clrelu_context *ctx,
                                                    const clrelu_buffer *dy,
                                                    const clrelu_buffer *x,
                                                    clrelu_buffer *dx, size_t n,
                                                    float alpha);
/* y = x > 0 ? (x < cap ? x : cap) : +0.0; NaN -> NaN. ReLU6 is cap = 6.
 * cap must be > 0 (+inf allowed: then this is ReLU); NaN or <= 0:
 * INVALID_ARGUMENT. */
CLRELU_API clrelu_status clrelu_clipped_relu(clrelu_context *ctx,
                                             const clrelu_buffer *x,
                                             clrelu_buffer *y, size_t n,
                                             float cap);
/* dx = (x > 0 && x < cap) ? dy : +0.0; NaN where x is NaN (so the gradient
 * at x == cap is 0) */
CLRELU_API clrelu_status clrelu_clipped_relu_backward(clrelu_context *ctx,
                                                      const clrelu_buffer *dy,
                                                      const clrelu_buffer *x,
                                                      clrelu_buffer *dx,
                                                      size_t n, float cap);
/* y = x > theta ? x : +0.0; NaN -> NaN. theta must be finite (it may be
 * negative). */
CLRELU_API clrelu_status clrelu_thresholded_relu(clrelu_context *ctx,
                                                 const clrelu_buffer *x,
                                                 clrelu_buffer *y, size_t n,
                                                 float theta);
/* dx = x > theta ? dy : +0.0; NaN where x is NaN */
CLRELU_API clrelu_status clrelu_thresholded_relu_backward(
    clrelu_context *ctx, const clrelu_buffer *dy, const clrelu_buffer *x,
    clrelu_buffer *dx, size_t n, float theta);
/* Fused bias + activation in one pass over memory.
 * x, y: row-major [outer][channels][inner]; bias: [channels].
 * y = act(x + bias[c]); act = relu when alpha == 0 (never -0.0), else leaky
 * relu with slope alpha (finite).
 *   Dense [N][C]: outer = N, channels = C, inner = 1.
 *   NCHW: outer = N, channels = C, inner = H*W.
 *   NHWC: outer = N*H*W, channels = C, inner = 1.
 * y may be x; y overlapping bias is INVALID_ARGUMENT; outer*channels*inner
 * overflowing size_t is OUT_OF_RANGE; x and y need outer*channels*inner
 * elements and bias channels. */
CLRELU_API clrelu_status clrelu_bias_relu(
    clrelu_context *ctx, const clrelu_buffer *x, const clrelu_buffer *bias,
    clrelu_buffer *y, size_t outer, size_t channels, size_t inner, float alpha);
/* PReLU, one slope per channel; x, y: [outer][channels][inner] as in
 * clrelu_bias_relu; slope: [channels], of x's dtype. y = x > 0 ? x :
 * slope[c] * x; NaN -> NaN (slopes are data: any value, NaN too). One shared
 * slope is channels = 1. y overlapping slope is INVALID_ARGUMENT. */
CLRELU_API clrelu_status clrelu_prelu(clrelu_context *ctx,
                                      const clrelu_buffer *x,
                                      const clrelu_buffer *slope,
                                      clrelu_buffer *y, size_t outer,
                                      size_t channels, size_t inner);
/* PReLU's backward pass: dx = x > 0 ? dy : slope[c] * dy (NaN where x is
 * NaN); dslope[c] = the sum, over every element of channel c with
 * !(x > 0), of dy * x (the product in float32 of the exactly converted
 * inputs). dslope may be NULL.
 * dslope is float32 (CLRELU_F32) whatever the data's dtype (another dtype
 * is DTYPE_MISMATCH), holds channels floats (OUT_OF_RANGE otherwise), and
 * must not overlap dy, x, slope or dx (INVALID_ARGUMENT). dx may be dy or
 * x.
 * The sum's order is fixed by the sizes alone, so every device and the
 * CPU twin give the same bits: channel c's terms (x > 0 ? +0.0 : dy * x)
 * in memory order (outer index, then inner), cut into blocks of 256 padded
 * with +0.0, each summed by halving (v[i] += v[i + s] for s = 128, ..., 1,
 * i < s); the block sums in order are the next level's terms, until one
 * value remains (one term is summed with its padding too, so a lone -0.0
 * gives +0.0). A channel without elements (outer or inner 0) gets +0.0.
 * dx and the first level of the sum are one sweep, the further levels
 * (past 256 terms a channel) small kernels after it: should one of those
 * fail to enqueue, dx holds its result and dslope is unchanged. */
CLRELU_API clrelu_status clrelu_prelu_backward(
    clrelu_context *ctx, const clrelu_buffer *dy, const clrelu_buffer *x,
    const clrelu_buffer *slope, clrelu_buffer *dx, clrelu_buffer *dslope,
    size_t outer, size_t channels, size_t inner);
/* Fused bias + PReLU in one pass: t = x + bias[c] (rounded to float once),
 * y = t > 0 ? t : slope[c] * t. bias may be NULL (then this is
 * clrelu_prelu). */
CLRELU_API clrelu_status clrelu_bias_prelu(clrelu_context *ctx,
                                           const clrelu_buffer *x,
                                           const clrelu_buffer *bias,
                                           const clrelu_buffer *slope,
                                           clrelu_buffer *y, size_t outer,
                                           size_t channels, size_t inner);
/* Fused bias + any activation in one pass: t = x + bias[c] (rounded to
 * float once), y = a(t), a given by act. bias may be NULL: then t = x and
 * the op is the activation alone (as the elementwise op of that kind; the
 * identity copies). clrelu_bias_relu(..., alpha) is this with RELU for
 * alpha == 0, else LEAKY_RELU. Layouts, aliasing and statuses as
 * clrelu_bias_relu; act is checked with the other arguments (first). */
CLRELU_API clrelu_status clrelu_bias_act(clrelu_context *ctx,
                                         const clrelu_buffer *x,
                                         const clrelu_buffer *bias,
                                         clrelu_buffer *y, size_t outer,
                                         size_t channels, size_t inner,
                                         const clrelu_act *act);

/* ---- Ordering against the caller's own work -------------------------------
 * Each op has an _ev form taking a clrelu_events (NULL: as the plain form).
 * The op's command waits for the num_wait events in wait (they may belong to
 * other queues of the same OpenCL context), and when done is not NULL it
 * receives the event of the op's command, which the caller releases with
 * clReleaseEvent. On failure *done is set to NULL. For n == 0, done receives
 * a marker event (complete once earlier work is). A context's own queue is
 * created with CL_QUEUE_PROFILING_ENABLE, so done events carry timings. */
typedef struct clrelu_events {
  cl_uint num_wait;     /* number of events in wait                    */
  const cl_event *wait; /* NULL when num_wait is 0                     */
  cl_event *done;       /* NULL, or receives the op's event (retained) */
} clrelu_events;

CLRELU_API clrelu_status clrelu_relu_ev(clrelu_context *ctx,
                                        const clrelu_buffer *x,
                                        clrelu_buffer *y, size_t n,
                                        const clrelu_events *ev);
CLRELU_API clrelu_status clrelu_relu_derivative_ev(clrelu_context *ctx,
                                                   const clrelu_buffer *x,
                                                   clrelu_buffer *d, size_t n,
                                                   const clrelu_events *ev);
CLRELU_API clrelu_status clrelu_relu_backward_ev(clrelu_context *ctx,
                                                 const clrelu_buffer *dy,
                                                 const clrelu_buffer *x,
                                                 clrelu_buffer *dx, size_t n,
                                                 const clrelu_events *ev);
CLRELU_API clrelu_status clrelu_leaky_relu_ev(clrelu_context *ctx,
                                              const clrelu_buffer *x,
                                              clrelu_buffer *y, size_t n,
                                              float alpha,
                                              const clrelu_events *ev);
CLRELU_API clrelu_status clrelu_leaky_relu_backward_ev(
    clrelu_context *ctx, const clrelu_buffer *dy, const clrelu_buffer *x,
    clrelu_buffer *dx, size_t n, float alpha, const clrelu_events *ev);
CLRELU_API clrelu_status clrelu_clipped_relu_ev(clrelu_context *ctx,
                                                const clrelu_buffer *x,
                                                clrelu_buffer *y, size_t n,
                                                float cap,
                                                const clrelu_events *ev);
CLRELU_API clrelu_status clrelu_clipped_relu_backward_ev(
    clrelu_context *ctx, const clrelu_buffer *dy, const clrelu_buffer *x,
    clrelu_buffer *dx, size_t n, float cap, const clrelu_events *ev);
CLRELU_API clrelu_status clrelu_thresholded_relu_ev(clrelu_context *ctx,
                                                    const clrelu_buffer *x,
                                                    clrelu_buffer *y, size_t n,
                                                    float theta,
                                                    const clrelu_events *ev);
CLRELU_API clrelu_status clrelu_thresholded_relu_backward_ev(
    clrelu_context *ctx, const clrelu_buffer *dy, const clrelu_buffer *x,
    clrelu_buffer *dx, size_t n, float theta, const clrelu_events *ev);
CLRELU_API clrelu_status clrelu_bias_relu_ev(
    clrelu_context *ctx, const clrelu_buffer *x, const clrelu_buffer *bias,
    clrelu_buffer *y, size_t outer, size_t channels, size_t inner, float alpha,
    const clrelu_events *ev);
CLRELU_API clrelu_status clrelu_prelu_ev(clrelu_context *ctx,
                                         const clrelu_buffer *x,
                                         const clrelu_buffer *slope,
                                         clrelu_buffer *y, size_t outer,
                                         size_t channels, size_t inner,
                                         const clrelu_events *ev);
CLRELU_API clrelu_status clrelu_prelu_backward_ev(
    clrelu_context *ctx, const clrelu_buffer *dy, const clrelu_buffer *x,
    const clrelu_buffer *slope, clrelu_buffer *dx, clrelu_buffer *dslope,
    size_t outer, size_t channels, size_t inner, const clrelu_events *ev);
CLRELU_API clrelu_status clrelu_bias_prelu_ev(
    clrelu_context *ctx, const clrelu_buffer *x, const clrelu_buffer *bias,
    const clrelu_buffer *slope, clrelu_buffer *y, size_t outer, size_t channels,
    size_t inner, const clrelu_events *ev);
CLRELU_API clrelu_status clrelu_bias_act_ev(
    clrelu_context *ctx, const clrelu_buffer *x, const clrelu_buffer *bias,
    clrelu_buffer *y, size_t outer, size_t channels, size_t inner,
    const clrelu_act *act, const clrelu_events *ev);

/* ---- Training: masks saved by the forward pass ----------------------------
 * Forward, as clrelu_bias_act (bias may be NULL), and also mask bit i = 1
 * where t_i = x_i + bias[c] took the pass-through branch: RELU, LEAKY_RELU:
 * t > 0; CLIPPED_RELU: t > 0 && t < cap; THRESHOLDED_RELU: t > theta (so a
 * NaN t gives bit 0); IDENTITY: always 1, NaN t included. The mask
 * (CLRELU_MASK, its own dtype whatever the data's) needs at least
 * n = outer * channels * inner bits; the bits of its last written word past
 * n are written as 0, and no other word is touched. A mask made on the
 * device and one made by the CPU twin are equal word for word.
 * Returns as clrelu_bias_act, and DTYPE_MISMATCH (mask not a mask, or x, y
 * or bias a mask), OUT_OF_RANGE (a mask of fewer than n bits),
 * INVALID_ARGUMENT (the mask overlapping x, y or bias). */
CLRELU_API clrelu_status clrelu_bias_act_mask(
    clrelu_context *ctx, const clrelu_buffer *x, const clrelu_buffer *bias,
    clrelu_buffer *y, clrelu_buffer *mask, size_t outer, size_t channels,
    size_t inner, const clrelu_act *act);
CLRELU_API clrelu_status clrelu_bias_act_mask_ev(
    clrelu_context *ctx, const clrelu_buffer *x, const clrelu_buffer *bias,
    clrelu_buffer *y, clrelu_buffer *mask, size_t outer, size_t channels,
    size_t inner, const clrelu_act *act, const clrelu_events *ev);

/* Backward from a mask: dx_i = bit_i ? dy_i : (LEAKY_RELU ? alpha * dy_i :
 * +0.0). The mask cannot carry a NaN input: where the forward t was NaN, dx
 * is +0.0 (or alpha * dy), while the backward from the input gives NaN.
 * dbias[c] (dbias may be NULL) = the sum of dx over every element of
 * channel c. dx may be dy.
 * dbias is a CLRELU_F32 buffer whatever the data's dtype (another dtype is
 * DTYPE_MISMATCH): its terms are the dx values as computed in float32,
 * before dx is rounded to a 16-bit dtype. It is bit-exact on every device
 * and on the CPU twins, because the order of the sum is fixed by the sizes
 * alone, as for clrelu_prelu_backward's dslope: channel c's terms in
 * increasing memory order, blocks of 256 padded with +0.0, each summed by
 * halving (for s = 128, 64, ..., 1: v[i] = v[i] + v[i + s] for i < s), the
 * block sums in block order summed the same way, level after level, until
 * one value remains; float32 additions throughout. A NaN dx in channel c
 * makes dbias[c] NaN. A channel with no elements (outer or inner 0) gets
 * +0.0, after dbias is checked to hold channels floats; with channels 0
 * nothing is written. dbias must overlap no other buffer of the call.
 * dx and the first level of the sum are one sweep, the further levels
 * (past 256 terms a channel) small kernels after it: should one of those
 * fail to enqueue, dx holds its result and dbias is unchanged. */
CLRELU_API clrelu_status clrelu_act_backward_mask(
    clrelu_context *ctx, const clrelu_buffer *dy, const clrelu_buffer *mask,
    clrelu_buffer *dx, clrelu_buffer *dbias, size_t outer, size_t channels,
    size_t inner, const clrelu_act *act);
CLRELU_API clrelu_status clrelu_act_backward_mask_ev(
    clrelu_context *ctx, const clrelu_buffer *dy, const clrelu_buffer *mask,
    clrelu_buffer *dx, clrelu_buffer *dbias, size_t outer, size_t channels,
    size_t inner, const clrelu_act *act, const clrelu_events *ev);

/* Backward from the forward input: t = x + bias[c] as in the forward pass
 * (bias may be NULL: t = x), dx_i = pass-through(t_i) ? dy_i : (LEAKY_RELU ?
 * alpha * dy_i : +0.0), NaN where t_i is NaN (every kind); dbias as above.
 * dx may be dy or x. */
CLRELU_API clrelu_status clrelu_bias_act_backward(
    clrelu_context *ctx, const clrelu_buffer *dy, const clrelu_buffer *x,
    const clrelu_buffer *bias, clrelu_buffer *dx, clrelu_buffer *dbias,
    size_t outer, size_t channels, size_t inner, const clrelu_act *act);
CLRELU_API clrelu_status clrelu_bias_act_backward_ev(
    clrelu_context *ctx, const clrelu_buffer *dy, const clrelu_buffer *x,
    const clrelu_buffer *bias, clrelu_buffer *dx, clrelu_buffer *dbias,
    size_t outer, size_t channels, size_t inner, const clrelu_act *act,
    const clrelu_events *ev);

/* ---- Activations in your own kernels --------------------------------------
 * OpenCL C 1.2 source that defines clrelu's activation functions and 16-bit
 * conversions, with FP_CONTRACT off, for the caller to put in front of the
 * source of its own program. The text is the one the library's own kernels
 * are built from, so the results are the library's. Never NULL; valid for
 * the process. It needs no extension (no cl_khr_fp16), and every name it
 * defines begins with clrelu_ or CLRELU_ (its helpers with clrelu__ or
 * CLRELU__), so it cannot clash with the caller's names. It defines:
 *
 *   #define CLRELU_ACT_IDENTITY ...   one per clrelu_act_kind, its value
 *   float  clrelu_act(int kind, float alpha, float t);
 *            a(t) of the descriptor {kind, alpha}, exactly as
 *            clrelu_bias_act computes it from t = x + bias[c] (NaN for a
 *            kind outside the enum; alphas are not checked here)
 *   float  clrelu_prelu_act(float slope, float t);   t > 0 ? t : slope * t
 *   float  clrelu_f16_to_f32(ushort h);              exact
 *   ushort clrelu_f32_to_f16(float f);   round to nearest even; NaN stays NaN
 *   float  clrelu_bf16_to_f32(ushort h);             exact
 *   ushort clrelu_f32_to_bf16(float f);  round to nearest even; NaN stays NaN
 *
 * A kernel that ends in clrelu_f32_to_f16(clrelu_act(kind, alpha,
 * acc + clrelu_f16_to_f32(bias[c]))) stores what clrelu_bias_act on F16
 * buffers (and clrelu_cpu_bias_act_16) store for x = acc, where acc is a
 * binary16 value. The functions are static inline, so every
 * program that uses them has its own copy. */
CLRELU_API const char *clrelu_act_source(void);

/* ---- Dense layers -------------------------------------------------------
 * y[b][o] = act(sum_i x[b][i] * w[o][i] + bias[o]), all device buffers:
 * x [batch][in_features], w [out_features][in_features] (the usual Linear
 * layout), bias [out_features], y [batch][out_features]; act as in
 * clrelu_bias_relu (alpha == 0: ReLU; alpha == 1: none). The product is
 * CLBlast's SGEMM on the context's queue (SGEMV when batch is 1, after
 * clearing y), then the fused bias + activation kernel in place on y: two
 * passes over y. Views at any offset work.
 * float32 only; the product is not bit-exact (CLBlast's summation order).
 * in_features == 0 gives y = act(bias). batch or out_features 0: nothing to
 * do (SUCCESS).
 * Returns SUCCESS; INVALID_ARGUMENT (NULL, non-finite alpha, y overlapping
 * x, w or bias); CONTEXT_MISMATCH; DTYPE_MISMATCH; OUT_OF_RANGE (a buffer
 * too small, or batch * in_features, out_features * in_features or
 * batch * out_features overflowing size_t); UNSUPPORTED (F16/BF16, a matrix
 * reaching past element INT_MAX of its cl_mem, or clrelu built without
 * CLBlast); OUT_OF_MEMORY; OPENCL. Should the bias kernel fail to enqueue
 * after the product did, y holds the product.
 * Events: CLBlast takes no wait list, so ev's events go first as a barrier
 * on the queue (it holds back later commands of the queue too); done is
 * the bias kernel's event.
 * Cost of a first call: CLBlast compiles its GEMM program once per context,
 * and the OpenCL driver may compile again for a new launch shape (see the
 * README).
 * Threads: all CLBlast calls of the process take one lock.
 * CLBlast keeps its compiled programs, and so the OpenCL context, until the
 * last clrelu context that ran a dense layer is destroyed; clrelu then
 * empties CLBlast's cache (CLBlastClearCache). */
CLRELU_API clrelu_status clrelu_dense(
    clrelu_context *ctx, const clrelu_buffer *x, const clrelu_buffer *w,
    const clrelu_buffer *bias, clrelu_buffer *y, size_t batch,
    size_t in_features, size_t out_features, float alpha);
CLRELU_API clrelu_status
clrelu_dense_ev(clrelu_context *ctx, const clrelu_buffer *x,
                const clrelu_buffer *w, const clrelu_buffer *bias,
                clrelu_buffer *y, size_t batch, size_t in_features,
                size_t out_features, float alpha, const clrelu_events *ev);
/* Dense layer with any activation: y = a(x w^T + bias), as clrelu_dense
 * otherwise (clrelu_dense's alpha is RELU for 0, else LEAKY_RELU; its
 * alpha == 1 is the identity's result). */
CLRELU_API clrelu_status clrelu_dense_act(
    clrelu_context *ctx, const clrelu_buffer *x, const clrelu_buffer *w,
    const clrelu_buffer *bias, clrelu_buffer *y, size_t batch,
    size_t in_features, size_t out_features, const clrelu_act *act);
CLRELU_API clrelu_status clrelu_dense_act_ev(
    clrelu_context *ctx, const clrelu_buffer *x, const clrelu_buffer *w,
    const clrelu_buffer *bias, clrelu_buffer *y, size_t batch,
    size_t in_features, size_t out_features, const clrelu_act *act,
    const clrelu_events *ev);

/* ---- Host arrays ---------------------------------------------------------
 * The ops on plain host float arrays, run on the device; blocking; the same
 * results as the device ops, bit for bit. They run after the work already
 * enqueued on the context's queue.
 *  - On a device that shares host memory (CL_DEVICE_HOST_UNIFIED_MEMORY,
 *    e.g. PoCL) the arrays are used in place, with no copy: each is wrapped
 *    with CL_MEM_USE_HOST_PTR from the CL_DEVICE_MEM_BASE_ADDR_ALIGN
 *    boundary below it, at an element offset (any float-aligned pointer).
 *  - Otherwise (a discrete GPU) the data moves in chunks through pinned
 *    staging memory, the write of one chunk, the kernel on the previous and
 *    the read of the one before overlapping.
 * $CLRELU_HOST_PATH=chunked forces the chunked path (zero-copy forces the
 * other; auto or unset chooses); $CLRELU_HOST_CHUNK sets its chunk, in
 * elements (default 2^20). Both are read when the context is made
 * (clrelu_options.host_path and host_chunk give them explicitly).
 * y may be x (in place). NULL pointers are allowed when there are no
 * elements (then SUCCESS). Returns SUCCESS; INVALID_ARGUMENT (NULL ctx, a
 * NULL array with elements, non-finite alpha, y partly overlapping x, bias
 * overlapping y, a bad $CLRELU_HOST_PATH); OUT_OF_RANGE (the byte count
 * overflows size_t); OUT_OF_MEMORY; OPENCL (then y may be partly written). */
CLRELU_API clrelu_status clrelu_host_relu(clrelu_context *ctx, const float *x,
                                          float *y, size_t n);
CLRELU_API clrelu_status clrelu_host_leaky_relu(clrelu_context *ctx,
                                                const float *x, float *y,
                                                size_t n, float alpha);
CLRELU_API clrelu_status clrelu_host_bias_relu(clrelu_context *ctx,
                                               const float *x,
                                               const float *bias, float *y,
                                               size_t outer, size_t channels,
                                               size_t inner, float alpha);
/* As clrelu_bias_act, on host arrays; bias may be NULL. */
CLRELU_API clrelu_status clrelu_host_bias_act(clrelu_context *ctx,
                                              const float *x, const float *bias,
                                              float *y, size_t outer,
                                              size_t channels, size_t inner,
                                              const clrelu_act *act);
/* Host memory the device reaches fastest (pinned: a CL_MEM_ALLOC_HOST_PTR
 * buffer kept mapped). The host ops recognise it, and any array inside it,
 * and use it with no CPU copy: zero-copy runs the kernel on that buffer,
 * chunked moves it by DMA with no staging. NULL on failure (bytes 0:
 * INVALID_ARGUMENT; more than CL_DEVICE_MAX_MEM_ALLOC_SIZE: OUT_OF_MEMORY;
 * clrelu_last_error says why). Like a buffer, each allocation keeps ctx
 * alive: free it with clrelu_host_free(ctx, ptr), also after
 * clrelu_context_destroy(ctx). ptr NULL, or not from clrelu_host_alloc on
 * ctx: no-op. */
CLRELU_API void *clrelu_host_alloc(clrelu_context *ctx, size_t bytes);
CLRELU_API void clrelu_host_free(clrelu_context *ctx, void *ptr);

/* ---- CPU ops ----------------------------------------------------------------
 * The same ops on host float arrays, with the same results bit for bit.
 * Vectorised for the running CPU (chosen at run time) and multi-threaded for
 * large n. Outputs may alias inputs exactly (in place); partial overlap is
 * undefined. NULL pointers with n > 0 are undefined; these functions have no
 * status. alpha should be finite. */
CLRELU_API void clrelu_cpu_relu(const float *x, float *y, size_t n);
CLRELU_API void clrelu_cpu_relu_derivative(const float *x, float *d, size_t n);
CLRELU_API void clrelu_cpu_relu_backward(const float *dy, const float *x,
                                         float *dx, size_t n);
CLRELU_API void clrelu_cpu_leaky_relu(const float *x, float *y, size_t n,
                                      float alpha);
CLRELU_API void clrelu_cpu_leaky_relu_backward(const float *dy, const float *x,
                                               float *dx, size_t n,
                                               float alpha);
CLRELU_API void clrelu_cpu_bias_relu(const float *x, const float *bias,
                                     float *y, size_t outer, size_t channels,
                                     size_t inner, float alpha);
/* As clrelu_bias_act (bias may be NULL); SUCCESS, INVALID_ARGUMENT (a NULL
 * act, a bad kind or alpha, a NULL array with elements), OUT_OF_RANGE (the
 * shape overflows size_t); nothing is written on failure. */
CLRELU_API clrelu_status clrelu_cpu_bias_act(const float *x, const float *bias,
                                             float *y, size_t outer,
                                             size_t channels, size_t inner,
                                             const clrelu_act *act);
/* PReLU and bias + PReLU on host arrays, as clrelu_prelu and
 * clrelu_bias_prelu (bias may be NULL); SUCCESS, INVALID_ARGUMENT (a NULL
 * array with elements), OUT_OF_RANGE (the shape overflows size_t). */
CLRELU_API clrelu_status clrelu_cpu_prelu(const float *x, const float *slope,
                                          float *y, size_t outer,
                                          size_t channels, size_t inner);
/* The CPU twin of clrelu_bias_act_mask: y and the mask's words bit for
 * bit the device's (mask: ceil(n / 32) words; bias may be NULL). Returns
 * SUCCESS, INVALID_ARGUMENT (NULL x, y or mask, a bad act, y partly
 * overlapping x), OUT_OF_RANGE (the shape overflows). */
CLRELU_API clrelu_status clrelu_cpu_bias_act_mask(const float *x,
                                                  const float *bias, float *y,
                                                  uint32_t *mask, size_t outer,
                                                  size_t channels, size_t inner,
                                                  const clrelu_act *act);
/* The CPU twins of the backward passes: dx and dbias bit for bit the
 * device's (dbias may be NULL; dx may be dy, or x). */
CLRELU_API clrelu_status clrelu_cpu_act_backward_mask(
    const float *dy, const uint32_t *mask, float *dx, float *dbias,
    size_t outer, size_t channels, size_t inner, const clrelu_act *act);
CLRELU_API clrelu_status clrelu_cpu_bias_act_backward(
    const float *dy, const float *x, const float *bias, float *dx, float *dbias,
    size_t outer, size_t channels, size_t inner, const clrelu_act *act);
CLRELU_API clrelu_status clrelu_cpu_bias_prelu(const float *x,
                                               const float *bias,
                                               const float *slope, float *y,
                                               size_t outer, size_t channels,
                                               size_t inner);
/* As clrelu_prelu_backward (dslope may be NULL; the same bits). */
CLRELU_API clrelu_status clrelu_cpu_prelu_backward(
    const float *dy, const float *x, const float *slope, float *dx,
    float *dslope, size_t outer, size_t channels, size_t inner);
/* The ops whose parameter can be refused return a status: SUCCESS, or
 * INVALID_ARGUMENT for a cap or theta the device op refuses, or a NULL
 * pointer with n > 0 (nothing is written then). */
CLRELU_API clrelu_status clrelu_cpu_clipped_relu(const float *x, float *y,
                                                 size_t n, float cap);
CLRELU_API clrelu_status clrelu_cpu_clipped_relu_backward(const float *dy,
                                                          const float *x,
                                                          float *dx, size_t n,
                                                          float cap);
CLRELU_API clrelu_status clrelu_cpu_thresholded_relu(const float *x, float *y,
                                                     size_t n, float theta);
CLRELU_API clrelu_status clrelu_cpu_thresholded_relu_backward(
    const float *dy, const float *x, float *dx, size_t n, float theta);

/* ---- 16-bit data on the host ----------------------------------------------
 * Conversions between float32 and 16-bit arrays (round to nearest even; NaN
 * stays NaN; F16C instructions where the CPU has them). */
CLRELU_API void clrelu_f32_to_f16(const float *src, uint16_t *dst, size_t n);
CLRELU_API void clrelu_f16_to_f32(const uint16_t *src, float *dst, size_t n);
CLRELU_API void clrelu_f32_to_bf16(const float *src, uint16_t *dst, size_t n);
CLRELU_API void clrelu_bf16_to_f32(const uint16_t *src, float *dst, size_t n);

/* The CPU ops on 16-bit arrays of dtype (CLRELU_F16 or CLRELU_BF16), bit for
 * bit what the device gives: each input converted to float32 exactly, the
 * op in float32 (bias added in float32), the result rounded once.
 * Returns SUCCESS, INVALID_ARGUMENT (dtype not 16-bit, a NULL pointer with
 * elements, or a parameter the device op refuses), OUT_OF_MEMORY (bias_relu_16
 * converts the bias first). Pointers alias as in the float32 forms. */
CLRELU_API clrelu_status clrelu_cpu_relu_16(clrelu_dtype dtype,
                                            const uint16_t *x, uint16_t *y,
                                            size_t n);
CLRELU_API clrelu_status clrelu_cpu_relu_derivative_16(clrelu_dtype dtype,
                                                       const uint16_t *x,
                                                       uint16_t *d, size_t n);
CLRELU_API clrelu_status clrelu_cpu_relu_backward_16(clrelu_dtype dtype,
                                                     const uint16_t *dy,
                                                     const uint16_t *x,
                                                     uint16_t *dx, size_t n);
CLRELU_API clrelu_status clrelu_cpu_leaky_relu_16(clrelu_dtype dtype,
                                                  const uint16_t *x,
                                                  uint16_t *y, size_t n,
                                                  float alpha);
CLRELU_API clrelu_status clrelu_cpu_leaky_relu_backward_16(
    clrelu_dtype dtype, const uint16_t *dy, const uint16_t *x, uint16_t *dx,
    size_t n, float alpha);
CLRELU_API clrelu_status clrelu_cpu_bias_relu_16(
    clrelu_dtype dtype, const uint16_t *x, const uint16_t *bias, uint16_t *y,
    size_t outer, size_t channels, size_t inner, float alpha);
CLRELU_API clrelu_status clrelu_cpu_bias_act_16(
    clrelu_dtype dtype, const uint16_t *x, const uint16_t *bias, uint16_t *y,
    size_t outer, size_t channels, size_t inner, const clrelu_act *act);
CLRELU_API clrelu_status clrelu_cpu_prelu_16(clrelu_dtype dtype,
                                             const uint16_t *x,
                                             const uint16_t *slope, uint16_t *y,
                                             size_t outer, size_t channels,
                                             size_t inner);
CLRELU_API clrelu_status clrelu_cpu_bias_act_mask_16(
    clrelu_dtype dtype, const uint16_t *x, const uint16_t *bias, uint16_t *y,
    uint32_t *mask, size_t outer, size_t channels, size_t inner,
    const clrelu_act *act);
CLRELU_API clrelu_status clrelu_cpu_act_backward_mask_16(
    clrelu_dtype dtype, const uint16_t *dy, const uint32_t *mask, uint16_t *dx,
    float *dbias, size_t outer, size_t channels, size_t inner,
    const clrelu_act *act);
CLRELU_API clrelu_status clrelu_cpu_bias_act_backward_16(
    clrelu_dtype dtype, const uint16_t *dy, const uint16_t *x,
    const uint16_t *bias, uint16_t *dx, float *dbias, size_t outer,
    size_t channels, size_t inner, const clrelu_act *act);
CLRELU_API clrelu_status clrelu_cpu_bias_prelu_16(
    clrelu_dtype dtype, const uint16_t *x, const uint16_t *bias,
    const uint16_t *slope, uint16_t *y, size_t outer, size_t channels,
    size_t inner);
CLRELU_API clrelu_status clrelu_cpu_prelu_backward_16(
    clrelu_dtype dtype, const uint16_t *dy, const uint16_t *x,
    const uint16_t *slope, uint16_t *dx, float *dslope, size_t outer,
    size_t channels, size_t inner);
CLRELU_API clrelu_status clrelu_cpu_clipped_relu_16(clrelu_dtype dtype,
                                                    const uint16_t *x,
                                                    uint16_t *y, size_t n,
                                                    float cap);
CLRELU_API clrelu_status clrelu_cpu_clipped_relu_backward_16(
    clrelu_dtype dtype, const uint16_t *dy, const uint16_t *x, uint16_t *dx,
    size_t n, float cap);
CLRELU_API clrelu_status clrelu_cpu_thresholded_relu_16(clrelu_dtype dtype,
                                                        const uint16_t *x,
                                                        uint16_t *y, size_t n,
                                                        float theta);
CLRELU_API clrelu_status clrelu_cpu_thresholded_relu_backward_16(
    clrelu_dtype dtype, const uint16_t *dy, const uint16_t *x, uint16_t *dx,
    size_t n, float theta);

/* The instruction set the CPU ops use on this machine: "avx512", "avx2",
 * "sse2" or "generic". $CLRELU_CPU ("avx2", "sse2") caps it. */
CLRELU_API const char *clrelu_cpu_isa(void);

/* Threads the CPU ops use for large arrays: 0 (the default) means one per
 * available core. Returns the previous setting. */
CLRELU_API int clrelu_cpu_set_threads(int threads);

#ifdef __cplusplus
}
#endif

#endif /* CLRELU_H */
