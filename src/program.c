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
#define NAME_MASK(C, ID, name, ...)                                            \
  [K_MASK_##ID##_ROWS] = "clrelu_bias_" #name "_mask_rows",                    \
  [K_MASK_##ID##_PLANES] = "clrelu_bias_" #name "_mask_planes",
#define NAME_BACKWARD(C, ID, name)                                             \
  [K_##ID##_BLOCKS] = "clrelu_" #name "_blocks",                               \
  [K_##ID##_COLUMNS] = "clrelu_" #name "_columns",
static const char *const kernel_names[K_COUNT] = {
    CLRELU_ELTWISE_OPS(NAME_ELTWISE, 0) CLRELU_BIAS_ACTS(NAME_BIAS, 0)
        CLRELU_SLOPE_OPS(NAME_SLOPE, 0) CLRELU_REDUCTIONS(NAME_REDUCE, 0)
            CLRELU_BIAS_ACTS(NAME_MASK, 0)
                CLRELU_TRAIN_BACKWARDS(NAME_BACKWARD, 0)};

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

/* The build log of a program whose build failed, as the status. */
static clrelu_status build_failure(clrelu_context *ctx, cl_program program,
                                   cl_int err) {
  if (err != CL_BUILD_PROGRAM_FAILURE)
    return clrelu__cl_fail(err, "clBuildProgram");
  size_t log_size = 0;
  clGetProgramBuildInfo(program, ctx->device, CL_PROGRAM_BUILD_LOG, 0, NULL,
                        &log_size);
  char *log = malloc(log_size + 1);
  if (log) {
    log[0] = 0;
    clGetProgramBuildInfo(program, ctx->device, CL_PROGRAM_BUILD_LOG, log_size,
                          log, NULL);
    log[log_size] = 0;
  }
  clrelu_status st = clrelu__fail(
      CLRELU_ERROR_BUILD_FAILED,
      "building the kernels for %s failed; build log:\n", ctx->device_name);
  if (log)
    clrelu__append("%s", log);
  free(log);
  return st;
}

/* Builds family f's program for dtype d and creates its kernels; on
 * failure nothing of it is kept. *from_cache: it came from the binary
 * cache. */
static clrelu_status build_family(clrelu_context *ctx, int f, int d,
                                  int *from_cache) {
  char defines[320];
  const clrelu_tuning *t = &ctx->tuning;
  snprintf(defines, sizeof defines,
           "#define CLRELU_VEC %d\n#define CLRELU_ITEMS %d\n"
           "#define CLRELU_CONTIG %d\n#define CLRELU_NT %d\n"
           "#define CLRELU_FAMILY %d\n#define CLRELU_DTYPE %d\n",
           t->vec, t->items, t->contig, t->nt, f, d);
  const char *parts[3] = {defines, clrelu_act_source(), clrelu_kernel_source};
  size_t sizes[3] = {strlen(defines), clrelu__act_source_size(),
                     clrelu_kernel_source_size};
  /* No fast-math options: NaN, infinities and denormals must survive. -w:
   * PoCL otherwise prints ABI notes about wide vectors on every cold build. */
  static const char options[] = "-cl-std=CL1.2 -w";
  cl_int err = CL_SUCCESS;
  const int binaries = use_binary_cache(ctx);
  cl_program program =
      binaries ? clrelu__binary_load(ctx, defines, options) : NULL;
  *from_cache = program != NULL;
  if (!program) {
    program = clCreateProgramWithSource(ctx->context, 3, parts, sizes, &err);
    if (!program)
      return clrelu__cl_fail(err, "clCreateProgramWithSource");
    err = clBuildProgram(program, 1, &ctx->device, options, NULL, NULL);
    if (err == CL_SUCCESS && binaries)
      clrelu__binary_store(ctx, program, defines, options);
  }
  clrelu_status st = CLRELU_SUCCESS;
  if (err != CL_SUCCESS)
    st = build_failure(ctx, program, err);
  cl_kernel made[K_COUNT] = {NULL};
  for (int k = 0; k < K_COUNT && st == CLRELU_SUCCESS; ++k) {
    if (clrelu__kernel_family((enum clrelu_kernel_id)k) != f)
      continue;
    char name[64];
    snprintf(name, sizeof name, "%s%s", kernel_names[k], dtype_suffix[d]);
    made[k] = clCreateKernel(program, name, &err);
    if (!made[k]) {
      st = clrelu__cl_fail(err, "clCreateKernel");
      break;
    }
    size_t wg = 0;
    if (clGetKernelWorkGroupInfo(made[k], ctx->device,
                                 CL_KERNEL_WORK_GROUP_SIZE, sizeof wg, &wg,
                                 NULL) == CL_SUCCESS &&
        wg > 0 && wg < ctx->max_wg) {
      if (f == CLRELU_FAMILY_ELTWISE && d == CLRELU_F32)
        ctx->max_wg = wg; /* with the context: the launch shape fits it */
      else if (wg < (size_t)t->local)
        st = clrelu__fail(CLRELU_ERROR_UNSUPPORTED,
                          "%s takes work-groups of %zu at most, fewer than "
                          "the launch shape's %d",
                          name, wg, t->local);
    }
  }
  if (st != CLRELU_SUCCESS) {
    for (int k = 0; k < K_COUNT; ++k)
      if (made[k])
        clReleaseKernel(made[k]);
    clReleaseProgram(program);
    return st;
  }
  for (int k = 0; k < K_COUNT; ++k)
    if (made[k])
      ctx->kernels[k][d] = made[k];
  ctx->programs[f][d] = program;
  atomic_store(&ctx->built[f][d], 1);
  return CLRELU_SUCCESS;
}

clrelu_status clrelu__program_build(clrelu_context *ctx) {
  size_t dev_max = 0;
  clGetDeviceInfo(ctx->device, CL_DEVICE_MAX_WORK_GROUP_SIZE, sizeof dev_max,
                  &dev_max, NULL);
  ctx->max_wg = dev_max ? dev_max : 1;
  double t0 = now_ms();
  clrelu_status st = build_family(ctx, CLRELU_FAMILY_ELTWISE, CLRELU_F32,
                                  &ctx->built_from_cache);
  if (st != CLRELU_SUCCESS)
    return st;
  clrelu__tuning_fit(ctx);
  ctx->build_ms = now_ms() - t0;
  return CLRELU_SUCCESS;
}

clrelu_status clrelu__program_ready(clrelu_context *ctx,
                                    enum clrelu_kernel_id id,
                                    clrelu_dtype dtype) {
  const int f = clrelu__kernel_family(id), d = (int)dtype;
  if (atomic_load(&ctx->built[f][d]))
    return CLRELU_SUCCESS;
  pthread_mutex_lock(&ctx->build_lock);
  int from_cache = 0;
  clrelu_status st = atomic_load(&ctx->built[f][d])
                         ? CLRELU_SUCCESS
                         : build_family(ctx, f, d, &from_cache);
  pthread_mutex_unlock(&ctx->build_lock);
  return st;
}

void clrelu__program_release(clrelu_context *ctx) {
  for (int k = 0; k < K_COUNT; ++k)
    for (int d = 0; d < CLRELU_DTYPES; ++d)
      if (ctx->kernels[k][d]) {
        clReleaseKernel(ctx->kernels[k][d]);
        ctx->kernels[k][d] = NULL;
      }
  for (int f = 0; f < CLRELU_FAMILIES; ++f)
    for (int d = 0; d < CLRELU_DTYPES; ++d)
      if (ctx->programs[f][d]) {
        clReleaseProgram(ctx->programs[f][d]);
        ctx->programs[f][d] = NULL;
      }
}
