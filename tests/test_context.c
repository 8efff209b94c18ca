/* Contexts and buffers: choosing a device, clrelu_options, borrowing the
 * caller's queue (in order and out of order), events against other queues,
 * lifetimes of views, wraps and buffers that outlive their context. */
#include "reference.h"
#include "testutil.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define N 1000
static float hx[N], hy[N];

static void expect_relu(const clrelu_buffer *y, const float *x, const char *w) {
  float got[N];
  CHECK_STATUS(clrelu_buffer_read(y, 0, N, got), CLRELU_SUCCESS);
  for (int i = 0; i < N; ++i)
    if (!test_same(got[i], ref_relu(x[i]), 0)) {
      CHECK(0, "%s: element %d", w, i);
      break;
    }
}

static cl_uint queue_refs(cl_command_queue q) {
  cl_uint refs = 0;
  clGetCommandQueueInfo(q, CL_QUEUE_REFERENCE_COUNT, sizeof refs, &refs, NULL);
  return refs;
}

static void relu_round_trip(clrelu_context *c, const char *what) {
  clrelu_buffer *x = NULL, *y = NULL;
  CHECK_STATUS(clrelu_buffer_create(c, CLRELU_F32, N, &x), CLRELU_SUCCESS);
  CHECK_STATUS(clrelu_buffer_create(c, CLRELU_F32, N, &y), CLRELU_SUCCESS);
  CHECK_STATUS(clrelu_buffer_write(x, 0, N, hx), CLRELU_SUCCESS);
  CHECK_STATUS(clrelu_relu(c, x, y, N), CLRELU_SUCCESS);
  expect_relu(y, hx, what);
  clrelu_buffer_destroy(x);
  clrelu_buffer_destroy(y);
}

