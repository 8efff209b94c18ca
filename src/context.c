/* Contexts: finding the device, owning or borrowing the queue. */
#include "internal.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct device_entry {
  cl_platform_id platform;
  cl_device_id device;
  cl_uint pi, di;
  cl_device_type type;
  char name[256];
} device_entry;

/* Where NVIDIA's OpenCL library lives when its driver is installed. */
static const char *nvidia_library(void) {
  static const char *const paths[] = {
      "/usr/lib/libnvidia-opencl.so.1",
      "/usr/lib/x86_64-linux-gnu/libnvidia-opencl.so.1",
      "/usr/lib64/libnvidia-opencl.so.1",
      "/usr/local/nvidia/lib64/libnvidia-opencl.so.1",
      "/usr/local/nvidia/lib/libnvidia-opencl.so.1",
  };
  for (size_t i = 0; i < sizeof paths / sizeof paths[0]; ++i)
    if (access(paths[i], R_OK) == 0)
      return paths[i];
  return NULL;
}

static char hint_text[320];
static void make_hint(void) {
  const char *lib = nvidia_library();
  if (lib && access("/etc/OpenCL/vendors/nvidia.icd", F_OK) != 0)
    snprintf(hint_text, sizeof hint_text,
             "NVIDIA's OpenCL driver is installed but not registered: as "
             "root, run 'echo %s > /etc/OpenCL/vendors/nvidia.icd'",
             lib);
}

const char *clrelu_driver_hint(void) {
  static pthread_once_t once = PTHREAD_ONCE_INIT;
  pthread_once(&once, make_hint);
  return hint_text;
}

/* Appends the one-line fix when NVIDIA's driver is there but not registered
 * with the ICD loader. */
static void append_nvidia_hint(void) {
  const char *hint = clrelu_driver_hint();
  if (hint[0])
    clrelu__append("; %s", hint);
}

static const char *type_name(cl_device_type t) {
  if (t & CL_DEVICE_TYPE_GPU)
    return "GPU";
  if (t & CL_DEVICE_TYPE_CPU)
    return "CPU";
  if (t & CL_DEVICE_TYPE_ACCELERATOR)
    return "accelerator";
  return "other";
}

