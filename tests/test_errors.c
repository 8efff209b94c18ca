/* Every bad call answers its documented status and message, changes no
 * buffer, and leaves the context usable. */
#include "reference.h"
#include "testutil.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define N 64
static clrelu_context *ctx, *other;
static clrelu_buffer *x, *y, *dy, *bias, *h16;
static float hx[N], hy[N], hdy[N], hb[N];

/* The buffers still hold what they held before the failed call. */
static void check_unchanged(const char *call) {
  float got[N];
  const clrelu_buffer *bufs[] = {x, y, dy, bias};
  const float *want[] = {hx, hy, hdy, hb};
  for (int b = 0; b < 4; ++b) {
    CHECK_STATUS(clrelu_buffer_read(bufs[b], 0, N, got), CLRELU_SUCCESS);
    CHECK(memcmp(got, want[b], sizeof got) == 0, "%s changed buffer %d", call,
          b);
  }
}

#define FAILS(call, want)                                                      \
  do {                                                                         \
    CHECK_STATUS(call, want);                                                  \
    CHECK(clrelu_last_error()[0] != 0, "%s: no message", #call);               \
    check_unchanged(#call);                                                    \
  } while (0)

int main(void) {
  test_init();
  ctx = test_context();
  CHECK_STATUS(clrelu_context_create(NULL, &other), CLRELU_SUCCESS);
  test_fill(hx, N);
  test_fill(hy, N);
  test_fill(hdy, N);
  test_fill(hb, N);
  CHECK_STATUS(clrelu_buffer_create(ctx, CLRELU_F32, N, &x), CLRELU_SUCCESS);
  CHECK_STATUS(clrelu_buffer_create(ctx, CLRELU_F32, N, &y), CLRELU_SUCCESS);
  CHECK_STATUS(clrelu_buffer_create(ctx, CLRELU_F32, N, &dy), CLRELU_SUCCESS);
  CHECK_STATUS(clrelu_buffer_create(ctx, CLRELU_F32, N, &bias), CLRELU_SUCCESS);
  CHECK_STATUS(clrelu_buffer_create(ctx, CLRELU_F16, N, &h16), CLRELU_SUCCESS);
  clrelu_buffer_write(x, 0, N, hx);
  clrelu_buffer_write(y, 0, N, hy);
  clrelu_buffer_write(dy, 0, N, hdy);
  clrelu_buffer_write(bias, 0, N, hb);
  clrelu_buffer *ox = NULL;
  CHECK_STATUS(clrelu_buffer_create(other, CLRELU_F32, N, &ox), CLRELU_SUCCESS);

  /* Status strings come from one table and are never NULL. */
  for (int s = 0; s <= CLRELU_ERROR_OPENCL; ++s)
    CHECK(clrelu_status_string((clrelu_status)s)[0] != 0, "status %d", s);
  CHECK(strcmp(clrelu_status_string((clrelu_status)999), "unknown status") == 0,
        "out of range status");

  /* NULL handles and pointers. */
  FAILS(clrelu_relu(NULL, x, y, N), CLRELU_ERROR_INVALID_ARGUMENT);
  FAILS(clrelu_relu(ctx, NULL, y, N), CLRELU_ERROR_INVALID_ARGUMENT);
  FAILS(clrelu_relu(ctx, x, NULL, N), CLRELU_ERROR_INVALID_ARGUMENT);
  FAILS(clrelu_relu_derivative(ctx, NULL, y, N), CLRELU_ERROR_INVALID_ARGUMENT);
  FAILS(clrelu_relu_backward(ctx, NULL, x, y, N),
        CLRELU_ERROR_INVALID_ARGUMENT);
  FAILS(clrelu_relu_backward(ctx, dy, x, NULL, N),
        CLRELU_ERROR_INVALID_ARGUMENT);
  FAILS(clrelu_leaky_relu(ctx, x, NULL, N, 0.1f),
        CLRELU_ERROR_INVALID_ARGUMENT);
  FAILS(clrelu_leaky_relu_backward(ctx, dy, NULL, y, N, 0.1f),
        CLRELU_ERROR_INVALID_ARGUMENT);
  FAILS(clrelu_bias_relu(ctx, x, NULL, y, 2, 4, 8, 0.0f),
        CLRELU_ERROR_INVALID_ARGUMENT);
  FAILS(clrelu_finish(NULL), CLRELU_ERROR_INVALID_ARGUMENT);
  FAILS(clrelu_buffer_write(NULL, 0, 1, hx), CLRELU_ERROR_INVALID_ARGUMENT);
  FAILS(clrelu_buffer_write(y, 0, 1, NULL), CLRELU_ERROR_INVALID_ARGUMENT);
  FAILS(clrelu_buffer_read(y, 0, 1, NULL), CLRELU_ERROR_INVALID_ARGUMENT);
  FAILS(clrelu_context_create(NULL, NULL), CLRELU_ERROR_INVALID_ARGUMENT);
  {
    clrelu_context *c2 = (clrelu_context *)1;
    FAILS(clrelu_context_create_from_queue(NULL, &c2),
          CLRELU_ERROR_INVALID_ARGUMENT);
    CHECK(c2 == NULL, "failed create left a handle");
  }

  /* Non-finite alpha. */
  const float bad_alpha[] = {NAN, INFINITY, -INFINITY};
  for (int i = 0; i < 3; ++i) {
    FAILS(clrelu_leaky_relu(ctx, x, y, N, bad_alpha[i]),
          CLRELU_ERROR_INVALID_ARGUMENT);
    FAILS(clrelu_leaky_relu_backward(ctx, dy, x, y, N, bad_alpha[i]),
          CLRELU_ERROR_INVALID_ARGUMENT);
    FAILS(clrelu_bias_relu(ctx, x, bias, y, 1, N, 1, bad_alpha[i]),
          CLRELU_ERROR_INVALID_ARGUMENT);
  }

  /* Every op's refused parameters (cap NaN or <= 0, non-finite alpha or
   * theta), on the device and in the CPU functions that return a status. */
  for (int op = 0; op < REF_NOPS; ++op)
    for (int k = 0; ref_op_has_alpha((enum ref_op)op) && k < REF_NBAD_PARAMS;
         ++k) {
      float bad = ref_op_bad_param((enum ref_op)op, k), cpu[N];
      uint16_t u16s[N] = {0};
      memcpy(cpu, hy, sizeof cpu);
      FAILS(test_device_op(ctx, (enum ref_op)op, dy, x, y, N, bad),
            CLRELU_ERROR_INVALID_ARGUMENT);
      if (test_cpu_op_has_status((enum ref_op)op)) {
        CHECK_STATUS(test_cpu_op((enum ref_op)op, hx, hx, cpu, N, bad),
                     CLRELU_ERROR_INVALID_ARGUMENT);
        CHECK(memcmp(cpu, hy, sizeof cpu) == 0, "%s wrote after refusing %g",
              ref_op_names[op], (double)bad);
      }
      CHECK_STATUS(
          test_cpu16_op(CLRELU_BF16, (enum ref_op)op, u16s, u16s, u16s, N, bad),
          CLRELU_ERROR_INVALID_ARGUMENT);
    }

  /* The activation descriptor: NULL, a kind outside the enum, and each
   * kind's refused parameters, before the contexts are compared; the same
   * in the CPU twins, which then write nothing. */
  {
    const clrelu_act bad_kind = {(clrelu_act_kind)REF_NACTS, 0.0f, 0.0f};
    FAILS(clrelu_bias_act(ctx, x, bias, y, 1, N, 1, NULL),
          CLRELU_ERROR_INVALID_ARGUMENT);
    FAILS(clrelu_bias_act(ctx, x, bias, y, 1, N, 1, &bad_kind),
          CLRELU_ERROR_INVALID_ARGUMENT);
    FAILS(clrelu_bias_act(ctx, ox, bias, y, 1, N, 1, &bad_kind),
          CLRELU_ERROR_INVALID_ARGUMENT);
    float cpu[N];
    uint16_t u16s[N] = {0};
    memcpy(cpu, hy, sizeof cpu);
    CHECK_STATUS(clrelu_cpu_bias_act(hx, hb, cpu, 1, N, 1, NULL),
                 CLRELU_ERROR_INVALID_ARGUMENT);
    CHECK_STATUS(clrelu_cpu_bias_act(hx, NULL, cpu, 1, N, 1, &bad_kind),
                 CLRELU_ERROR_INVALID_ARGUMENT);
    CHECK_STATUS(clrelu_cpu_bias_act_16(CLRELU_F16, u16s, u16s, u16s, 1, N, 1,
                                        &bad_kind),
                 CLRELU_ERROR_INVALID_ARGUMENT);
    for (int k = 0; k < REF_NACTS; ++k) {
      const int has = ref_act_has_param((enum ref_act)k);
      for (int b = 0; has && b < REF_NBAD_PARAMS; ++b) {
        const clrelu_act bad = {(clrelu_act_kind)k,
                                ref_act_bad_param((enum ref_act)k, b), 0.0f};
        FAILS(clrelu_bias_act(ctx, x, bias, y, 1, N, 1, &bad),
              CLRELU_ERROR_INVALID_ARGUMENT);
        FAILS(clrelu_bias_act(ctx, x, NULL, y, 1, N, 1, &bad),
              CLRELU_ERROR_INVALID_ARGUMENT);
        CHECK_STATUS(clrelu_cpu_bias_act(hx, hb, cpu, 1, N, 1, &bad),
                     CLRELU_ERROR_INVALID_ARGUMENT);
        CHECK_STATUS(clrelu_cpu_bias_act_16(CLRELU_BF16, u16s, u16s, u16s, 1, N,
                                            1, &bad),
                     CLRELU_ERROR_INVALID_ARGUMENT);
      }
    }
    CHECK(memcmp(cpu, hy, sizeof cpu) == 0, "a refused CPU bias_act wrote");
  }

  /* Buffers of two contexts. */
  FAILS(clrelu_relu(ctx, ox, y, N), CLRELU_ERROR_CONTEXT_MISMATCH);
  FAILS(clrelu_relu(ctx, x, ox, N), CLRELU_ERROR_CONTEXT_MISMATCH);
  FAILS(clrelu_relu_backward(ctx, ox, x, y, N), CLRELU_ERROR_CONTEXT_MISMATCH);
  FAILS(clrelu_bias_relu(ctx, x, ox, y, 1, N, 1, 0.0f),
        CLRELU_ERROR_CONTEXT_MISMATCH);
  FAILS(clrelu_relu(other, x, y, N), CLRELU_ERROR_CONTEXT_MISMATCH);

  /* Mixed dtypes. */
  FAILS(clrelu_relu(ctx, h16, y, N), CLRELU_ERROR_DTYPE_MISMATCH);
  FAILS(clrelu_relu_backward(ctx, dy, h16, y, N), CLRELU_ERROR_DTYPE_MISMATCH);
  FAILS(clrelu_bias_relu(ctx, x, h16, y, 1, N, 1, 0.5f),
        CLRELU_ERROR_DTYPE_MISMATCH);

  /* Sizes. */
  FAILS(clrelu_relu(ctx, x, y, N + 1), CLRELU_ERROR_OUT_OF_RANGE);
  FAILS(clrelu_relu_backward(ctx, dy, x, y, (size_t)-1),
        CLRELU_ERROR_OUT_OF_RANGE);
  FAILS(clrelu_bias_relu(ctx, x, bias, y, 3, 4, 6, 0.0f),
        CLRELU_ERROR_OUT_OF_RANGE); /* 72 > 64 */
  FAILS(clrelu_bias_relu(ctx, x, bias, y, 1, N + 1, 0 + 1, 0.0f),
        CLRELU_ERROR_OUT_OF_RANGE);
  FAILS(clrelu_bias_relu(ctx, x, bias, y, SIZE_MAX / 2, 3, 1, 0.0f),
        CLRELU_ERROR_OUT_OF_RANGE); /* overflows size_t */
  FAILS(clrelu_bias_relu(ctx, x, bias, y, 1 << 20, 1 << 20, 1 << 30, 0.1f),
        CLRELU_ERROR_OUT_OF_RANGE);
  FAILS(clrelu_buffer_write(y, N - 1, 2, hx), CLRELU_ERROR_OUT_OF_RANGE);
  FAILS(clrelu_buffer_read(y, N + 1, 0, hx), CLRELU_ERROR_OUT_OF_RANGE);

  /* Views: past the parent, count 0, NULL. */
  clrelu_buffer *v = (clrelu_buffer *)1;
  FAILS(clrelu_buffer_view(x, N - 3, 4, &v), CLRELU_ERROR_OUT_OF_RANGE);
  CHECK(v == NULL, "failed view left a handle");
  FAILS(clrelu_buffer_view(x, SIZE_MAX, 2, &v), CLRELU_ERROR_OUT_OF_RANGE);
  FAILS(clrelu_buffer_view(x, 0, 0, &v), CLRELU_ERROR_INVALID_ARGUMENT);
  FAILS(clrelu_buffer_view(NULL, 0, 1, &v), CLRELU_ERROR_INVALID_ARGUMENT);
  FAILS(clrelu_buffer_view(x, 0, 1, NULL), CLRELU_ERROR_INVALID_ARGUMENT);

  /* Buffer creation: count 0, bad dtype, beyond the largest allocation,
   * bytes overflowing size_t. */
  clrelu_buffer *nb = (clrelu_buffer *)1;
  FAILS(clrelu_buffer_create(ctx, CLRELU_F32, 0, &nb),
        CLRELU_ERROR_INVALID_ARGUMENT);
  CHECK(nb == NULL, "failed create left a handle");
  FAILS(clrelu_buffer_create(ctx, (clrelu_dtype)7, 4, &nb),
        CLRELU_ERROR_INVALID_ARGUMENT);
  FAILS(clrelu_buffer_create(NULL, CLRELU_F32, 4, &nb),
        CLRELU_ERROR_INVALID_ARGUMENT);
  {
    cl_device_id dev;
    cl_ulong max_alloc = 0;
    clGetCommandQueueInfo(clrelu_context_queue(ctx), CL_QUEUE_DEVICE,
                          sizeof dev, &dev, NULL);
    clGetDeviceInfo(dev, CL_DEVICE_MAX_MEM_ALLOC_SIZE, sizeof max_alloc,
                    &max_alloc, NULL);
    FAILS(
        clrelu_buffer_create(ctx, CLRELU_F32, (size_t)(max_alloc / 4 + 1), &nb),
        CLRELU_ERROR_OUT_OF_MEMORY);
    CHECK(strstr(clrelu_last_error(), "CL_DEVICE_MAX_MEM_ALLOC_SIZE") != NULL,
          "message: %s", clrelu_last_error());
  }
  FAILS(clrelu_buffer_create(ctx, CLRELU_F32, SIZE_MAX / 2, &nb),
        CLRELU_ERROR_OUT_OF_MEMORY);

  /* Overlaps: partial is refused, exactly the same elements are in place. */
  clrelu_buffer *x0, *x1, *x0b, *b0;
  CHECK_STATUS(clrelu_buffer_view(x, 0, 32, &x0), CLRELU_SUCCESS);
  CHECK_STATUS(clrelu_buffer_view(x, 1, 32, &x1), CLRELU_SUCCESS);
  CHECK_STATUS(clrelu_buffer_view(x, 0, 32, &x0b), CLRELU_SUCCESS);
  CHECK_STATUS(clrelu_buffer_view(bias, 0, 8, &b0), CLRELU_SUCCESS);
  FAILS(clrelu_relu(ctx, x0, x1, 32), CLRELU_ERROR_INVALID_ARGUMENT);
  FAILS(clrelu_relu(ctx, x1, x0, 32), CLRELU_ERROR_INVALID_ARGUMENT);
  FAILS(clrelu_relu_backward(ctx, dy, x0, x1, 32),
        CLRELU_ERROR_INVALID_ARGUMENT);
  FAILS(clrelu_relu_backward(ctx, x1, dy, x0, 32),
        CLRELU_ERROR_INVALID_ARGUMENT);
  FAILS(clrelu_leaky_relu(ctx, x0, x1, 2, 0.5f), CLRELU_ERROR_INVALID_ARGUMENT);
  FAILS(clrelu_bias_relu(ctx, x0, bias, x1, 4, 8, 1, 0.0f),
        CLRELU_ERROR_INVALID_ARGUMENT);
  FAILS(clrelu_bias_relu(ctx, x, b0, bias, 4, 8, 1, 0.0f),
        CLRELU_ERROR_INVALID_ARGUMENT); /* y overlaps the bias */
  FAILS(clrelu_bias_relu(ctx, x, bias, bias, 1, 8, 1, 0.0f),
        CLRELU_ERROR_INVALID_ARGUMENT); /* y is the bias */
  /* Views that touch without overlapping are fine: x[0,1) and x[1,33). */
  {
    clrelu_buffer *one;
    CHECK_STATUS(clrelu_buffer_view(x, 0, 1, &one), CLRELU_SUCCESS);
    CHECK_STATUS(clrelu_relu(ctx, one, x1, 1), CLRELU_SUCCESS);
    clrelu_buffer_destroy(one);
    float got[N];
    clrelu_buffer_read(x, 0, N, got);
    hx[1] = ref_relu(hx[0]);
    CHECK(memcmp(got, hx, sizeof got) == 0, "adjacent views");
  }
  /* Identical views are in place. */
  CHECK_STATUS(clrelu_relu(ctx, x0, x0b, 32), CLRELU_SUCCESS);
  for (int i = 0; i < 32; ++i)
    hx[i] = ref_relu(hx[i]);
  check_unchanged("in place through two identical views");

  /* The order of checks: each bad call has one answer. */
  FAILS(clrelu_relu(ctx, NULL, ox, N), CLRELU_ERROR_INVALID_ARGUMENT);
  FAILS(clrelu_leaky_relu(ctx, ox, y, N, NAN), CLRELU_ERROR_INVALID_ARGUMENT);
  FAILS(clrelu_relu(ctx, ox, h16, N), CLRELU_ERROR_CONTEXT_MISMATCH);
  FAILS(clrelu_relu(ctx, h16, y, N + 100), CLRELU_ERROR_DTYPE_MISMATCH);
  FAILS(clrelu_relu(ctx, h16, h16, N + 1), CLRELU_ERROR_OUT_OF_RANGE);
  FAILS(clrelu_relu(ctx, ox, y, 0), CLRELU_ERROR_CONTEXT_MISMATCH);
  FAILS(clrelu_relu(ctx, h16, y, 0), CLRELU_ERROR_DTYPE_MISMATCH);
  CHECK_STATUS(clrelu_relu(ctx, x0, x1, 0), CLRELU_SUCCESS); /* n == 0 */
  CHECK_STATUS(clrelu_bias_relu(ctx, x, bias, y, 0, 5, 5, 0.0f),
               CLRELU_SUCCESS);
  /* 16-bit buffers of different kinds do not mix; of one kind they work. */
  {
    clrelu_buffer *bf = NULL;
    CHECK_STATUS(clrelu_buffer_create(ctx, CLRELU_BF16, N, &bf),
                 CLRELU_SUCCESS);
    FAILS(clrelu_relu(ctx, h16, bf, N), CLRELU_ERROR_DTYPE_MISMATCH);
    FAILS(clrelu_bias_relu(ctx, bf, h16, bf, 1, 4, 4, 0.0f),
          CLRELU_ERROR_DTYPE_MISMATCH);
    CHECK_STATUS(clrelu_relu(ctx, h16, h16, N), CLRELU_SUCCESS);
    clrelu_buffer_destroy(bf);
  }

  /* Events: a wait list without events. */
  {
    cl_event done = (cl_event)1;
    clrelu_events ev = {2, NULL, &done};
    FAILS(clrelu_relu_ev(ctx, x, y, N, &ev), CLRELU_ERROR_INVALID_ARGUMENT);
    CHECK(done == NULL, "failed call left an event");
  }

  /* Wrapping: another context, too small, not a buffer, NULL. */
  {
    cl_context cl_other;
    clGetCommandQueueInfo(clrelu_context_queue(other), CL_QUEUE_CONTEXT,
                          sizeof cl_other, &cl_other, NULL);
    cl_context cl_ctx;
    clGetCommandQueueInfo(clrelu_context_queue(ctx), CL_QUEUE_CONTEXT,
                          sizeof cl_ctx, &cl_ctx, NULL);
    cl_int err;
    cl_mem m_other =
        clCreateBuffer(cl_other, CL_MEM_READ_WRITE, 64, NULL, &err);
    cl_mem m_small = clCreateBuffer(cl_ctx, CL_MEM_READ_WRITE, 64, NULL, &err);
    clrelu_buffer *w;
    FAILS(clrelu_buffer_wrap(ctx, m_other, CLRELU_F32, 16, &w),
          CLRELU_ERROR_CONTEXT_MISMATCH);
    FAILS(clrelu_buffer_wrap(ctx, m_small, CLRELU_F32, 17, &w),
          CLRELU_ERROR_OUT_OF_RANGE);
    FAILS(clrelu_buffer_wrap(ctx, NULL, CLRELU_F32, 16, &w),
          CLRELU_ERROR_INVALID_ARGUMENT);
    FAILS(clrelu_buffer_wrap(ctx, m_small, CLRELU_F32, 0, &w),
          CLRELU_ERROR_INVALID_ARGUMENT);
    clReleaseMemObject(m_other);
    clReleaseMemObject(m_small);
  }

  /* Device requests that match nothing list the devices there are. */
  {
    clrelu_context *c2 = (clrelu_context *)1;
    FAILS(clrelu_context_create("no-such-device-xyz", &c2),
          CLRELU_ERROR_NO_DEVICE);
    CHECK(c2 == NULL, "failed create left a handle");
    CHECK(strstr(clrelu_last_error(), clrelu_context_device_name(ctx)) != NULL,
          "device list missing: %s", clrelu_last_error());
    FAILS(clrelu_context_create("9:9", &c2), CLRELU_ERROR_NO_DEVICE);
    setenv("CLRELU_DEVICE", "no-such-device-xyz", 1);
    FAILS(clrelu_context_create(NULL, &c2), CLRELU_ERROR_NO_DEVICE);
    CHECK(strstr(clrelu_last_error(), "CLRELU_DEVICE") != NULL, "message: %s",
          clrelu_last_error());
    unsetenv("CLRELU_DEVICE");
    setenv("CLRELU_TUNING", "vec=3", 1);
    FAILS(clrelu_context_create(NULL, &c2), CLRELU_ERROR_INVALID_ARGUMENT);
    CHECK(strstr(clrelu_last_error(), "CLRELU_TUNING") != NULL, "message: %s",
          clrelu_last_error());
    setenv("CLRELU_TUNING", "vec=4,bogus=1", 1);
    FAILS(clrelu_context_create(NULL, &c2), CLRELU_ERROR_INVALID_ARGUMENT);
    unsetenv("CLRELU_TUNING");
  }

  /* After all that, the context still works. */
  CHECK_STATUS(clrelu_relu_backward(ctx, dy, x, y, N), CLRELU_SUCCESS);
  {
    float got[N];
    CHECK_STATUS(clrelu_buffer_read(y, 0, N, got), CLRELU_SUCCESS);
    for (int i = 0; i < N; ++i)
      CHECK(test_same(got[i], ref_relu_backward(hdy[i], hx[i]), 0),
            "element %d after the errors", i);
  }

  clrelu_buffer_destroy(x0);
  clrelu_buffer_destroy(x1);
  clrelu_buffer_destroy(x0b);
  clrelu_buffer_destroy(b0);
  clrelu_buffer_destroy(ox);
  clrelu_buffer_destroy(x);
  clrelu_buffer_destroy(y);
  clrelu_buffer_destroy(dy);
  clrelu_buffer_destroy(bias);
  clrelu_buffer_destroy(h16);
  clrelu_buffer_destroy(NULL);
  clrelu_context_destroy(other);
  clrelu_context_destroy(ctx);
  clrelu_context_destroy(NULL);
  return test_finish("test_errors");
}
