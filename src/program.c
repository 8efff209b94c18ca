/* Building the program and its kernels. */
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define NAME_ELTWISE(C, ID, name, ...) [K_##ID] = "clrelu_" #name,
#define NAME_BIAS(C, ID, name, ...)                                            \
  [K_BIAS_##ID##_ROWS] = "clrelu_bias_" #name "_rows",                         \
  [K_BIAS_##ID##_PLANES] = "clrelu_bias_" #name "_planes",
#define NAME_SLOPE(C, ID, name, ...)                                           \
  [K_##ID##_ROWS] = "clrelu_" #name "_rows",                                   \
  [K_##ID##_PLANES] = "clrelu_" #name "_planes",
#define NAME_REDUCE(C, ID, name) [K_##ID] = "clrelu_" #name,
static const char *const kernel_names[K_COUNT] = {
    CLRELU_ELTWISE_OPS(NAME_ELTWISE, 0) CLRELU_BIAS_ACTS(NAME_BIAS, 0)
        CLRELU_SLOPE_OPS(NAME_SLOPE, 0) CLRELU_REDUCTIONS(NAME_REDUCE, 0)};

/* Kernel names end in the dtype's suffix. */
static const char *const dtype_suffix[CLRELU_DTYPES] = {
    [CLRELU_F32] = "", [CLRELU_F16] = "_f16", [CLRELU_BF16] = "_bf16"};

const char *clrelu__kernel_name(enum clrelu_kernel_id id) {
  return kernel_names[id];
}

const char *clrelu__dtype_suffix(clrelu_dtype dtype) {
  return dtype_suffix[dtype];
}

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
