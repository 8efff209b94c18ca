/* The OpenCL side of clrelu-bench. */
#include "device.h"

#include "timer.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* clrelu's own kernels (the kernels/ folder), embedded at build time. */
extern const char bench_clrelu_source[];
extern const size_t bench_clrelu_source_size;

struct bench_device {
  clrelu_context *ctx;
  cl_command_queue queue; /* the context's own, profiling enabled */
  cl_program program, clrelu_program;
  cl_kernel bias_add, relu; /* relu: clrelu's clrelu_relu, built again */
  int vec, items, local;    /* the context's launch shape */
  clrelu_buffer *x[BENCH_NDTYPES], *dy[BENCH_NDTYPES], *y[BENCH_NDTYPES],
      *bias[BENCH_NDTYPES], *dslope; /* dslope: float32, for PReLU, and
                                        dbias, for the training passes */
  clrelu_buffer *mask;               /* cap bits */
  size_t cap;
  int gpu;
};

/* The bench's own kernels. bench_bias_add gives each work-item a chunk and
 * walks it in runs of one bias value (or of consecutive bias values when
 * inner == 1), so the inner loops vectorise and nothing divides per
 * element. Indices are 32-bit: the bench stays below 2^32 elements. */
static const char kernel_source[] =
    "kernel void bench_bias_add(global const float *restrict x,\n"
    "                           global const float *restrict b,\n"
    "                           global float *restrict y, uint n,\n"
    "                           uint channels, uint inner, uint chunk) {\n"
    "  uint i = (uint)get_global_id(0) * chunk;\n"
    "  if (i >= n)\n"
    "    return;\n"
    "  uint end = min(n, i + chunk);\n"
    "  if (inner == 1) {\n"
    "    uint c = i % channels;\n"
    "    while (i < end) {\n"
    "      uint m = min(end - i, channels - c);\n"
    "      for (uint j = 0; j < m; ++j)\n"
    "        y[i + j] = x[i + j] + b[c + j];\n"
    "      i += m;\n"
    "      c = 0;\n"
    "    }\n"
    "  } else {\n"
    "    uint c = (i / inner) % channels, k = i % inner;\n"
    "    while (i < end) {\n"
    "      uint m = min(end - i, inner - k);\n"
    "      float bv = b[c];\n"
    "      for (uint j = 0; j < m; ++j)\n"
    "        y[i + j] = x[i + j] + bv;\n"
    "      i += m;\n"
    "      k = 0;\n"
    "      c = c + 1 == channels ? 0 : c + 1;\n"
    "    }\n"
    "  }\n"
    "}\n";

int bdev_context_times(const char *spec, double build_ms[2],
                       double create_ms[2]) {
  for (int i = 0; i < 2; ++i) {
    clrelu_context *ctx;
    double t0 = bench_now();
    clrelu_status st = clrelu_context_create(spec, &ctx);
    create_ms[i] = (bench_now() - t0) * 1e3;
    if (st != CLRELU_SUCCESS)
      return bench_fail("clrelu_context_create", st);
    build_ms[i] = clrelu_context_build_ms(ctx);
    clrelu_context_destroy(ctx);
  }
  return 0;
}

/* Builds prefix followed by source for dev into *out. */
static int build_one(cl_context clctx, cl_device_id dev, const char *prefix,
                     const char *source, size_t size, const char *options,
                     cl_program *out) {
  const char *parts[2] = {prefix, source};
  size_t sizes[2] = {strlen(prefix), size};
  cl_int err;
  *out = clCreateProgramWithSource(clctx, 2, parts, sizes, &err);
  if (!*out)
    return bench_cl_fail("clCreateProgramWithSource", err);
  err = clBuildProgram(*out, 1, &dev, options, NULL, NULL);
  if (err != CL_SUCCESS) {
    char log[4096] = "";
    clGetProgramBuildInfo(*out, dev, CL_PROGRAM_BUILD_LOG, sizeof log - 1, log,
                          NULL);
    return bench_error("building kernels: OpenCL error %d: %s", (int)err, log);
  }
  return 0;
}

