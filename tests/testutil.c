#include "testutil.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

int test_failures;
uint64_t test_seed = 20261122;
static uint64_t state;

void test_init(void) {
  const char *s = getenv("CLRELU_TEST_SEED");
  if (s && *s)
    test_seed = strtoull(s, NULL, 0);
  state = test_seed;
  setvbuf(stdout, NULL, _IOLBF, 0);
}

uint64_t test_rand(void) { /* splitmix64 */
  uint64_t z = (state += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

static float from_bits(uint32_t u) {
  float f;
  memcpy(&f, &u, sizeof f);
  return f;
}

float test_value(void) {
  uint64_t r = test_rand();
  uint32_t sign = (uint32_t)(r >> 63) << 31;
  switch (r % 40) {
  case 0: /* quiet and signalling NaNs with payloads, either sign */
    return from_bits(sign | 0x7f800000u |
                     (uint32_t)(((r >> 8) & 0x7fffff) | 1));
  case 1:
    return from_bits(sign | 0x7f800000u); /* +-inf */
  case 2:
    return from_bits(sign); /* +-0 */
  case 3:                   /* denormals */
    return from_bits(sign | (uint32_t)(((r >> 8) & 0x7fffff) | 1));
  case 4:
    return sign ? -FLT_MAX : FLT_MAX;
  case 5:
    return from_bits(sign | 0x00800000u); /* smallest normal */
  case 6:                                 /* any bit pattern */
    return from_bits((uint32_t)(r >> 16));
  default: { /* ordinary values around zero */
    double u = (double)((r >> 11) & ((1ull << 40) - 1)) / (double)(1ull << 40);
    return (float)((u - 0.5) * 200.0);
  }
  }
}

void test_fill(float *p, size_t n) {
  for (size_t i = 0; i < n; ++i)
    p[i] = test_value();
}

int test_same(float got, float want, int flush_ok) {
  if (isnan(got) && isnan(want))
    return 1;
  uint32_t g, w;
  memcpy(&g, &got, 4);
  memcpy(&w, &want, 4);
  if (g == w)
    return 1;
  if (flush_ok && fpclassify(want) == FP_SUBNORMAL && got == 0.0f &&
      signbit(got) == signbit(want))
    return 1;
  return 0;
}

clrelu_context *test_context(void) {
  clrelu_context *ctx = NULL;
  clrelu_status st = clrelu_context_create(NULL, &ctx);
  if (st == CLRELU_ERROR_NO_DEVICE && !getenv("CLRELU_REQUIRE_DEVICE")) {
    printf("SKIPPED: no OpenCL device: %s\n", clrelu_last_error());
    exit(SKIP_CODE);
  }
  if (st != CLRELU_SUCCESS) {
    fprintf(stderr, "cannot open a context: %s: %s\n", clrelu_status_string(st),
            clrelu_last_error());
    exit(1);
  }
  printf("device: %s; tuning: %s\n", clrelu_context_device_name(ctx),
         clrelu_context_tuning(ctx));
  return ctx;
}

int test_device_denorms(clrelu_context *ctx) {
  cl_device_id dev;
  cl_device_fp_config cfg = 0;
  if (clGetCommandQueueInfo(clrelu_context_queue(ctx), CL_QUEUE_DEVICE,
                            sizeof dev, &dev, NULL) != CL_SUCCESS ||
      clGetDeviceInfo(dev, CL_DEVICE_SINGLE_FP_CONFIG, sizeof cfg, &cfg,
                      NULL) != CL_SUCCESS)
    return 0;
  return (cfg & CL_FP_DENORM) != 0;
}

int test_finish(const char *name) {
  if (test_failures) {
    printf("%s: %d check(s) FAILED (seed %llu)\n", name, test_failures,
           (unsigned long long)test_seed);
    return 1;
  }
  printf("%s: all checks passed (seed %llu)\n", name,
         (unsigned long long)test_seed);
  return 0;
}

/* The dispatchers: each row's device, CPU and 16-bit CPU entry points. */
#define DEVICE_CASE(C, ID, name, inputs, param, ...)                           \
  case REF_##ID:                                                               \
    return clrelu_##name(ctx, CLRELU_IN_ARGS_##inputs(dy, x), y,               \
                         n CLRELU_PARAM_ARG_##param(alpha));
clrelu_status test_device_op(clrelu_context *ctx, enum ref_op op,
                             const clrelu_buffer *dy, const clrelu_buffer *x,
                             clrelu_buffer *y, size_t n, float alpha) {
  switch (op) {
    CLRELU_ELTWISE_OPS(DEVICE_CASE, 0)
  default:
    return CLRELU_ERROR_INVALID_ARGUMENT;
  }
}

#define CPU_CALL(name, inputs, param)                                          \
  clrelu_cpu_##name(CLRELU_IN_ARGS_##inputs(dy, x), y,                         \
                    n CLRELU_PARAM_ARG_##param(alpha))
#define CPU_CASE(C, ID, name, inputs, param, ...)                              \
  case REF_##ID:                                                               \
    CLRELU_UNLESS(CLRELU_PARAM_STATUS_##param, CPU_CALL(name, inputs, param);  \
                  return CLRELU_SUCCESS;)                                      \
    CLRELU_WHEN(CLRELU_PARAM_STATUS_##param,                                   \
                return CPU_CALL(name, inputs, param);)
clrelu_status test_cpu_op(enum ref_op op, const float *dy, const float *x,
                          float *y, size_t n, float alpha) {
  switch (op) {
    CLRELU_ELTWISE_OPS(CPU_CASE, 0)
  default:
    return CLRELU_ERROR_INVALID_ARGUMENT;
  }
}

#define CPU_HAS_STATUS(C, ID, name, inputs, param, ...)                        \
  [REF_##ID] = CLRELU_PARAM_STATUS_##param,
int test_cpu_op_has_status(enum ref_op op) {
  static const int has[REF_NOPS] = {CLRELU_ELTWISE_OPS(CPU_HAS_STATUS, 0)};
  return has[op];
}

#define CPU16_CASE(C, ID, name, inputs, param, ...)                            \
  case REF_##ID:                                                               \
    return clrelu_cpu_##name##_16(dtype, CLRELU_IN_ARGS_##inputs(dy, x), y,    \
                                  n CLRELU_PARAM_ARG_##param(alpha));
clrelu_status test_cpu16_op(clrelu_dtype dtype, enum ref_op op,
                            const uint16_t *dy, const uint16_t *x, uint16_t *y,
                            size_t n, float alpha) {
  switch (op) {
    CLRELU_ELTWISE_OPS(CPU16_CASE, 0)
  default:
    return CLRELU_ERROR_INVALID_ARGUMENT;
  }
}