/* Lists every device of every platform into *out (malloc'd). */
static clrelu_status list_devices(device_entry **out, size_t *count) {
  *out = NULL;
  *count = 0;
  cl_uint np = 0;
  cl_int err = clGetPlatformIDs(0, NULL, &np);
  if (err == -1001 /* CL_PLATFORM_NOT_FOUND_KHR */ ||
      (err == CL_SUCCESS && np == 0)) {
    clrelu__fail(CLRELU_ERROR_NO_DEVICE,
                 "no OpenCL platform found (clGetPlatformIDs: %s (%d)): "
                 "install an OpenCL driver, for example PoCL for the CPU "
                 "(Debian: apt-get install pocl-opencl-icd)",
                 clrelu__cl_name(err), (int)err);
    append_nvidia_hint();
    return CLRELU_ERROR_NO_DEVICE;
  }
  if (err != CL_SUCCESS)
    return clrelu__cl_fail(err, "clGetPlatformIDs");
  cl_platform_id *plats = malloc(np * sizeof *plats);
  if (!plats)
    return clrelu__fail(CLRELU_ERROR_OUT_OF_MEMORY, "out of host memory");
  err = clGetPlatformIDs(np, plats, NULL);
  if (err != CL_SUCCESS) {
    free(plats);
    return clrelu__cl_fail(err, "clGetPlatformIDs");
  }
  device_entry *list = NULL;
  size_t n = 0;
  clrelu_status st = CLRELU_SUCCESS;
  cl_int dev_err = CL_SUCCESS; /* the first failure to list a platform's */
  for (cl_uint p = 0; p < np && st == CLRELU_SUCCESS; ++p) {
    cl_uint nd = 0;
    err = clGetDeviceIDs(plats[p], CL_DEVICE_TYPE_ALL, 0, NULL, &nd);
    if (err != CL_SUCCESS && err != CL_DEVICE_NOT_FOUND && !dev_err)
      dev_err = err; /* reported below if no platform has a device */
    if (err != CL_SUCCESS || nd == 0)
      continue; /* a platform without devices is no error */
    cl_device_id *devs = malloc(nd * sizeof *devs);
    device_entry *grown = realloc(list, (n + nd) * sizeof *list);
    if (!devs || !grown) {
      free(devs);
      if (grown)
        list = grown;
      st = clrelu__fail(CLRELU_ERROR_OUT_OF_MEMORY, "out of host memory");
      break;
    }
    list = grown;
    err = clGetDeviceIDs(plats[p], CL_DEVICE_TYPE_ALL, nd, devs, NULL);
    if (err != CL_SUCCESS && !dev_err)
      dev_err = err;
    if (err == CL_SUCCESS) {
      for (cl_uint d = 0; d < nd; ++d) {
        device_entry *e = &list[n++];
        memset(e, 0, sizeof *e);
        e->platform = plats[p];
        e->device = devs[d];
        e->pi = p;
        e->di = d;
        clGetDeviceInfo(devs[d], CL_DEVICE_TYPE, sizeof e->type, &e->type,
                        NULL);
        clGetDeviceInfo(devs[d], CL_DEVICE_NAME, sizeof e->name - 1, e->name,
                        NULL);
      }
    }
    free(devs);
  }
  free(plats);
  if (st != CLRELU_SUCCESS) {
    free(list);
    return st;
  }
  if (n == 0 && dev_err) {
    free(list);
    return clrelu__cl_fail(dev_err, "clGetDeviceIDs");
  }
  if (n == 0) {
    free(list);
    clrelu__fail(CLRELU_ERROR_NO_DEVICE,
                 "OpenCL platforms found, but no devices: install an OpenCL "
                 "driver, for example PoCL for the CPU (Debian: apt-get "
                 "install pocl-opencl-icd)");
    append_nvidia_hint();
    return CLRELU_ERROR_NO_DEVICE;
  }
  *out = list;
  *count = n;
  return CLRELU_SUCCESS;
}

static int contains_nocase(const char *hay, const char *needle) {
  size_t nl = strlen(needle);
  for (; *hay; ++hay) {
    size_t i = 0;
    while (i < nl && hay[i] &&
           tolower((unsigned char)hay[i]) == tolower((unsigned char)needle[i]))
      ++i;
    if (i == nl)
      return 1;
  }
  return nl == 0;
}

static int equals_nocase(const char *a, const char *b) {
  for (; *a && *b; ++a, ++b)
    if (tolower((unsigned char)*a) != tolower((unsigned char)*b))
      return 0;
  return *a == *b;
}

/* Finds the entry spec names; NULL if none. */
static const device_entry *match(const device_entry *list, size_t n,
                                 const char *spec) {
  if (!spec) { /* the default: the first GPU, else the first device */
    for (size_t i = 0; i < n; ++i)
      if (list[i].type & CL_DEVICE_TYPE_GPU)
        return &list[i];
    return &list[0];
  }
  cl_device_type want = 0;
  if (equals_nocase(spec, "gpu"))
    want = CL_DEVICE_TYPE_GPU;
  else if (equals_nocase(spec, "cpu"))
    want = CL_DEVICE_TYPE_CPU;
  else if (equals_nocase(spec, "accelerator"))
    want = CL_DEVICE_TYPE_ACCELERATOR;
  if (want) {
    for (size_t i = 0; i < n; ++i)
      if (list[i].type & want)
        return &list[i];
    return NULL;
  }
  unsigned p, d;
  char tail;
  if (sscanf(spec, "%u:%u%c", &p, &d, &tail) == 2) {
    for (size_t i = 0; i < n; ++i)
      if (list[i].pi == p && list[i].di == d)
        return &list[i];
    return NULL;
  }
  for (size_t i = 0; i < n; ++i)
    if (contains_nocase(list[i].name, spec))
      return &list[i];
  return NULL;
}

