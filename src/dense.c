/* Dense layers: CLBlast's SGEMM on the context's queue, then the fused bias +
 * activation kernel in place on y.
 *
 * Threads: Debian's CLBlast 1.5.3 fails when two threads build the same
 * routine at once (CLBlast issue 486, fixed in 1.6.1), so every CLBlast call
 * of the process goes through one mutex. The call only enqueues (it waits
 * for nothing but its first-use compile), so the lock is held briefly.
 *
 * CLBlast caches its compiled programs per OpenCL context, and a cached
 * program keeps its context alive. When the last clrelu context that ran a
 * dense layer is released, clrelu empties that cache (CLBlastClearCache), so
 * contexts are not kept past their end. */
#include "internal.h"

#include <limits.h>
#include <math.h>
#include <stdint.h>

#ifdef CLRELU_HAVE_CLBLAST
/* clblast_c.h declares CLBlastClearCache() without (void). */
#if defined(__GNUC__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wstrict-prototypes"
#endif
#include <clblast_c.h>
#if defined(__GNUC__)
#pragma GCC diagnostic pop
#endif

static pthread_mutex_t clblast_lock = PTHREAD_MUTEX_INITIALIZER;
static size_t clblast_contexts; /* live contexts that called CLBlast */

/* A context that ran CLBlast goes: CLBlast's cache is let go of when no
 * context uses it any more. */
static void dense_release(clrelu_context *ctx, void *state) {
  (void)ctx;
  (void)state;
  pthread_mutex_lock(&clblast_lock);
  if (--clblast_contexts == 0)
    CLBlastClearCache();
  pthread_mutex_unlock(&clblast_lock);
}
#endif

static const char *const fn = "clrelu_dense";

/* a * b into *out; 0 when it overflows size_t. */
static int mul_ok(size_t a, size_t b, size_t *out) {
  if (a != 0 && b > SIZE_MAX / a)
    return 0;
  *out = a * b;
  return 1;
}

/* Check 4: shapes against the buffers, and overlaps. */
static clrelu_status check_shapes(const clrelu_buffer *x,
                                  const clrelu_buffer *w,
                                  const clrelu_buffer *bias,
                                  const clrelu_buffer *y, size_t batch,
                                  size_t in, size_t out, size_t need[4]) {
  if (!mul_ok(batch, in, &need[0]) || !mul_ok(out, in, &need[1]) ||
      !mul_ok(batch, out, &need[3]))
    return clrelu__fail(CLRELU_ERROR_OUT_OF_RANGE,
                        "%s: batch = %zu, in_features = %zu, out_features = "
                        "%zu: a matrix's element count overflows size_t",
                        fn, batch, in, out);
  need[2] = out;
  const clrelu_buffer *b[4] = {x, w, bias, y};
  static const char *const names[4] = {"x", "w", "bias", "y"};
  for (int i = 0; i < 4; ++i) {
    clrelu_status st = clrelu__check_count(fn, b[i], names[i], need[i]);
    if (st != CLRELU_SUCCESS)
      return st;
  }
  for (int i = 0; i < 3; ++i)
    if (need[i] > 0 && clrelu__overlaps(b[i], need[i], y, need[3], NULL))
      return clrelu__fail(CLRELU_ERROR_INVALID_ARGUMENT,
                          "%s: y overlaps %s (the product cannot be computed "
                          "in place)",
                          fn, names[i]);
  return CLRELU_SUCCESS;
}

/* ---- enqueueing ---- */

#ifdef CLRELU_HAVE_CLBLAST
typedef struct gemm_args {
  const clrelu_buffer *x, *w, *y;
  size_t batch, in, out;
  CLBlastStatusCode status;
} gemm_args;

/* y = x w^T: SGEMM, or SGEMV for one row.
 * CLBlast takes no wait list: a barrier after the events goes first (it
 * holds back every later command, on in-order and out-of-order queues
 * alike). CLBlast chains its own commands (padding, GEMM, unpadding) with
 * events and hands back the last one. */