static int build_program(bench_device *d) {
  cl_context clctx;
  cl_device_id dev;
  cl_int err = clGetCommandQueueInfo(d->queue, CL_QUEUE_CONTEXT, sizeof clctx,
                                     &clctx, NULL);
  if (err == CL_SUCCESS)
    err = clGetCommandQueueInfo(d->queue, CL_QUEUE_DEVICE, sizeof dev, &dev,
                                NULL);
  if (err != CL_SUCCESS)
    return bench_cl_fail("clGetCommandQueueInfo", err);
  if (build_one(clctx, dev, "", kernel_source, sizeof kernel_source - 1, "",
                &d->program) != 0)
    return -1;
  d->bias_add = clCreateKernel(d->program, "bench_bias_add", &err);
  if (!d->bias_add)
    return bench_cl_fail("clCreateKernel bench_bias_add", err);
  /* clrelu's kernels with the context's launch shape and build options, as
   * the library builds them */
  int nt = 0, contig = 0;
  if (sscanf(clrelu_context_tuning(d->ctx),
             "vec=%d items=%d local=%d nt=%d contig=%d", &d->vec, &d->items,
             &d->local, &nt, &contig) != 5)
    return bench_error("cannot read the launch shape \"%s\"",
                       clrelu_context_tuning(d->ctx));
  /* the launch shape, then the activations' public source */
  const char *act = clrelu_act_source();
  char *prefix = malloc(256 + strlen(act));
  if (!prefix)
    return bench_error("out of memory");
  const int len = snprintf(prefix, 256,
                           "#define CLRELU_VEC %d\n#define CLRELU_ITEMS %d\n"
                           "#define CLRELU_CONTIG %d\n#define CLRELU_NT %d\n",
                           d->vec, d->items, contig, nt);
  strcpy(prefix + len, act);
  const int built = build_one(clctx, dev, prefix, bench_clrelu_source,
                              bench_clrelu_source_size, "-cl-std=CL1.2 -w",
                              &d->clrelu_program);
  free(prefix);
  if (built != 0)
    return -1;
  d->relu = clCreateKernel(d->clrelu_program, "clrelu_relu", &err);
  if (!d->relu)
    return bench_cl_fail("clCreateKernel clrelu_relu", err);
  return 0;
}

static int make_buffer(bench_device *d, clrelu_dtype dtype, size_t n,
                       clrelu_buffer **out) {
  clrelu_status st = clrelu_buffer_create(d->ctx, dtype, n, out);
  return st == CLRELU_SUCCESS ? 0 : bench_fail("clrelu_buffer_create", st);
}

static int make_buffers(bench_device *d, clrelu_dtype t, size_t cap,
                        size_t bias_cap) {
  if (make_buffer(d, t, cap, &d->x[t]) != 0 ||
      make_buffer(d, t, cap, &d->dy[t]) != 0 ||
      make_buffer(d, t, cap, &d->y[t]) != 0 ||
      make_buffer(d, t, bias_cap, &d->bias[t]) != 0 ||
      (!d->dslope && make_buffer(d, CLRELU_F32, bias_cap, &d->dslope) != 0) ||
      (!d->mask && make_buffer(d, CLRELU_MASK, cap, &d->mask) != 0))
    return -1;
  return 0;
}

