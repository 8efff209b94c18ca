/* Building the kernels, choosing their launch shape, and launching them. */
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *const kernel_names[K_COUNT] = {
    [K_RELU] = "clrelu_relu",
    [K_RELU_DERIVATIVE] = "clrelu_relu_derivative",
    [K_LEAKY_RELU] = "clrelu_leaky_relu",
    [K_RELU_BACKWARD] = "clrelu_relu_backward",
    [K_LEAKY_RELU_BACKWARD] = "clrelu_leaky_relu_backward",
    [K_BIAS_RELU_ROWS] = "clrelu_bias_relu_rows",
    [K_BIAS_LEAKY_RELU_ROWS] = "clrelu_bias_leaky_relu_rows",
    [K_BIAS_RELU_PLANES] = "clrelu_bias_relu_planes",
    [K_BIAS_LEAKY_RELU_PLANES] = "clrelu_bias_leaky_relu_planes",
};

/* Kernel names end in the dtype's suffix. */
static const char *const dtype_suffix[CLRELU_DTYPES] = {
    [CLRELU_F32] = "", [CLRELU_F16] = "_f16", [CLRELU_BF16] = "_bf16"};

/* ---- building ---- */

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* Whether to keep program binaries on disk: not where the implementation
 * has a kernel cache of its own (PoCL, NVIDIA), since asking PoCL for a
 * binary compiles every kernel (about 20 s here); the context's setting
 * ($CLRELU_BINARY_CACHE, 0 or 1, or clrelu_options.binary_cache) decides
 * otherwise. */
static int use_binary_cache(const clrelu_context *ctx) {
  if (ctx->settings.binary_cache)
    return ctx->settings.binary_cache > 0;
  char name[256] = "";
  if (clGetPlatformInfo(ctx->platform, CL_PLATFORM_NAME, sizeof name - 1, name,
                        NULL) != CL_SUCCESS)
    return 0; /* unknown: building from source is always right */
  return strstr(name, "Portable Computing Language") == NULL &&
         strstr(name, "NVIDIA") == NULL;
}

clrelu_status clrelu__program_build(clrelu_context *ctx) {
  char defines[256];
  const clrelu_tuning *t = &ctx->tuning;
  snprintf(defines, sizeof defines,
           "#define CLRELU_VEC %d\n#define CLRELU_ITEMS %d\n"
           "#define CLRELU_CONTIG %d\n#define CLRELU_NT %d\n",
           t->vec, t->items, t->contig, t->nt);
  const char *parts[2] = {defines, clrelu_kernel_source};
  size_t sizes[2] = {strlen(defines), clrelu_kernel_source_size};
  /* No fast-math options: NaN, infinities and denormals must survive. -w:
   * PoCL otherwise prints ABI notes about wide vectors on every cold build. */
  static const char options[] = "-cl-std=CL1.2 -w";
  double t0 = now_ms();
  cl_int err = CL_SUCCESS;
  const int binaries = use_binary_cache(ctx);
  ctx->program = binaries ? clrelu__binary_load(ctx, defines, options) : NULL;
  ctx->built_from_cache = ctx->program != NULL;
  if (!ctx->program) {
    ctx->program =
        clCreateProgramWithSource(ctx->context, 2, parts, sizes, &err);
    if (!ctx->program)
      return clrelu__cl_fail(err, "clCreateProgramWithSource");
    err = clBuildProgram(ctx->program, 1, &ctx->device, options, NULL, NULL);
    if (err == CL_SUCCESS && binaries)
      clrelu__binary_store(ctx, ctx->program, defines, options);
  }
  if (err != CL_SUCCESS) {
    size_t log_size = 0;
    clGetProgramBuildInfo(ctx->program, ctx->device, CL_PROGRAM_BUILD_LOG, 0,
                          NULL, &log_size);
    char *log = malloc(log_size + 1);
    if (log) {
      log[0] = 0;
      clGetProgramBuildInfo(ctx->program, ctx->device, CL_PROGRAM_BUILD_LOG,
                            log_size, log, NULL);
      log[log_size] = 0;
    }
    clrelu_status st =
        err == CL_BUILD_PROGRAM_FAILURE
            ? clrelu__fail(CLRELU_ERROR_BUILD_FAILED,
                           "building the kernels for %s failed; build log:\n",
                           ctx->device_name)
            : clrelu__cl_fail(err, "clBuildProgram");
    if (log && err == CL_BUILD_PROGRAM_FAILURE)
      clrelu__append("%s", log);
    free(log);
    return st;
  }
  size_t dev_max = 0;
  clGetDeviceInfo(ctx->device, CL_DEVICE_MAX_WORK_GROUP_SIZE, sizeof dev_max,
                  &dev_max, NULL);
  ctx->max_wg = dev_max ? dev_max : 1;
  for (int k = 0; k < K_COUNT; ++k)
    for (int d = 0; d < CLRELU_DTYPES; ++d) {
      char name[64];
      snprintf(name, sizeof name, "%s%s", kernel_names[k], dtype_suffix[d]);
      cl_kernel kern = clCreateKernel(ctx->program, name, &err);
      if (!kern)
        return clrelu__cl_fail(err, "clCreateKernel");
      ctx->kernels[k][d] = kern;
      size_t wg = 0;
      if (clGetKernelWorkGroupInfo(kern, ctx->device, CL_KERNEL_WORK_GROUP_SIZE,
                                   sizeof wg, &wg, NULL) == CL_SUCCESS &&
          wg > 0 && wg < ctx->max_wg)
        ctx->max_wg = wg;
    }
  clrelu__tuning_fit(ctx);
  ctx->build_ms = now_ms() - t0;
  return CLRELU_SUCCESS;
}

void clrelu__program_release(clrelu_context *ctx) {
  for (int k = 0; k < K_COUNT; ++k)
    for (int d = 0; d < CLRELU_DTYPES; ++d)
      if (ctx->kernels[k][d]) {
        clReleaseKernel(ctx->kernels[k][d]);
        ctx->kernels[k][d] = NULL;
      }
  if (ctx->program) {
    clReleaseProgram(ctx->program);
    ctx->program = NULL;
  }
}

/* ---- enqueueing ---- */

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
  launch_args l = {id, dtype, args, nargs, 0, (size_t)ctx->tuning.local};
  if (items == 0)
    items = 1;
  l.global = (items + l.local - 1) / l.local * l.local;
  cl_int err = clrelu__enqueue(ctx, do_launch, &l, ev);
  if (err != CL_SUCCESS) {
    char what[96];
    snprintf(what, sizeof what, "enqueueing %s%s", kernel_names[id],
             dtype_suffix[dtype]);
    return clrelu__cl_fail(err, what);
  }
  return CLRELU_SUCCESS;
}