/* A zeroed context with its lock and the given settings, which it owns
 * from now on (freed here on failure), or NULL (message set). */
static clrelu_context *context_new(clrelu_settings *settings) {
  clrelu_context *ctx = calloc(1, sizeof *ctx);
  if (!ctx) {
    clrelu__settings_free(settings);
    clrelu__fail(CLRELU_ERROR_OUT_OF_MEMORY, "out of host memory");
    return NULL;
  }
  if (pthread_mutex_init(&ctx->lock, NULL) != 0) {
    clrelu__settings_free(settings);
    free(ctx);
    clrelu__fail(CLRELU_ERROR_OUT_OF_MEMORY, "could not create a mutex");
    return NULL;
  }
  if (pthread_mutex_init(&ctx->build_lock, NULL) != 0) {
    pthread_mutex_destroy(&ctx->lock);
    pthread_mutex_destroy(&ctx->build_lock);
    clrelu__settings_free(settings);
    free(ctx);
    clrelu__fail(CLRELU_ERROR_OUT_OF_MEMORY, "could not create a mutex");
    return NULL;
  }
  atomic_init(&ctx->refs, 1);
  ctx->settings = *settings;
  return ctx;
}

static void context_free(clrelu_context *ctx) {
  for (int l = 0; l < CLRELU_LAYERS; ++l)
    if (ctx->layers[l].release)
      ctx->layers[l].release(ctx, ctx->layers[l].state);
  clrelu__program_release(ctx);
  if (ctx->no_bias)
    clReleaseMemObject(ctx->no_bias);
  if (ctx->last)
    clReleaseEvent(ctx->last);
  if (ctx->queue)
    clReleaseCommandQueue(ctx->queue);
  if (ctx->context)
    clReleaseContext(ctx->context);
  pthread_mutex_destroy(&ctx->lock);
  clrelu__settings_free(&ctx->settings);
  free(ctx);
}

/* Device facts, tuning and kernels, once device, context and queue are set. */
static clrelu_status context_finish_setup(clrelu_context *ctx,
                                          const clrelu_request *req) {
  cl_int err =
      clGetDeviceInfo(ctx->device, CL_DEVICE_NAME, sizeof ctx->device_name - 1,
                      ctx->device_name, NULL);
  if (err == CL_SUCCESS)
    err = clGetDeviceInfo(ctx->device, CL_DEVICE_MAX_MEM_ALLOC_SIZE,
                          sizeof ctx->max_alloc, &ctx->max_alloc, NULL);
  if (err == CL_SUCCESS)
    err =
        clGetDeviceInfo(ctx->device, CL_DEVICE_MEM_BASE_ADDR_ALIGN,
                        sizeof ctx->mem_align_bits, &ctx->mem_align_bits, NULL);
  if (err != CL_SUCCESS)
    return clrelu__cl_fail(err, "clGetDeviceInfo");
  float neg_zero = -0.0f;
  ctx->no_bias =
      clCreateBuffer(ctx->context, CL_MEM_READ_ONLY | CL_MEM_COPY_HOST_PTR,
                     sizeof neg_zero, &neg_zero, &err);
  if (err != CL_SUCCESS)
    return clrelu__cl_fail(err, "clCreateBuffer");
  clrelu_status st = clrelu__tuning_choose(ctx, req->tuning, req->tuning_from);
  if (st != CLRELU_SUCCESS)
    return st;
  return clrelu__program_build(ctx);
}