int bdev_create(bench_device **out, const char *spec, size_t cap,
                size_t bias_cap, const int dtypes[BENCH_NDTYPES]) {
  *out = NULL;
  bench_device *d = calloc(1, sizeof *d);
  if (!d)
    return bench_error("out of memory");
  d->cap = cap;
  clrelu_status st = clrelu_context_create(spec, &d->ctx);
  if (st != CLRELU_SUCCESS) {
    free(d);
    return bench_fail("clrelu_context_create", st);
  }
  d->queue = clrelu_context_queue(d->ctx);
  cl_device_id dev;
  cl_device_type type = 0;
  if (clGetCommandQueueInfo(d->queue, CL_QUEUE_DEVICE, sizeof dev, &dev,
                            NULL) == CL_SUCCESS &&
      clGetDeviceInfo(dev, CL_DEVICE_TYPE, sizeof type, &type, NULL) ==
          CL_SUCCESS)
    d->gpu = (type & CL_DEVICE_TYPE_GPU) != 0;
  int rc = build_program(d);
  /* float32 always: the two-pass composition and the copies use it */
  for (int t = 0; t < BENCH_NDTYPES && rc == 0; ++t)
    if (t == CLRELU_F32 || dtypes[t])
      rc = make_buffers(d, (clrelu_dtype)t, cap, bias_cap);
  if (rc != 0) {
    bdev_destroy(d);
    return -1;
  }
  *out = d;
  return 0;
}

void bdev_destroy(bench_device *d) {
  if (!d)
    return;
  if (d->ctx)
    clrelu_finish(d->ctx);
  for (int t = 0; t < BENCH_NDTYPES; ++t) {
    clrelu_buffer_destroy(d->x[t]);
    clrelu_buffer_destroy(d->dy[t]);
    clrelu_buffer_destroy(d->y[t]);
    clrelu_buffer_destroy(d->bias[t]);
  }
  clrelu_buffer_destroy(d->dslope);
  clrelu_buffer_destroy(d->mask);
  if (d->bias_add)
    clReleaseKernel(d->bias_add);
  if (d->relu)
    clReleaseKernel(d->relu);
  if (d->clrelu_program)
    clReleaseProgram(d->clrelu_program);
  if (d->program)
    clReleaseProgram(d->program);
  clrelu_context_destroy(d->ctx);
  free(d);
}

clrelu_context *bdev_context(const bench_device *d) { return d->ctx; }

int bdev_is_gpu(const bench_device *d) { return d->gpu; }

int bdev_upload(bench_device *d, clrelu_dtype t, const void *x, const void *dy,
                const void *bias, size_t n, size_t nb) {
  if (!d->x[t])
    return bench_error("internal: no %s buffers", bench_dtype_names[t]);
  clrelu_status st = clrelu_buffer_write(d->x[t], 0, n, x);
  if (st == CLRELU_SUCCESS)
    st = clrelu_buffer_write(d->dy[t], 0, n, dy);
  if (st == CLRELU_SUCCESS)
    st = clrelu_buffer_write(d->y[t], 0, n, x);
  if (st == CLRELU_SUCCESS)
    st = clrelu_buffer_write(d->bias[t], 0, nb, bias);
  return st == CLRELU_SUCCESS ? 0 : bench_fail("clrelu_buffer_write", st);
}

#define OP_FN(C, ID, name, ...) [OP_##ID] = "clrelu_" #name "_ev",
#define BIAS_FN(C, ID, ...) [OP_BIAS_##ID] = "clrelu_bias_act_ev",
#define TRAIN_FN(ID, name, ...) [OP_##ID] = "clrelu_" #name "_ev",
static const char *const op_fn[OP_COUNT] = {
    CLRELU_ELTWISE_OPS(OP_FN, 0) CLRELU_BIAS_ACTS(BIAS_FN, 0)
        CLRELU_SLOPE_OPS(OP_FN, 0) BENCH_TRAIN_OPS(TRAIN_FN)};

/* Enqueues the op on the device buffers of its dtype, y the output. */
#define DEVICE_CASE(C, ID, name, inputs, param, ...)                           \
  case OP_##ID:                                                                \
    return clrelu_##name##_ev(d->ctx, CLRELU_IN_ARGS_##inputs(dy, x), y,       \
                              s->n CLRELU_PARAM_ARG_##param(s->alpha), ev);