static cl_int do_gemm(clrelu_context *ctx, void *user, cl_uint nwait,
                      const cl_event *wait, cl_event *event) {
  gemm_args *g = user;
  if (nwait > 0) {
    cl_int err = clEnqueueBarrierWithWaitList(ctx->queue, nwait, wait, NULL);
    if (err != CL_SUCCESS) {
      g->status = CLBlastSuccess;
      return err;
    }
  }
  if (g->batch == 1) {
    /* CLBlast's GEMV computes beta * y even for beta == 0, so a NaN left in
     * y would survive: clear y first (out floats), and hold CLBlast back
     * until then on an out-of-order queue too. */
    const float zero = 0.0f;
    cl_int err = clEnqueueFillBuffer(ctx->queue, g->y->mem, &zero, sizeof zero,
                                     g->y->offset * sizeof zero,
                                     g->out * sizeof zero, 0, NULL, NULL);
    if (err == CL_SUCCESS && ctx->out_of_order)
      err = clEnqueueBarrierWithWaitList(ctx->queue, 0, NULL, NULL);
    if (err != CL_SUCCESS) {
      g->status = CLBlastSuccess;
      return err;
    }
  }
  pthread_mutex_lock(&clblast_lock);
  if (g->batch == 1) /* one row: y = W x, 5-10x faster than SGEMM on PoCL */
    g->status = CLBlastSgemv(CLBlastLayoutRowMajor, CLBlastTransposeNo, g->out,
                             g->in, 1.0f, g->w->mem, g->w->offset, g->in,
                             g->x->mem, g->x->offset, 1, 0.0f, g->y->mem,
                             g->y->offset, 1, &ctx->queue, event);
  else
    g->status = CLBlastSgemm(CLBlastLayoutRowMajor, CLBlastTransposeNo,
                             CLBlastTransposeYes, g->batch, g->out, g->in, 1.0f,
                             g->x->mem, g->x->offset, g->in, g->w->mem,
                             g->w->offset, g->in, 0.0f, g->y->mem, g->y->offset,
                             g->out, &ctx->queue, event);
  clrelu_layer_state *used = &ctx->layers[CLRELU_LAYER_DENSE];
  if (g->status == CLBlastSuccess && !used->release) {
    *used = (clrelu_layer_state){NULL, dense_release};
    ++clblast_contexts;
  }
  pthread_mutex_unlock(&clblast_lock);
  return g->status == CLBlastSuccess ? CL_SUCCESS : (cl_int)g->status;
}

static const char *clblast_name(CLBlastStatusCode s) {
  switch (s) {
  case CLBlastNotImplemented:
    return "CLBlastNotImplemented";
  case CLBlastInvalidMatrixA:
    return "CLBlastInvalidMatrixA";
  case CLBlastInvalidMatrixB:
    return "CLBlastInvalidMatrixB";
  case CLBlastInvalidMatrixC:
    return "CLBlastInvalidMatrixC";
  case CLBlastInvalidDimension:
    return "CLBlastInvalidDimension";
  case CLBlastInsufficientMemoryA:
    return "CLBlastInsufficientMemoryA";
  case CLBlastInsufficientMemoryB:
    return "CLBlastInsufficientMemoryB";
  case CLBlastInsufficientMemoryC:
    return "CLBlastInsufficientMemoryC";
  case CLBlastInsufficientMemoryTemp:
    return "CLBlastInsufficientMemoryTemp";
  case CLBlastInvalidLocalMemUsage:
    return "CLBlastInvalidLocalMemUsage";
  case CLBlastNoDoublePrecision:
    return "CLBlastNoDoublePrecision";
  case CLBlastNoHalfPrecision:
    return "CLBlastNoHalfPrecision";
  case CLBlastDatabaseError:
    return "CLBlastDatabaseError";
  case CLBlastUnknownError:
    return "CLBlastUnknownError";
  case CLBlastUnexpectedError:
    return "CLBlastUnexpectedError";
  default:
    return "a CLBlast error";
  }
}

#endif