/* clrelu_context_create and clrelu_context_create_with, as fn. */
static clrelu_status create(const clrelu_options *opts, const char *fn,
                            clrelu_context **out) {
  if (!out)
    return clrelu__fail(CLRELU_ERROR_INVALID_ARGUMENT, "%s: out is NULL", fn);
  *out = NULL;
  clrelu_request req;
  clrelu_status st = clrelu__settings_read(opts, fn, &req);
  if (st != CLRELU_SUCCESS)
    return st;
  const char *spec = req.device;
  const char *from = req.device_from ? req.device_from : "the device argument";
  device_entry *list;
  size_t n;
  st = list_devices(&list, &n);
  if (st != CLRELU_SUCCESS) {
    clrelu__settings_free(&req.settings);
    return st;
  }
  const device_entry *e = match(list, n, spec);
  if (!e) {
    clrelu__fail(CLRELU_ERROR_NO_DEVICE,
                 "no OpenCL device matches \"%s\" (from %s; use \"gpu\", "
                 "\"cpu\", \"P:D\" or part of a name); devices:",
                 spec ? spec : "", from);
    for (size_t i = 0; list && i < n; ++i)
      clrelu__append(" %u:%u %s (%s)%s", list[i].pi, list[i].di, list[i].name,
                     type_name(list[i].type), i + 1 < n ? "," : "");
    if (spec && equals_nocase(spec, "gpu"))
      append_nvidia_hint();
    free(list);
    clrelu__settings_free(&req.settings);
    return CLRELU_ERROR_NO_DEVICE;
  }
  clrelu_context *ctx = context_new(&req.settings);
  if (!ctx) {
    free(list);
    return CLRELU_ERROR_OUT_OF_MEMORY;
  }
  ctx->platform = e->platform;
  ctx->device = e->device;
  free(list);

  cl_int err;
  cl_context_properties props[] = {CL_CONTEXT_PLATFORM,
                                   (cl_context_properties)ctx->platform, 0};
  ctx->context = clCreateContext(props, 1, &ctx->device, NULL, NULL, &err);
  if (!ctx->context) {
    st = clrelu__cl_fail(err, "clCreateContext");
    goto fail;
  }
  ctx->queue = clCreateCommandQueue(ctx->context, ctx->device,
                                    CL_QUEUE_PROFILING_ENABLE, &err);
  if (!ctx->queue) {
    st = clrelu__cl_fail(err, "clCreateCommandQueue");
    goto fail;
  }
  st = context_finish_setup(ctx, &req);
  if (st != CLRELU_SUCCESS)
    goto fail;
  *out = ctx;
  return CLRELU_SUCCESS;
fail:
  context_free(ctx);
  return st;
}

clrelu_status clrelu_context_create(const char *device, clrelu_context **out) {
  const clrelu_options opts = {.device = device};
  return create(&opts, "clrelu_context_create", out);
}

clrelu_status clrelu_context_create_with(const clrelu_options *opts,
                                         clrelu_context **out) {
  return create(opts, "clrelu_context_create_with", out);
}