#define BIAS_CASE(C, ID, ...) case OP_BIAS_##ID:
static clrelu_status enqueue_op(bench_device *d, const op_shape *s,
                                const clrelu_events *ev) {
  clrelu_dtype t = s->dtype;
  clrelu_buffer *x = d->x[t], *dy = d->dy[t], *y = d->y[t];
  if (!x)
    return CLRELU_ERROR_INVALID_ARGUMENT;
  switch (s->op) {
    CLRELU_ELTWISE_OPS(DEVICE_CASE, 0)
    CLRELU_BIAS_ACTS(BIAS_CASE, 0) {
      const clrelu_act act = bench_act(s);
      return clrelu_bias_act_ev(d->ctx, x, d->bias[t], y, s->outer, s->channels,
                                s->inner, &act, ev);
    }
  case OP_PRELU:
    return clrelu_prelu_ev(d->ctx, x, d->bias[t], y, s->outer, s->channels,
                           s->inner, ev);
  case OP_BIAS_PRELU:
    return clrelu_bias_prelu_ev(d->ctx, x, d->bias[t], d->bias[t], y, s->outer,
                                s->channels, s->inner, ev);
  case OP_PRELU_BACKWARD:
    return clrelu_prelu_backward_ev(d->ctx, dy, x, d->bias[t], y, d->dslope,
                                    s->outer, s->channels, s->inner, ev);
  case OP_BIAS_ACT_MASK: {
    const clrelu_act act = bench_act(s);
    return clrelu_bias_act_mask_ev(d->ctx, x, d->bias[t], y, d->mask, s->outer,
                                   s->channels, s->inner, &act, ev);
  }
  case OP_ACT_BACKWARD_MASK: {
    const clrelu_act act = bench_act(s);
    return clrelu_act_backward_mask_ev(d->ctx, dy, d->mask, y, d->dslope,
                                       s->outer, s->channels, s->inner, &act,
                                       ev);
  }
  case OP_BIAS_ACT_BACKWARD: {
    const clrelu_act act = bench_act(s);
    return clrelu_bias_act_backward_ev(d->ctx, dy, x, d->bias[t], y, d->dslope,
                                       s->outer, s->channels, s->inner, &act,
                                       ev);
  }
  default:
    return CLRELU_ERROR_INVALID_ARGUMENT;
  }
}

typedef struct karg {
  size_t size;
  const void *value;
} karg;

/* clSetKernelArg for arguments 0..n-1; the first error. */
static cl_int set_args(cl_kernel k, const karg *a, int n) {
  for (int i = 0; i < n; ++i) {
    cl_int err = clSetKernelArg(k, (cl_uint)i, a[i].size, a[i].value);
    if (err != CL_SUCCESS)
      return err;
  }
  return CL_SUCCESS;
}

/* Seconds from first's START to last's END. */
static int event_span(cl_event first, cl_event last, double *s) {
  cl_ulong t0 = 0, t1 = 0;
  cl_int err = clGetEventProfilingInfo(first, CL_PROFILING_COMMAND_START,
                                       sizeof t0, &t0, NULL);
  if (err == CL_SUCCESS)
    err = clGetEventProfilingInfo(last, CL_PROFILING_COMMAND_END, sizeof t1,
                                  &t1, NULL);
  if (err != CL_SUCCESS)
    return bench_cl_fail("clGetEventProfilingInfo", err);
  *s = t1 > t0 ? (double)(t1 - t0) * 1e-9 : 0.0;
  return 0;
}

int bdev_resident(bench_device *d, const op_shape *s, double *kernel_s,
                  double *call_s) {
  /* Ops of several commands (a sum's levels after the first kernel) hand
   * back the last one's event: a marker the op waits for starts the span. */
  cl_event start = NULL, done = NULL;
  double t0 = bench_now();
  cl_int err = clEnqueueMarkerWithWaitList(d->queue, 0, NULL, &start);
  if (err != CL_SUCCESS)
    return bench_cl_fail("clEnqueueMarkerWithWaitList", err);
  clrelu_events ev = {1, &start, &done};
  clrelu_status st = enqueue_op(d, s, &ev);
  if (st != CLRELU_SUCCESS) {
    clReleaseEvent(start);
    return bench_fail(op_fn[s->op], st);
  }
  st = clrelu_finish(d->ctx);
  *call_s = bench_now() - t0;
  int rc = st == CLRELU_SUCCESS ? 0 : bench_fail("clrelu_finish", st);
  if (rc == 0 && !done)
    rc = bench_error("%s returned no event", op_fn[s->op]);
  if (rc == 0)
    rc = event_span(start, done, kernel_s);
  clReleaseEvent(start);
  if (done)
    clReleaseEvent(done);
  return rc;
}