int main(void) {
  test_init();
  test_fill(hx, N);
  clrelu_context *ctx = test_context();
  CHECK(clrelu_version() == CLRELU_VERSION_NUMBER, "version %u",
        clrelu_version());
  const char *name = clrelu_context_device_name(ctx);
  CHECK(name[0] != 0, "device name empty");

  cl_command_queue q = clrelu_context_queue(ctx);
  cl_device_id dev;
  cl_context clctx;
  clGetCommandQueueInfo(q, CL_QUEUE_DEVICE, sizeof dev, &dev, NULL);
  clGetCommandQueueInfo(q, CL_QUEUE_CONTEXT, sizeof clctx, &clctx, NULL);

  /* Device selection: by type, by index, by part of the name, any case. */
  {
    cl_device_type type;
    clGetDeviceInfo(dev, CL_DEVICE_TYPE, sizeof type, &type, NULL);
    char part[8] = {0};
    for (int i = 0; i < 4 && name[i]; ++i)
      part[i] = (char)toupper((unsigned char)name[i]);
    const char *specs[] = {part, (type & CL_DEVICE_TYPE_GPU) ? "GPU" : "cpu"};
    for (int i = 0; i < 2; ++i) {
      clrelu_context *c = NULL;
      CHECK_STATUS(clrelu_context_create(specs[i], &c), CLRELU_SUCCESS);
      if (c) {
        printf("\"%s\" chose %s\n", specs[i], clrelu_context_device_name(c));
        relu_round_trip(c, specs[i]);
      }
      clrelu_context_destroy(c);
    }
    clrelu_context *c = NULL;
    CHECK_STATUS(clrelu_context_create("0:0", &c), CLRELU_SUCCESS);
    clrelu_context_destroy(c);
    /* $CLRELU_DEVICE is read when the argument is NULL or "" */
    setenv("CLRELU_DEVICE", part, 1);
    CHECK_STATUS(clrelu_context_create("", &c), CLRELU_SUCCESS);
    if (c)
      CHECK(strcmp(clrelu_context_device_name(c), name) == 0, "env device");
    clrelu_context_destroy(c);
    unsetenv("CLRELU_DEVICE");
  }

  /* Options: NULL gives the defaults; a bad field is refused with a
   * message; a field given wins over its environment variable. */
  {
    clrelu_context *c = NULL;
    CHECK_STATUS(clrelu_context_create_with(NULL, &c), CLRELU_SUCCESS);
    if (c)
      CHECK(strcmp(clrelu_context_device_name(c), name) == 0 &&
                strcmp(clrelu_context_tuning(c), clrelu_context_tuning(ctx)) ==
                    0,
            "NULL options: %s, %s", clrelu_context_device_name(c),
            clrelu_context_tuning(c));
    clrelu_context_destroy(c);
    const clrelu_options bad_path = {.host_path = "sideways"};
    const clrelu_options bad_shape = {.tuning = "vec=3"};
    c = (clrelu_context *)1;
    CHECK_STATUS(clrelu_context_create_with(&bad_path, &c),
                 CLRELU_ERROR_INVALID_ARGUMENT);
    CHECK(c == NULL && strstr(clrelu_last_error(), "host_path") != NULL,
          "bad host_path: %s", clrelu_last_error());
    CHECK_STATUS(clrelu_context_create_from_queue_with(q, &bad_shape, &c),
                 CLRELU_ERROR_INVALID_ARGUMENT);
    CHECK(strstr(clrelu_last_error(), "clrelu_options.tuning") != NULL,
          "bad tuning: %s", clrelu_last_error());
    setenv("CLRELU_DEVICE", "no-such-device-xyz", 1);
    setenv("CLRELU_HOST_PATH", "sideways", 1);
    const clrelu_options mine = {.device = name, .host_path = "chunked"};
    CHECK_STATUS(clrelu_context_create_with(&mine, &c), CLRELU_SUCCESS);
    unsetenv("CLRELU_DEVICE");
    unsetenv("CLRELU_HOST_PATH");
    if (c) {
      float out[N];
      CHECK_STATUS(clrelu_host_relu(c, hx, out, N), CLRELU_SUCCESS);
      for (int i = 0; i < N; ++i)
        if (!test_same(out[i], ref_relu(hx[i]), 0)) {
          CHECK(0, "host op under options: element %d", i);
          break;
        }
    }
    clrelu_context_destroy(c);
  }

  /* Borrowing an in-order queue retains it once, and releases it. */
  {
    cl_int err;
    cl_command_queue mine = clCreateCommandQueue(clctx, dev, 0, &err);
    cl_uint before = queue_refs(mine);
    clrelu_context *c = NULL;
    CHECK_STATUS(clrelu_context_create_from_queue(mine, &c), CLRELU_SUCCESS);
    CHECK(queue_refs(mine) == before + 1, "queue refs %u -> %u", before,
          queue_refs(mine));
    CHECK(clrelu_context_queue(c) == mine, "queue");
    relu_round_trip(c, "borrowed queue");
    clrelu_context_destroy(c);
    /* The implementation may hold the queue a little longer for commands
     * it is retiring: finish, then give it up to a second. */
    clFinish(mine);
    for (int i = 0; i < 100 && queue_refs(mine) != before; ++i)
      nanosleep(&(struct timespec){0, 10000000}, NULL);
    CHECK(queue_refs(mine) == before, "queue refs after destroy %u",
          queue_refs(mine));
    clReleaseCommandQueue(mine);
  }

  /* An out-of-order queue: clrelu's own commands still run in order. */
  {
    cl_int err;
    cl_command_queue ooo = clCreateCommandQueue(
        clctx, dev, CL_QUEUE_OUT_OF_ORDER_EXEC_MODE_ENABLE, &err);
    if (!ooo) {
      printf("out-of-order queues unsupported here (%d): not tested\n", err);
    } else {
      clrelu_context *c = NULL;
      CHECK_STATUS(clrelu_context_create_from_queue(ooo, &c), CLRELU_SUCCESS);
      clrelu_buffer *a, *b;
      clrelu_buffer_create(c, CLRELU_F32, N, &a);
      clrelu_buffer_create(c, CLRELU_F32, N, &b);
      for (int round = 0; round < 20; ++round) {
        CHECK_STATUS(clrelu_buffer_write(a, 0, N, hx), CLRELU_SUCCESS);
        CHECK_STATUS(clrelu_leaky_relu(c, a, b, N, 0.5f), CLRELU_SUCCESS);
        CHECK_STATUS(clrelu_relu(c, b, a, N), CLRELU_SUCCESS);
        CHECK_STATUS(clrelu_relu_derivative(c, a, b, N), CLRELU_SUCCESS);
        float got[N];
        CHECK_STATUS(clrelu_buffer_read(b, 0, N, got), CLRELU_SUCCESS);
        for (int i = 0; i < N; ++i) {
          float want =
              ref_relu_derivative(ref_relu(ref_leaky_relu(hx[i], 0.5f)));
          if (!test_same(got[i], want, 0)) {
            CHECK(0, "out-of-order chain, round %d element %d", round, i);
            break;
          }
        }
      }
      clrelu_buffer_destroy(a);
      clrelu_buffer_destroy(b);
      clrelu_context_destroy(c);
      clReleaseCommandQueue(ooo);
    }
  }

  /* Events: wait for a write made on another queue; hand back the op's. */
  {
    cl_int err;
    cl_command_queue q2 = clCreateCommandQueue(clctx, dev, 0, &err);
    clrelu_buffer *x, *y;
    clrelu_buffer_create(ctx, CLRELU_F32, N, &x);
    clrelu_buffer_create(ctx, CLRELU_F32, N, &y);
    size_t off;
    cl_mem xm = clrelu_buffer_mem(x, &off);
    CHECK(off == 0, "offset of a new buffer");
    cl_event written, done = NULL, marker = NULL;
    clEnqueueWriteBuffer(q2, xm, CL_FALSE, 0, sizeof hx, hx, 0, NULL, &written);
    clFlush(q2);
    clrelu_events ev = {1, &written, &done};
    CHECK_STATUS(clrelu_relu_ev(ctx, x, y, N, &ev), CLRELU_SUCCESS);
    CHECK(done != NULL, "no event handed back");
    if (done) {
      CHECK(clWaitForEvents(1, &done) == CL_SUCCESS, "wait");
      cl_ulong t0 = 0, t1 = 0;
      clGetEventProfilingInfo(done, CL_PROFILING_COMMAND_START, sizeof t0, &t0,
                              NULL);
      clGetEventProfilingInfo(done, CL_PROFILING_COMMAND_END, sizeof t1, &t1,
                              NULL);
      CHECK(t1 >= t0 && t0 > 0, "profiling times %llu %llu",
            (unsigned long long)t0, (unsigned long long)t1);
      clReleaseEvent(done);
    }
    expect_relu(y, hx, "after an event of another queue");
    clrelu_events ev0 = {0, NULL, &marker};
    CHECK_STATUS(clrelu_relu_ev(ctx, x, y, 0, &ev0), CLRELU_SUCCESS);
    CHECK(marker != NULL, "n == 0 hands back a marker");
    if (marker) {
      CHECK(clWaitForEvents(1, &marker) == CL_SUCCESS, "marker wait");
      clReleaseEvent(marker);
    }
    clReleaseEvent(written);
    clrelu_buffer_destroy(x);
    clrelu_buffer_destroy(y);
    clReleaseCommandQueue(q2);
  }

  /* Wraps: the caller may release at once; sub-buffers of one parent are
   * seen to overlap. */
  {
    cl_int err;
    cl_mem m = clCreateBuffer(clctx, CL_MEM_READ_WRITE, 2 * N * 4, NULL, &err);
    clrelu_buffer *w = NULL, *y = NULL;
    CHECK_STATUS(clrelu_buffer_wrap(ctx, m, CLRELU_F32, 2 * N, &w),
                 CLRELU_SUCCESS);
    cl_uint align_bits = 0;
    clGetDeviceInfo(dev, CL_DEVICE_MEM_BASE_ADDR_ALIGN, sizeof align_bits,
                    &align_bits, NULL);
    size_t align = align_bits / 8;
    cl_buffer_region r1 = {0, N * 4}, r2 = {align, N * 4};
    cl_mem s1 = clCreateSubBuffer(m, CL_MEM_READ_WRITE,
                                  CL_BUFFER_CREATE_TYPE_REGION, &r1, &err);
    cl_mem s2 = clCreateSubBuffer(m, CL_MEM_READ_WRITE,
                                  CL_BUFFER_CREATE_TYPE_REGION, &r2, &err);
    clReleaseMemObject(m);
    clrelu_buffer *w1 = NULL, *w2 = NULL;
    if (s1 && s2 && align < N * 4) {
      CHECK_STATUS(clrelu_buffer_wrap(ctx, s1, CLRELU_F32, N, &w1),
                   CLRELU_SUCCESS);
      CHECK_STATUS(clrelu_buffer_wrap(ctx, s2, CLRELU_F32, N, &w2),
                   CLRELU_SUCCESS);
      CHECK_STATUS(clrelu_relu(ctx, w1, w2, N), CLRELU_ERROR_INVALID_ARGUMENT);
      CHECK_STATUS(clrelu_relu(ctx, w1, w1, N), CLRELU_SUCCESS);
    }
    if (s1)
      clReleaseMemObject(s1);
    if (s2)
      clReleaseMemObject(s2);
    CHECK_STATUS(clrelu_buffer_write(w, 0, N, hx), CLRELU_SUCCESS);
    CHECK_STATUS(clrelu_buffer_create(ctx, CLRELU_F32, N, &y), CLRELU_SUCCESS);
    CHECK_STATUS(clrelu_relu(ctx, w, y, N), CLRELU_SUCCESS);
    expect_relu(y, hx, "wrapped buffer released by the caller");
    clrelu_buffer_destroy(w1);
    clrelu_buffer_destroy(w2);
    clrelu_buffer_destroy(w);
    clrelu_buffer_destroy(y);
  }

  /* A view outlives its parent; buffers outlive their context. */
  {
    clrelu_buffer *p, *v, *y;
    clrelu_buffer_create(ctx, CLRELU_F32, N + 10, &p);
    clrelu_buffer_write(p, 10, N, hx);
    CHECK_STATUS(clrelu_buffer_view(p, 10, N, &v), CLRELU_SUCCESS);
    clrelu_buffer_destroy(p);
    clrelu_buffer_create(ctx, CLRELU_F32, N, &y);
    CHECK(clrelu_buffer_count(v) == N && clrelu_buffer_dtype(v) == CLRELU_F32,
          "view count/dtype");
    CHECK_STATUS(clrelu_relu(ctx, v, v, N), CLRELU_SUCCESS);
    clrelu_context_destroy(ctx); /* buffers keep what they need */
    ctx = NULL;
    CHECK_STATUS(clrelu_buffer_write(y, 0, N, hy), CLRELU_SUCCESS);
    expect_relu(v, hx, "view after parent and context destroyed");
    float back[N];
    CHECK_STATUS(clrelu_buffer_read(y, 0, N, back), CLRELU_SUCCESS);
    CHECK(memcmp(back, hy, sizeof back) == 0, "buffer after context");
    clrelu_buffer_destroy(v);
    clrelu_buffer_destroy(y);
  }
  CHECK(clrelu_buffer_count(NULL) == 0, "count of NULL");
  CHECK(clrelu_context_queue(NULL) == NULL, "queue of NULL");
  return test_finish("test_context");
}