/* clrelu_context_create_from_queue and its _with form, as fn. */
static clrelu_status create_from_queue(cl_command_queue queue,
                                       const clrelu_options *opts,
                                       const char *fn, clrelu_context **out) {
  if (!out)
    return clrelu__fail(CLRELU_ERROR_INVALID_ARGUMENT, "%s: out is NULL", fn);
  *out = NULL;
  if (!queue)
    return clrelu__fail(CLRELU_ERROR_INVALID_ARGUMENT, "%s: queue is NULL", fn);
  cl_context context;
  cl_device_id device;
  cl_command_queue_properties qprops = 0;
  cl_int err = clGetCommandQueueInfo(queue, CL_QUEUE_CONTEXT, sizeof context,
                                     &context, NULL);
  if (err == CL_SUCCESS)
    err = clGetCommandQueueInfo(queue, CL_QUEUE_DEVICE, sizeof device, &device,
                                NULL);
  if (err == CL_SUCCESS)
    err = clGetCommandQueueInfo(queue, CL_QUEUE_PROPERTIES, sizeof qprops,
                                &qprops, NULL);
  if (err == CL_INVALID_COMMAND_QUEUE)
    return clrelu__fail(CLRELU_ERROR_INVALID_ARGUMENT,
                        "%s: not a valid queue (clGetCommandQueueInfo: %s "
                        "(%d))",
                        fn, clrelu__cl_name(err), (int)err);
  if (err != CL_SUCCESS) {
    char what[96];
    snprintf(what, sizeof what, "%s: clGetCommandQueueInfo", fn);
    return clrelu__cl_fail(err, what);
  }
  clrelu_request req;
  clrelu_status st = clrelu__settings_read(opts, fn, &req);
  if (st != CLRELU_SUCCESS)
    return st;
  clrelu_context *ctx = context_new(&req.settings);
  if (!ctx)
    return CLRELU_ERROR_OUT_OF_MEMORY;
  ctx->device = device;
  /* The context and queue are held only once retained: context_free must
   * not release a reference that a failed retain did not take. */
  const char *what = "clGetDeviceInfo";
  err = clGetDeviceInfo(device, CL_DEVICE_PLATFORM, sizeof ctx->platform,
                        &ctx->platform, NULL);
  if (err == CL_SUCCESS) {
    what = "clRetainContext";
    if ((err = clRetainContext(context)) == CL_SUCCESS)
      ctx->context = context;
  }
  if (err == CL_SUCCESS) {
    what = "clRetainCommandQueue";
    if ((err = clRetainCommandQueue(queue)) == CL_SUCCESS)
      ctx->queue = queue;
  }
  if (err != CL_SUCCESS) {
    context_free(ctx);
    return clrelu__cl_fail(err, what);
  }
  ctx->out_of_order = (qprops & CL_QUEUE_OUT_OF_ORDER_EXEC_MODE_ENABLE) != 0;
  st = context_finish_setup(ctx, &req);
  if (st != CLRELU_SUCCESS) {
    context_free(ctx);
    return st;
  }
  *out = ctx;
  return CLRELU_SUCCESS;
}

clrelu_status clrelu_context_create_from_queue(cl_command_queue queue,
                                               clrelu_context **out) {
  return create_from_queue(queue, NULL, "clrelu_context_create_from_queue",
                           out);
}

clrelu_status clrelu_context_create_from_queue_with(cl_command_queue queue,
                                                    const clrelu_options *opts,
                                                    clrelu_context **out) {
  return create_from_queue(queue, opts, "clrelu_context_create_from_queue_with",
                           out);
}

void clrelu__context_release(clrelu_context *ctx) {
  if (ctx && atomic_fetch_sub(&ctx->refs, 1) == 1)
    context_free(ctx);
}

void clrelu_context_destroy(clrelu_context *ctx) {
  clrelu__context_release(ctx);
}

cl_command_queue clrelu_context_queue(const clrelu_context *ctx) {
  return ctx ? ctx->queue : NULL;
}

const char *clrelu_context_device_name(const clrelu_context *ctx) {
  return ctx ? ctx->device_name : "";
}

const char *clrelu_context_tuning(const clrelu_context *ctx) {
  return ctx ? ctx->tuning_text : "";
}

double clrelu_context_build_ms(const clrelu_context *ctx) {
  return ctx ? ctx->build_ms : 0.0;
}

const char *clrelu_context_build_source(const clrelu_context *ctx) {
  return !ctx ? "" : ctx->built_from_cache ? "binary cache" : "source";
}

clrelu_status clrelu_finish(clrelu_context *ctx) {
  if (!ctx)
    return clrelu__fail(CLRELU_ERROR_INVALID_ARGUMENT,
                        "clrelu_finish: ctx is NULL");
  cl_int err = clFinish(ctx->queue);
  return err == CL_SUCCESS ? CLRELU_SUCCESS : clrelu__cl_fail(err, "clFinish");
}