clrelu_status clrelu_dense_act_ev(clrelu_context *ctx, const clrelu_buffer *x,
                                  const clrelu_buffer *w,
                                  const clrelu_buffer *bias, clrelu_buffer *y,
                                  size_t batch, size_t in_features,
                                  size_t out_features, const clrelu_act *act,
                                  const clrelu_events *ev) {
  const clrelu_call c = {fn, ctx, {x, w, bias}, {"x", "w", "bias"}, 3, y, "y"};
  if (ev && ev->done)
    *ev->done = NULL;
  clrelu_status st = clrelu__check_act(fn, act); /* before the contexts */
  if (st == CLRELU_SUCCESS)
    st = clrelu__check_call(&c, CLRELU_PARAM_KIND_NONE, 0.0f, ev);
  if (st != CLRELU_SUCCESS)
    return st;
  if (batch == 0 || out_features == 0)
    return clrelu__marker(ctx, ev);
  size_t need[4] = {0, 0, 0, 0};
  st = check_shapes(x, w, bias, y, batch, in_features, out_features, need);
  if (st != CLRELU_SUCCESS)
    return st;
  if (y->dtype != CLRELU_F32)
    return clrelu__fail(CLRELU_ERROR_UNSUPPORTED,
                        "%s: only CLRELU_F32 is supported (CLBlast's SGEMM)",
                        fn);
  /* CLBlast's kernels index with int. */
  const clrelu_buffer *b[4] = {x, w, bias, y};
  for (int i = 0; i < 4; ++i)
    if (b[i]->offset > (size_t)INT_MAX ||
        need[i] > (size_t)INT_MAX - b[i]->offset)
      return clrelu__fail(CLRELU_ERROR_UNSUPPORTED,
                          "%s: a matrix reaches past element %d of its "
                          "cl_mem, which CLBlast cannot index",
                          fn, INT_MAX);
#ifndef CLRELU_HAVE_CLBLAST
  return clrelu__fail(CLRELU_ERROR_UNSUPPORTED,
                      "%s: clrelu was built without CLBlast (install it, e.g. "
                      "Debian's libclblast-dev, and configure again)",
                      fn);
#else
  /* The product, after ev's events. */
  clrelu_events first = {ev ? ev->num_wait : 0, ev ? ev->wait : NULL, NULL};
  cl_int err;
  if (in_features == 0) {
    err = clrelu__fill_zeros(y, need[3], &first); /* the sums of nothing */
    if (err != CL_SUCCESS)
      return clrelu__cl_fail(err, "clrelu_dense: clEnqueueFillBuffer");
  } else {
    gemm_args g = {x, w, y, batch, in_features, out_features, CLBlastSuccess};
    err = clrelu__enqueue(ctx, do_gemm, &g, &first);
    if (err != CL_SUCCESS && g.status == CLBlastSuccess)
      return clrelu__cl_fail(err, "clrelu_dense: clEnqueueBarrierWithWaitList "
                                  "or clEnqueueFillBuffer");
    if (err != CL_SUCCESS) {
      if (g.status > -1000) /* an OpenCL error code */
        return clrelu__cl_fail(err, batch == 1 ? "clrelu_dense: CLBlastSgemv"
                                               : "clrelu_dense: CLBlastSgemm");
      return clrelu__fail(CLRELU_ERROR_OPENCL, "%s: %s: %s (%d)", fn,
                          batch == 1 ? "CLBlastSgemv" : "CLBlastSgemm",
                          clblast_name(g.status), (int)g.status);
    }
  }
  /* Then bias + activation in place; the queue (or, out of order, clrelu's
   * chain of commands) orders it after the product. */
  clrelu_events second = {0, NULL, ev ? ev->done : NULL};
  return clrelu_bias_act_ev(ctx, y, bias, y, batch, out_features, 1, act,
                            &second);
#endif
}

clrelu_status clrelu_dense_ev(clrelu_context *ctx, const clrelu_buffer *x,
                              const clrelu_buffer *w, const clrelu_buffer *bias,
                              clrelu_buffer *y, size_t batch,
                              size_t in_features, size_t out_features,
                              float alpha, const clrelu_events *ev) {
  const clrelu_act act = clrelu__act_of_alpha(alpha);
  return clrelu_dense_act_ev(ctx, x, w, bias, y, batch, in_features,
                             out_features, &act, ev);
}

clrelu_status clrelu_dense_act(clrelu_context *ctx, const clrelu_buffer *x,
                               const clrelu_buffer *w,
                               const clrelu_buffer *bias, clrelu_buffer *y,
                               size_t batch, size_t in_features,
                               size_t out_features, const clrelu_act *act) {
  return clrelu_dense_act_ev(ctx, x, w, bias, y, batch, in_features,
                             out_features, act, NULL);
}

clrelu_status clrelu_dense(clrelu_context *ctx, const clrelu_buffer *x,
                           const clrelu_buffer *w, const clrelu_buffer *bias,
                           clrelu_buffer *y, size_t batch, size_t in_features,
                           size_t out_features, float alpha) {
  return clrelu_dense_ev(ctx, x, w, bias, y, batch, in_features, out_features,
                         alpha, NULL);
}
