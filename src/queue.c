/* The queue: clrelu's commands under the context's lock, chained in issue
 * order on out-of-order queues, with their events handed to the caller. */
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>

cl_int clrelu__enqueue(clrelu_context *ctx, clrelu_enqueue_fn fn, void *user,
                       const clrelu_events *ev) {
  cl_uint nuser = ev ? ev->num_wait : 0;
  cl_event small[8];
  cl_event *wait = small;
  if (nuser + 1 > sizeof small / sizeof small[0]) {
    wait = malloc((nuser + 1) * sizeof *wait);
    if (!wait)
      return CL_OUT_OF_HOST_MEMORY;
  }
  for (cl_uint i = 0; i < nuser; ++i)
    wait[i] = ev->wait[i];
  int want_done = ev && ev->done;
  pthread_mutex_lock(&ctx->lock);
  cl_uint nwait = nuser;
  /* On an out-of-order queue, chain clrelu's commands in issue order. */
  if (ctx->out_of_order && ctx->last)
    wait[nwait++] = ctx->last;
  cl_event out = NULL;
  cl_int err = fn(ctx, user, nwait, nwait ? wait : NULL,
                  ctx->out_of_order || want_done ? &out : NULL);
  if (err == CL_SUCCESS && out) {
    if (ctx->out_of_order) {
      /* The chain and the caller each hold a reference. Without a second
       * one the caller takes out and the chain a marker behind it; without
       * that either, out is waited for and there is nothing to chain. */
      cl_event chain = out;
      if (want_done && clRetainEvent(out) != CL_SUCCESS &&
          clEnqueueMarkerWithWaitList(ctx->queue, 1, &out, &chain) !=
              CL_SUCCESS) {
        clWaitForEvents(1, &out);
        chain = NULL;
      }
      if (ctx->last)
        clReleaseEvent(ctx->last);
      ctx->last = chain;
    }
  }
  pthread_mutex_unlock(&ctx->lock);
  if (want_done)
    *ev->done = err == CL_SUCCESS ? out : NULL;
  if (wait != small)
    free(wait);
  return err;
}

static cl_int do_marker(clrelu_context *ctx, void *user, cl_uint nwait,
                        const cl_event *wait, cl_event *out) {
  (void)user;
  return clEnqueueMarkerWithWaitList(ctx->queue, nwait, wait, out);
}

clrelu_status clrelu__marker(clrelu_context *ctx, const clrelu_events *ev) {
  if (!ev || !ev->done)
    return CLRELU_SUCCESS;
  cl_int err = clrelu__enqueue(ctx, do_marker, NULL, ev);
  return err == CL_SUCCESS
             ? CLRELU_SUCCESS
             : clrelu__cl_fail(err, "clEnqueueMarkerWithWaitList");
}

typedef struct launch_args {
  enum clrelu_kernel_id id;
  clrelu_dtype dtype;
  const clrelu_arg *args;
  cl_uint nargs;
  size_t global, local;
} launch_args;

static cl_int do_launch(clrelu_context *ctx, void *user, cl_uint nwait,
                        const cl_event *wait, cl_event *ev) {
  const launch_args *l = user;
  cl_kernel k = ctx->kernels[l->id][l->dtype];
  for (cl_uint i = 0; i < l->nargs; ++i) {
    cl_int err = clSetKernelArg(k, i, l->args[i].size, l->args[i].value);
    if (err != CL_SUCCESS)
      return err;
  }
  return clEnqueueNDRangeKernel(ctx->queue, k, 1, NULL, &l->global, &l->local,
                                nwait, wait, ev);
}

clrelu_status clrelu__launch(clrelu_context *ctx, enum clrelu_kernel_id id,
                             clrelu_dtype dtype, const clrelu_arg *args,
                             cl_uint nargs, size_t items,
                             const clrelu_events *ev) {
  return clrelu__launch_local(ctx, id, dtype, args, nargs, items,
                              (size_t)ctx->tuning.local, ev);
}

clrelu_status clrelu__launch_local(clrelu_context *ctx,
                                   enum clrelu_kernel_id id, clrelu_dtype dtype,
                                   const clrelu_arg *args, cl_uint nargs,
                                   size_t items, size_t local,
                                   const clrelu_events *ev) {
  clrelu_status st = clrelu__program_ready(ctx, id, dtype);
  if (st != CLRELU_SUCCESS) {
    if (ev && ev->done)
      *ev->done = NULL;
    return st;
  }
  launch_args l = {id, dtype, args, nargs, 0, local};
  if (items == 0)
    items = 1;
  l.global = (items + l.local - 1) / l.local * l.local;
  cl_int err = clrelu__enqueue(ctx, do_launch, &l, ev);
  if (err != CL_SUCCESS) {
    char what[96];
    snprintf(what, sizeof what, "enqueueing %s%s", clrelu__kernel_name(id),
             clrelu__dtype_suffix(dtype));
    return clrelu__cl_fail(err, what);
  }
  return CLRELU_SUCCESS;
}