int bdev_e2e(bench_device *d, const op_shape *s, const void *hx,
             const void *hdy, void *hy, double *call_s) {
  clrelu_dtype t = s->dtype;
  if (!d->x[t])
    return bench_error("internal: no %s buffers", bench_dtype_names[t]);
  double t0 = bench_now();
  clrelu_status st = clrelu_buffer_write(d->x[t], 0, s->n, hx);
  if (st == CLRELU_SUCCESS && bench_ops[s->op].inputs == 2)
    st = clrelu_buffer_write(d->dy[t], 0, s->n, hdy);
  if (st != CLRELU_SUCCESS)
    return bench_fail("clrelu_buffer_write", st);
  st = enqueue_op(d, s, NULL);
  if (st != CLRELU_SUCCESS)
    return bench_fail(op_fn[s->op], st);
  st = clrelu_buffer_read(d->y[t], 0, s->n, hy);
  *call_s = bench_now() - t0;
  return st == CLRELU_SUCCESS ? 0 : bench_fail("clrelu_buffer_read", st);
}

/* The cl_mem of a buffer made by clrelu_buffer_create (offset 0). */
static cl_mem mem_of(const clrelu_buffer *b) {
  size_t offset;
  return clrelu_buffer_mem(b, &offset);
}

/* Work-items of bench_bias_add over n elements, and each one's chunk. */
static void bias_add_shape(size_t n, size_t *items, cl_uint *chunk) {
  size_t it = (n + 4095) / 4096;
  if (it > 256)
    it = 256;
  if (it < 1)
    it = 1;
  size_t c = (n + it - 1) / it;
  c = (c + 15) & ~(size_t)15; /* whole 64-byte lines */
  *items = (n + c - 1) / c;
  *chunk = (cl_uint)c;
}

int bdev_two_pass(bench_device *d, const op_shape *s, double *kernel_s,
                  double *call_s, double *add_s) {
  if (s->n > UINT32_MAX)
    return bench_error("two-pass: %zu elements is beyond the bench's "
                       "bias-add kernel",
                       s->n);
  if (s->dtype != CLRELU_F32)
    return bench_error("internal: two-pass runs on float32 only");
  cl_uint n = (cl_uint)s->n, channels = (cl_uint)s->channels,
          inner = (cl_uint)s->inner, chunk;
  if (channels == 1) /* one bias value for everything */
    inner = n;
  size_t items, local = 1;
  bias_add_shape(s->n, &items, &chunk);
  cl_mem xm = mem_of(d->x[CLRELU_F32]), bm = mem_of(d->bias[CLRELU_F32]),
         ym = mem_of(d->y[CLRELU_F32]);
  clrelu_buffer *y = d->y[CLRELU_F32];
  cl_event first = NULL, last = NULL;
  double t0 = bench_now();
  karg args[] = {{sizeof xm, &xm},
                 {sizeof bm, &bm},
                 {sizeof ym, &ym},
                 {sizeof n, &n},
                 {sizeof channels, &channels},
                 {sizeof inner, &inner},
                 {sizeof chunk, &chunk}};
  cl_int err = set_args(d->bias_add, args, 7);
  if (err != CL_SUCCESS)
    return bench_cl_fail("clSetKernelArg bench_bias_add", err);
  err = clEnqueueNDRangeKernel(d->queue, d->bias_add, 1, NULL, &items, &local,
                               0, NULL, &first);
  if (err != CL_SUCCESS)
    return bench_cl_fail("clEnqueueNDRangeKernel bench_bias_add", err);
  clrelu_events ev = {0, NULL, &last};
  clrelu_status st = s->alpha == 0.0f ? clrelu_relu_ev(d->ctx, y, y, s->n, &ev)
                                      : clrelu_leaky_relu_ev(d->ctx, y, y, s->n,
                                                             s->alpha, &ev);
  int rc = 0;
  if (st != CLRELU_SUCCESS)
    rc = bench_fail(
        s->alpha == 0.0f ? "clrelu_relu_ev" : "clrelu_leaky_relu_ev", st);
  clrelu_status fst = clrelu_finish(d->ctx);
  *call_s = bench_now() - t0;
  if (rc == 0 && fst != CLRELU_SUCCESS)
    rc = bench_fail("clrelu_finish", fst);
  if (rc == 0)
    rc = event_span(first, last, kernel_s);
  if (rc == 0)
    rc = event_span(first, first, add_s);
  clReleaseEvent(first);
  if (last)
    clReleaseEvent(last);
  return rc;
}

