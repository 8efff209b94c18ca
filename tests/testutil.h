/* Small helpers shared by the tests: checks, seeded inputs, bit compares. */
#ifndef CLRELU_TESTUTIL_H
#define CLRELU_TESTUTIL_H

#include "clrelu.h"
#include "reference.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define SKIP_CODE 77

extern int test_failures;
extern uint64_t test_seed;

/* Records a failure with its place and the seed, and continues. */
#define CHECK(cond, ...)                                                       \
  do {                                                                         \
    if (!(cond)) {                                                             \
      fprintf(stderr, "%s:%d: FAILED: %s (seed %llu): ", __FILE__, __LINE__,   \
              #cond, (unsigned long long)test_seed);                           \
      fprintf(stderr, __VA_ARGS__);                                            \
      fputc('\n', stderr);                                                     \
      ++test_failures;                                                         \
    }                                                                          \
  } while (0)

/* CHECK that a call returned want; prints clrelu_last_error() if not. */
#define CHECK_STATUS(call, want)                                               \
  do {                                                                         \
    clrelu_status st_ = (call);                                                \
    CHECK(st_ == (want), "got %s, want %s; last error: %s",                    \
          clrelu_status_string(st_), clrelu_status_string(want),               \
          clrelu_last_error());                                                \
  } while (0)

/* Seeds the generator from $CLRELU_TEST_SEED or a fixed default. */
void test_init(void);
uint64_t test_rand(void);
/* One input value: mostly ordinary numbers, with NaNs, infinities, signed
 * zeros, denormals and the largest finite values mixed in. */
float test_value(void);
void test_fill(float *p, size_t n);

/* Whether got is an acceptable result for want: the same bits, or both NaN;
 * when flush_ok, a denormal want may also come back as a zero of its sign. */
int test_same(float got, float want, int flush_ok);

/* Opens the context the tests run on ($CLRELU_DEVICE, else the default).
 * Exits with SKIP_CODE when there is no device, unless
 * $CLRELU_REQUIRE_DEVICE is set. */
clrelu_context *test_context(void);
/* Whether the context's device keeps float denormals (CL_FP_DENORM). */
int test_device_denorms(clrelu_context *ctx);

/* Runs elementwise op on the device (dy is read by the backward ops). */
clrelu_status test_device_op(clrelu_context *ctx, enum ref_op op,
                             const clrelu_buffer *dy, const clrelu_buffer *x,
                             clrelu_buffer *y, size_t n, float alpha);

/* The same op through clrelu_cpu_<name> (SUCCESS for those that return
 * nothing) and clrelu_cpu_<name>_16. */
clrelu_status test_cpu_op(enum ref_op op, const float *dy, const float *x,
                          float *y, size_t n, float alpha);
/* Whether op's float32 CPU function returns a status (it can refuse its
 * parameter). */
int test_cpu_op_has_status(enum ref_op op);
clrelu_status test_cpu16_op(clrelu_dtype dtype, enum ref_op op,
                            const uint16_t *dy, const uint16_t *x, uint16_t *y,
                            size_t n, float alpha);

/* Prints the summary line and returns main's exit code. */
int test_finish(const char *name);

#endif