int bdev_cl_copy(bench_device *d, size_t n, double *kernel_s) {
  cl_mem xm = mem_of(d->x[CLRELU_F32]), ym = mem_of(d->y[CLRELU_F32]);
  cl_event ev = NULL;
  cl_int err = clEnqueueCopyBuffer(d->queue, xm, ym, 0, 0, n * sizeof(float), 0,
                                   NULL, &ev);
  if (err != CL_SUCCESS)
    return bench_cl_fail("clEnqueueCopyBuffer", err);
  err = clFinish(d->queue);
  int rc = err == CL_SUCCESS ? event_span(ev, ev, kernel_s)
                             : bench_cl_fail("clFinish", err);
  clReleaseEvent(ev);
  return rc;
}

int bdev_overhead_clrelu(bench_device *d, int calls, size_t n,
                         double *per_call_s) {
  double t0 = bench_now();
  for (int i = 0; i < calls; ++i) {
    clrelu_status st =
        clrelu_relu(d->ctx, d->x[CLRELU_F32], d->y[CLRELU_F32], n);
    if (st != CLRELU_SUCCESS) {
      clrelu_finish(d->ctx);
      return bench_fail("clrelu_relu", st);
    }
  }
  clrelu_status st = clrelu_finish(d->ctx);
  *per_call_s = (bench_now() - t0) / calls;
  return st == CLRELU_SUCCESS ? 0 : bench_fail("clrelu_finish", st);
}

int bdev_overhead_bare(bench_device *d, int calls, size_t n,
                       double *per_call_s) {
  cl_mem xm = mem_of(d->x[CLRELU_F32]), ym = mem_of(d->y[CLRELU_F32]);
  cl_ulong zero = 0, cn = n;
  float a = 0.0f;
  karg args[] = {{sizeof xm, &xm},     {sizeof zero, &zero}, {sizeof ym, &ym},
                 {sizeof zero, &zero}, {sizeof cn, &cn},     {sizeof a, &a}};
  /* the library's geometry: a work-item per `items` vectors, at least one,
   * rounded up to whole groups */
  size_t local = (size_t)d->local, nvec = n / (size_t)d->vec;
  size_t wi = (nvec + (size_t)d->items - 1) / (size_t)d->items;
  size_t global = ((wi ? wi : 1) + local - 1) / local * local;
  double t0 = bench_now();
  for (int i = 0; i < calls; ++i) {
    cl_int err = set_args(d->relu, args, (int)(sizeof args / sizeof args[0]));
    if (err == CL_SUCCESS)
      err = clEnqueueNDRangeKernel(d->queue, d->relu, 1, NULL, &global, &local,
                                   0, NULL, NULL);
    if (err != CL_SUCCESS) {
      clFinish(d->queue);
      return bench_cl_fail("clrelu_relu launch", err);
    }
  }
  cl_int err = clFinish(d->queue);
  *per_call_s = (bench_now() - t0) / calls;
  return err == CL_SUCCESS ? 0 : bench_cl_fail("clFinish", err);
}
