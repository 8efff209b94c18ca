/* clrelu_dense against a float64 reference: normwise relative error
 * ||y - ref|| / ||ref|| <= 1e-5 over batch x in x out shapes, views at odd
 * offsets (nothing outside them written), ReLU and Leaky ReLU; every bad
 * call's exact status with y unchanged; ordering through events with a
 * second queue and on an out-of-order queue; first calls from several
 * threads at once (CLBlast 1.5.3 needs clrelu's lock there). */
#include "reference.h"
#include "testutil.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define GUARD 4
#define TOL 1e-5

static clrelu_context *ctx;

/* Ordinary values in [-1, 1): a matrix product has no exact answer with
 * NaNs and infinities to compare. */
static void fill_plain(float *p, size_t n) {
  for (size_t i = 0; i < n; ++i)
    p[i] =
        (float)((double)(test_rand() >> 11) / 9007199254740992.0 * 2.0 - 1.0);
}

/* A parent buffer of off + n + GUARD elements with a view of n from off. */
typedef struct mat {
  clrelu_buffer *parent, *view;
  float *host; /* the parent's contents */
  size_t off, n, size;
} mat;

static int mat_make(clrelu_context *c, mat *m, size_t off, size_t n) {
  m->off = off;
  m->n = n;
  m->size = off + n + GUARD;
  m->parent = m->view = NULL;
  m->host = malloc(m->size * sizeof(float));
  if (!m->host)
    return 0;
  fill_plain(m->host, m->size);
  if (clrelu_buffer_create(c, CLRELU_F32, m->size, &m->parent) !=
          CLRELU_SUCCESS ||
      clrelu_buffer_write(m->parent, 0, m->size, m->host) != CLRELU_SUCCESS ||
      clrelu_buffer_view(m->parent, off, n, &m->view) != CLRELU_SUCCESS) {
    fprintf(stderr, "setup: %s\n", clrelu_last_error());
    return 0;
  }
  return 1;
}

static void mat_free(mat *m) {
  clrelu_buffer_destroy(m->view);
  clrelu_buffer_destroy(m->parent);
  free(m->host);
  m->host = NULL;
  m->view = m->parent = NULL;
}

/* y = act(x w^T + b) in float64. */
static void reference(const float *x, const float *w, const float *b,
                      double *ref, size_t batch, size_t in, size_t out,
                      float alpha) {
  for (size_t r = 0; r < batch; ++r)
    for (size_t o = 0; o < out; ++o) {
      double s = b[o];
      for (size_t i = 0; i < in; ++i)
        s += (double)x[r * in + i] * (double)w[o * in + i];
      ref[r * out + o] = s > 0 ? s : (double)alpha * s;
    }
}

/* Normwise relative error of got against ref (n elements). */
static double rel_error(const float *got, const double *ref, size_t n) {
  double num = 0, den = 0;
  for (size_t i = 0; i < n; ++i) {
    double d = (double)got[i] - ref[i];
    num += d * d;
    den += ref[i] * ref[i];
  }
  if (den == 0)
    return sqrt(num);
  return sqrt(num / den);
}

/* Runs one layer with views at offsets and checks y and its guards. */
static void check_shape(size_t batch, size_t in, size_t out, size_t off,
                        float alpha) {
  mat x, w, b, y;
  int ok = mat_make(ctx, &x, off, batch * in) &&
           mat_make(ctx, &w, off + 2, out * in) &&
           mat_make(ctx, &b, off + 1, out) &&
           mat_make(ctx, &y, off + 3, batch * out);
  CHECK(ok, "setup %zux%zux%zu", batch, in, out);
  double *ref = malloc(batch * out * sizeof *ref);
  float *got = malloc(y.size * sizeof(float));
  if (ok) { /* y starts as NaN: beta = 0 must not read it */
    for (size_t i = 0; i < y.n; ++i)
      y.host[y.off + i] = NAN;
    ok = clrelu_buffer_write(y.view, 0, y.n, y.host + y.off) == CLRELU_SUCCESS;
  }
  if (ok && ref && got) {
    CHECK_STATUS(clrelu_dense(ctx, x.view, w.view, b.view, y.view, batch, in,
                              out, alpha),
                 CLRELU_SUCCESS);
    CHECK_STATUS(clrelu_buffer_read(y.parent, 0, y.size, got), CLRELU_SUCCESS);
    reference(x.host + x.off, w.host + w.off, b.host + b.off, ref, batch, in,
              out, alpha);
    double err = rel_error(got + y.off, ref, batch * out);
    CHECK(err <= TOL, "dense %zux%zux%zu off=%zu alpha=%g: error %.3g", batch,
          in, out, off, (double)alpha, err);
    CHECK(memcmp(got, y.host, y.off * sizeof(float)) == 0 &&
              memcmp(got + y.off + y.n, y.host + y.off + y.n,
                     GUARD * sizeof(float)) == 0,
          "dense %zux%zux%zu: elements outside y changed", batch, in, out);
    /* ReLU never gives -0.0 or a negative value */
    if (alpha == 0.0f)
      for (size_t i = 0; i < batch * out; ++i)
        if (signbit(got[y.off + i])) {
          CHECK(0, "dense %zux%zux%zu: y[%zu] = %a", batch, in, out, i,
                (double)got[y.off + i]);
          break;
        }
  }
  free(ref);
  free(got);
  mat_free(&x);
  mat_free(&w);
  mat_free(&b);
  mat_free(&y);
}

/* in_features == 0: y = act(bias), exactly. */
static void check_no_inputs(void) {
  mat x, w, b, y;
  int ok = mat_make(ctx, &x, 0, 1) && mat_make(ctx, &w, 0, 1) &&
           mat_make(ctx, &b, 1, 5) && mat_make(ctx, &y, 2, 15);
  CHECK(ok, "setup");
  float got[15 + 2 + GUARD];
  for (int k = 0; ok && k < 2; ++k) {
    float alpha = k ? 0.01f : 0.0f;
    CHECK_STATUS(
        clrelu_dense(ctx, x.view, w.view, b.view, y.view, 3, 0, 5, alpha),
        CLRELU_SUCCESS);
    CHECK_STATUS(clrelu_buffer_read(y.view, 0, 15, got), CLRELU_SUCCESS);
    for (int i = 0; i < 15; ++i)
      CHECK(test_same(got[i], ref_bias_relu(0.0f, b.host[1 + i % 5], alpha), 0),
            "in_features 0: y[%d] = %a", i, (double)got[i]);
  }
  /* every activation of clrelu_dense_act, exactly (no product to round) */
  for (int k = 0; ok && k < 2 * REF_NACTS; ++k) {
    enum ref_act act = (enum ref_act)(k % REF_NACTS);
    const clrelu_act desc = {(clrelu_act_kind)act,
                             ref_act_param(act, k / REF_NACTS), 0.0f};
    CHECK_STATUS(
        clrelu_dense_act(ctx, x.view, w.view, b.view, y.view, 3, 0, 5, &desc),
        CLRELU_SUCCESS);
    CHECK_STATUS(clrelu_buffer_read(y.view, 0, 15, got), CLRELU_SUCCESS);
    for (int i = 0; i < 15; ++i) {
      float want = ref_act(act, desc.alpha, 0.0f + b.host[1 + i % 5]);
      CHECK(test_same(got[i], want, 0),
            "dense_act %s in_features 0: y[%d] = %a", ref_act_names[act], i,
            (double)got[i]);
    }
  }
  mat_free(&x);
  mat_free(&w);
  mat_free(&b);
  mat_free(&y);
}

/* ---- errors ---- */

#define EN 64
static clrelu_buffer *ex, *ew, *eb, *ey;
static float ey_host[EN];

static void check_y_unchanged(const char *call) {
  float got[EN];
  CHECK_STATUS(clrelu_buffer_read(ey, 0, EN, got), CLRELU_SUCCESS);
  CHECK(memcmp(got, ey_host, sizeof got) == 0, "%s changed y", call);
}

#define FAILS(call, want)                                                      \
  do {                                                                         \
    CHECK_STATUS(call, want);                                                  \
    CHECK(clrelu_last_error()[0] != 0, "%s: no message", #call);               \
    check_y_unchanged(#call);                                                  \
  } while (0)

static void check_errors(void) {
  clrelu_context *other = NULL;
  clrelu_buffer *ox = NULL, *h16 = NULL, *hw16 = NULL, *hb16 = NULL,
                *hy16 = NULL, *xy = NULL, *wy = NULL, *by = NULL;
  CHECK_STATUS(clrelu_context_create(NULL, &other), CLRELU_SUCCESS);
  CHECK_STATUS(clrelu_buffer_create(other, CLRELU_F32, EN, &ox),
               CLRELU_SUCCESS);
  CHECK_STATUS(clrelu_buffer_create(ctx, CLRELU_F32, EN, &ex), CLRELU_SUCCESS);
  CHECK_STATUS(clrelu_buffer_create(ctx, CLRELU_F32, EN, &ew), CLRELU_SUCCESS);
  CHECK_STATUS(clrelu_buffer_create(ctx, CLRELU_F32, EN, &eb), CLRELU_SUCCESS);
  CHECK_STATUS(clrelu_buffer_create(ctx, CLRELU_F32, EN, &ey), CLRELU_SUCCESS);
  CHECK_STATUS(clrelu_buffer_create(ctx, CLRELU_F16, EN, &h16), CLRELU_SUCCESS);
  CHECK_STATUS(clrelu_buffer_create(ctx, CLRELU_F16, EN, &hw16),
               CLRELU_SUCCESS);
  CHECK_STATUS(clrelu_buffer_create(ctx, CLRELU_F16, EN, &hb16),
               CLRELU_SUCCESS);
  CHECK_STATUS(clrelu_buffer_create(ctx, CLRELU_F16, EN, &hy16),
               CLRELU_SUCCESS);
  if (!other || !ox || !ex || !ew || !eb || !ey || !h16 || !hw16 || !hb16 ||
      !hy16) {
    CHECK(0, "error setup: %s", clrelu_last_error());
    return;
  }
  float host[EN];
  fill_plain(host, EN);
  clrelu_buffer_write(ex, 0, EN, host);
  clrelu_buffer_write(ew, 0, EN, host);
  clrelu_buffer_write(eb, 0, EN, host);
  fill_plain(ey_host, EN);
  clrelu_buffer_write(ey, 0, EN, ey_host);
  /* views of y's memory overlapping it: [0, 16) of y is the output below */
  CHECK_STATUS(clrelu_buffer_view(ey, 8, 16, &xy), CLRELU_SUCCESS);
  CHECK_STATUS(clrelu_buffer_view(ey, 0, 32, &wy), CLRELU_SUCCESS);
  CHECK_STATUS(clrelu_buffer_view(ey, 15, 4, &by), CLRELU_SUCCESS);
  /* 4 x 4 -> 4: x 16, w 16, bias 4, y 16 elements */
  const float nan = NAN, inf = INFINITY;

  /* 1: NULLs and values */
  FAILS(clrelu_dense(NULL, ex, ew, eb, ey, 4, 4, 4, 0),
        CLRELU_ERROR_INVALID_ARGUMENT);
  FAILS(clrelu_dense(ctx, NULL, ew, eb, ey, 4, 4, 4, 0),
        CLRELU_ERROR_INVALID_ARGUMENT);
  FAILS(clrelu_dense(ctx, ex, NULL, eb, ey, 4, 4, 4, 0),
        CLRELU_ERROR_INVALID_ARGUMENT);
  FAILS(clrelu_dense(ctx, ex, ew, NULL, ey, 4, 4, 4, 0),
        CLRELU_ERROR_INVALID_ARGUMENT);
  FAILS(clrelu_dense(ctx, ex, ew, eb, NULL, 4, 4, 4, 0),
        CLRELU_ERROR_INVALID_ARGUMENT);
  FAILS(clrelu_dense(ctx, ex, ew, eb, ey, 4, 4, 4, nan),
        CLRELU_ERROR_INVALID_ARGUMENT);
  FAILS(clrelu_dense(ctx, ex, ew, eb, ey, 4, 4, 4, -inf),
        CLRELU_ERROR_INVALID_ARGUMENT);
  FAILS(clrelu_dense_act(ctx, ex, ew, eb, ey, 4, 4, 4, NULL),
        CLRELU_ERROR_INVALID_ARGUMENT);
  {
    const clrelu_act bad_cap = {CLRELU_ACT_CLIPPED_RELU, 0.0f, 0.0f};
    FAILS(clrelu_dense_act(ctx, ex, ew, eb, ey, 4, 4, 4, &bad_cap),
          CLRELU_ERROR_INVALID_ARGUMENT);
    /* a bad act comes before another context */
    FAILS(clrelu_dense_act(ctx, ox, ew, eb, ey, 4, 4, 4, &bad_cap),
          CLRELU_ERROR_INVALID_ARGUMENT);
  }
  cl_event done = (cl_event)1;
  clrelu_events bad_ev = {1, NULL, &done};
  FAILS(clrelu_dense_ev(ctx, ex, ew, eb, ey, 4, 4, 4, 0, &bad_ev),
        CLRELU_ERROR_INVALID_ARGUMENT);
  CHECK(done == NULL, "a failed call left *done set");
  /* NULL comes before another context, at zero sizes too */
  FAILS(clrelu_dense(ctx, ox, ew, NULL, ey, 0, 4, 4, 0),
        CLRELU_ERROR_INVALID_ARGUMENT);

  /* 2: contexts */
  FAILS(clrelu_dense(ctx, ox, ew, eb, ey, 4, 4, 4, 0),
        CLRELU_ERROR_CONTEXT_MISMATCH);
  FAILS(clrelu_dense(ctx, ex, ox, eb, ey, 4, 4, 4, 0),
        CLRELU_ERROR_CONTEXT_MISMATCH);
  FAILS(clrelu_dense(ctx, ex, ew, ox, ey, 4, 4, 4, 0),
        CLRELU_ERROR_CONTEXT_MISMATCH);
  FAILS(clrelu_dense(other, ex, ew, eb, ey, 4, 4, 4, 0),
        CLRELU_ERROR_CONTEXT_MISMATCH);
  FAILS(clrelu_dense(ctx, ox, h16, eb, ey, 4, 4, 4, 0),
        CLRELU_ERROR_CONTEXT_MISMATCH);

  /* 3: dtypes */
  FAILS(clrelu_dense(ctx, h16, ew, eb, ey, 4, 4, 4, 0),
        CLRELU_ERROR_DTYPE_MISMATCH);
  FAILS(clrelu_dense(ctx, ex, ew, hb16, ey, 4, 4, 4, 0),
        CLRELU_ERROR_DTYPE_MISMATCH);
  FAILS(clrelu_dense(ctx, ex, ew, eb, hy16, 4, 4, 4, 0),
        CLRELU_ERROR_DTYPE_MISMATCH);

  /* zero-sized calls succeed and enqueue a marker for done */
  CHECK_STATUS(clrelu_dense(ctx, ex, ew, eb, ey, 0, 4, 4, 0), CLRELU_SUCCESS);
  CHECK_STATUS(clrelu_dense(ctx, ex, ew, eb, ey, 4, 4, 0, 0), CLRELU_SUCCESS);
  CHECK_STATUS(clrelu_dense(ctx, h16, hw16, hb16, hy16, 0, 4, 4, 0),
               CLRELU_SUCCESS);
  cl_event marker = NULL;
  clrelu_events mev = {0, NULL, &marker};
  CHECK_STATUS(clrelu_dense_ev(ctx, ex, ew, eb, ey, 0, 9999, 4, 0, &mev),
               CLRELU_SUCCESS);
  CHECK(marker != NULL, "no marker event for a zero-sized call");
  if (marker) {
    CHECK(clWaitForEvents(1, &marker) == CL_SUCCESS, "marker");
    clReleaseEvent(marker);
  }
  check_y_unchanged("zero-sized calls");

  /* 4: sizes */
  FAILS(clrelu_dense(ctx, ex, ew, eb, ey, 5, 13, 4, 0), /* x needs 65 */
        CLRELU_ERROR_OUT_OF_RANGE);
  FAILS(clrelu_dense(ctx, ex, ew, eb, ey, 1, 13, 5, 0), /* w needs 65 */
        CLRELU_ERROR_OUT_OF_RANGE);
  FAILS(clrelu_dense(ctx, ex, ew, eb, ey, 1, 1, 65, 0), /* bias, w, y */
        CLRELU_ERROR_OUT_OF_RANGE);
  FAILS(clrelu_dense(ctx, ex, ew, xy, ey, 1, 1, 17, 0), /* bias needs 17 */
        CLRELU_ERROR_OUT_OF_RANGE);
  FAILS(clrelu_dense(ctx, ex, ew, eb, xy, 5, 1, 4, 0), /* y needs 20 */
        CLRELU_ERROR_OUT_OF_RANGE);
  FAILS(clrelu_dense(ctx, ex, ew, eb, ey, SIZE_MAX / 2, 3, 1, 0),
        CLRELU_ERROR_OUT_OF_RANGE);
  FAILS(clrelu_dense(ctx, ex, ew, eb, ey, 1, 3, SIZE_MAX / 2, 0),
        CLRELU_ERROR_OUT_OF_RANGE);
  FAILS(clrelu_dense(ctx, ex, ew, eb, ey, SIZE_MAX / 2, 0, 3, 0),
        CLRELU_ERROR_OUT_OF_RANGE);
  /* sizes come before dtype support */
  FAILS(clrelu_dense(ctx, h16, hw16, hb16, hy16, 5, 13, 4, 0),
        CLRELU_ERROR_OUT_OF_RANGE);
  /* overlaps: y may not share an element with x, w or bias */
  FAILS(clrelu_dense(ctx, xy, ew, eb, ey, 4, 4, 4, 0),
        CLRELU_ERROR_INVALID_ARGUMENT);
  FAILS(clrelu_dense(ctx, ey, ew, eb, ey, 4, 4, 4, 0),
        CLRELU_ERROR_INVALID_ARGUMENT);
  FAILS(clrelu_dense(ctx, ex, wy, eb, ey, 4, 4, 4, 0),
        CLRELU_ERROR_INVALID_ARGUMENT);
  FAILS(clrelu_dense(ctx, ex, ew, by, ey, 4, 4, 4, 0),
        CLRELU_ERROR_INVALID_ARGUMENT);

  /* 5: what the device (or the build) supports */
  FAILS(clrelu_dense(ctx, h16, hw16, hb16, hy16, 4, 4, 4, 0),
        CLRELU_ERROR_UNSUPPORTED);

  clrelu_buffer_destroy(xy);
  clrelu_buffer_destroy(wy);
  clrelu_buffer_destroy(by);
  clrelu_buffer_destroy(h16);
  clrelu_buffer_destroy(hw16);
  clrelu_buffer_destroy(hb16);
  clrelu_buffer_destroy(hy16);
  clrelu_buffer_destroy(ex);
  clrelu_buffer_destroy(ew);
  clrelu_buffer_destroy(eb);
  clrelu_buffer_destroy(ey);
  clrelu_buffer_destroy(ox);
  clrelu_context_destroy(other);
}

/* ---- ordering ---- */

static void sleep_ms(int ms) {
  struct timespec ts = {0, ms * 1000000L};
  nanosleep(&ts, NULL);
}

static cl_int event_status(cl_event e) {
  cl_int s = -1;
  clGetEventInfo(e, CL_EVENT_COMMAND_EXECUTION_STATUS, sizeof s, &s, NULL);
  return s;
}

/* The caller's second queue writes x behind a user event; clrelu_dense_ev
 * waits for that write, and the caller's read waits for its done event. */
static void check_second_queue(void) {
  const size_t batch = 8, in = 33, out = 20;
  mat x, w, b, y;
  int ok = mat_make(ctx, &x, 1, batch * in) && mat_make(ctx, &w, 0, out * in) &&
           mat_make(ctx, &b, 0, out) && mat_make(ctx, &y, 2, batch * out);
  CHECK(ok, "setup");
  cl_command_queue q = clrelu_context_queue(ctx);
  cl_context cl_ctx = NULL;
  cl_device_id dev = NULL;
  clGetCommandQueueInfo(q, CL_QUEUE_CONTEXT, sizeof cl_ctx, &cl_ctx, NULL);
  clGetCommandQueueInfo(q, CL_QUEUE_DEVICE, sizeof dev, &dev, NULL);
  cl_int err;
  cl_command_queue q2 = clCreateCommandQueue(cl_ctx, dev, 0, &err);
  cl_event gate = clCreateUserEvent(cl_ctx, &err);
  CHECK(q2 && gate, "second queue: %d", err);
  float *fresh = malloc(batch * in * sizeof(float));
  float *got = malloc(batch * out * sizeof(float));
  double *ref = malloc(batch * out * sizeof(double));
  if (ok && q2 && gate && fresh && got && ref) {
    fill_plain(fresh, batch * in);
    size_t xoff;
    cl_mem xmem = clrelu_buffer_mem(x.view, &xoff);
    cl_event written = NULL, done = NULL, read = NULL;
    err = clEnqueueWriteBuffer(q2, xmem, CL_FALSE, xoff * sizeof(float),
                               batch * in * sizeof(float), fresh, 1, &gate,
                               &written);
    CHECK(err == CL_SUCCESS, "write on the second queue: %d", err);
    clFlush(q2);
    clrelu_events ev = {1, &written, &done};
    CHECK_STATUS(clrelu_dense_ev(ctx, x.view, w.view, b.view, y.view, batch, in,
                                 out, 0.01f, &ev),
                 CLRELU_SUCCESS);
    CHECK(done != NULL, "no done event");
    if (done) {
      clFlush(q);
      sleep_ms(50);
      CHECK(event_status(done) != CL_COMPLETE,
            "the layer finished before the write it waits for");
      size_t yoff;
      cl_mem ymem = clrelu_buffer_mem(y.view, &yoff);
      err = clEnqueueReadBuffer(q2, ymem, CL_FALSE, yoff * sizeof(float),
                                batch * out * sizeof(float), got, 1, &done,
                                &read);
      CHECK(err == CL_SUCCESS, "read on the second queue: %d", err);
      clSetUserEventStatus(gate, CL_COMPLETE);
      if (read)
        CHECK(clWaitForEvents(1, &read) == CL_SUCCESS, "read");
      CHECK(event_status(done) == CL_COMPLETE, "done event");
      reference(fresh, w.host + w.off, b.host + b.off, ref, batch, in, out,
                0.01f);
      double e = rel_error(got, ref, batch * out);
      CHECK(e <= TOL, "second queue: error %.3g (x read before the write?)", e);
      if (read)
        clReleaseEvent(read);
      clReleaseEvent(done);
    } else {
      clSetUserEventStatus(gate, CL_COMPLETE);
    }
    if (written)
      clReleaseEvent(written);
    clFinish(q2);
  }
  if (gate)
    clReleaseEvent(gate);
  if (q2)
    clReleaseCommandQueue(q2);
  free(fresh);
  free(got);
  free(ref);
  mat_free(&x);
  mat_free(&w);
  mat_free(&b);
  mat_free(&y);
}

/* On an out-of-order queue: two layers back to back (the second reads the
 * first's output), then a read, all in clrelu's order. */
static void check_out_of_order(void) {
  cl_command_queue q = clrelu_context_queue(ctx);
  cl_context cl_ctx = NULL;
  cl_device_id dev = NULL;
  clGetCommandQueueInfo(q, CL_QUEUE_CONTEXT, sizeof cl_ctx, &cl_ctx, NULL);
  clGetCommandQueueInfo(q, CL_QUEUE_DEVICE, sizeof dev, &dev, NULL);
  cl_int err;
  cl_command_queue ooo = clCreateCommandQueue(
      cl_ctx, dev, CL_QUEUE_OUT_OF_ORDER_EXEC_MODE_ENABLE, &err);
  if (!ooo) {
    printf("no out-of-order queue (%d): skipped\n", err);
    return;
  }
  clrelu_context *oc = NULL;
  CHECK_STATUS(clrelu_context_create_from_queue(ooo, &oc), CLRELU_SUCCESS);
  clReleaseCommandQueue(ooo);
  if (!oc)
    return;
  const size_t batch = 16, in = 100, hid = 300, out = 7;
  mat x, w1, b1, h, w2, b2, y;
  int ok = mat_make(oc, &x, 0, batch * in) && mat_make(oc, &w1, 0, hid * in) &&
           mat_make(oc, &b1, 0, hid) && mat_make(oc, &h, 0, batch * hid) &&
           mat_make(oc, &w2, 0, out * hid) && mat_make(oc, &b2, 0, out) &&
           mat_make(oc, &y, 0, batch * out);
  CHECK(ok, "setup");
  double *r1 = malloc(batch * hid * sizeof(double));
  double *r2 = malloc(batch * out * sizeof(double));
  float *h32 = malloc(batch * hid * sizeof(float));
  float *got = malloc(batch * out * sizeof(float));
  if (ok && r1 && r2 && h32 && got) {
    for (int rep = 0; rep < 3; ++rep) {
      CHECK_STATUS(clrelu_dense(oc, x.view, w1.view, b1.view, h.view, batch, in,
                                hid, 0.0f),
                   CLRELU_SUCCESS);
      CHECK_STATUS(clrelu_dense(oc, h.view, w2.view, b2.view, y.view, batch,
                                hid, out, 1.0f),
                   CLRELU_SUCCESS);
      CHECK_STATUS(clrelu_buffer_read(y.view, 0, batch * out, got),
                   CLRELU_SUCCESS);
      reference(x.host, w1.host, b1.host, r1, batch, in, hid, 0.0f);
      for (size_t i = 0; i < batch * hid; ++i)
        h32[i] = (float)r1[i];
      reference(h32, w2.host, b2.host, r2, batch, hid, out, 1.0f);
      double e = rel_error(got, r2, batch * out);
      CHECK(e <= TOL, "out-of-order queue: two layers: error %.3g", e);
      /* the next round starts from a garbled y */
      float junk[7] = {1e30f, -1e30f, 0, 0, 0, 0, 0};
      clrelu_buffer_write(y.view, 0, 7, junk);
    }
  }
  free(r1);
  free(r2);
  free(h32);
  free(got);
  mat_free(&x);
  mat_free(&w1);
  mat_free(&b1);
  mat_free(&h);
  mat_free(&w2);
  mat_free(&b2);
  mat_free(&y);
  CHECK_STATUS(clrelu_finish(oc), CLRELU_SUCCESS);
  clrelu_context_destroy(oc);
}

/* ---- first calls from several threads ---- */

#define THREADS 4
typedef struct job {
  clrelu_context *c;
  size_t batch, in, out;
  uint64_t seed;
  int failures;
} job;

static void *thread_main(void *arg) {
  job *j = arg;
  mat x, w, b, y;
  memset(&x, 0, sizeof x);
  memset(&w, 0, sizeof w);
  memset(&b, 0, sizeof b);
  memset(&y, 0, sizeof y);
  /* fill_plain's generator is not shared: fill here from the seed */
  size_t nx = j->batch * j->in, nw = j->out * j->in;
  float *hx = malloc(nx * sizeof(float)), *hw = malloc(nw * sizeof(float));
  float *hb = malloc(j->out * sizeof(float));
  float *got = malloc(j->batch * j->out * sizeof(float));
  double *ref = malloc(j->batch * j->out * sizeof(double));
  clrelu_buffer *bx = NULL, *bw = NULL, *bb = NULL, *by = NULL;
  if (!hx || !hw || !hb || !got || !ref) {
    j->failures++;
    goto out;
  }
  uint64_t s = j->seed;
  float *arrays[3] = {hx, hw, hb};
  size_t counts[3] = {nx, nw, j->out};
  for (int a = 0; a < 3; ++a)
    for (size_t i = 0; i < counts[a]; ++i) {
      s = s * 6364136223846793005ull + 1442695040888963407ull;
      arrays[a][i] = (float)((double)(s >> 40) / 16777216.0 * 2.0 - 1.0);
    }
  if (clrelu_buffer_create(j->c, CLRELU_F32, nx, &bx) != CLRELU_SUCCESS ||
      clrelu_buffer_create(j->c, CLRELU_F32, nw, &bw) != CLRELU_SUCCESS ||
      clrelu_buffer_create(j->c, CLRELU_F32, j->out, &bb) != CLRELU_SUCCESS ||
      clrelu_buffer_create(j->c, CLRELU_F32, j->batch * j->out, &by) !=
          CLRELU_SUCCESS ||
      clrelu_buffer_write(bx, 0, nx, hx) != CLRELU_SUCCESS ||
      clrelu_buffer_write(bw, 0, nw, hw) != CLRELU_SUCCESS ||
      clrelu_buffer_write(bb, 0, j->out, hb) != CLRELU_SUCCESS) {
    j->failures++;
    goto out;
  }
  reference(hx, hw, hb, ref, j->batch, j->in, j->out, 0.0f);
  for (int rep = 0; rep < 3; ++rep) {
    if (clrelu_dense(j->c, bx, bw, bb, by, j->batch, j->in, j->out, 0.0f) !=
            CLRELU_SUCCESS ||
        clrelu_buffer_read(by, 0, j->batch * j->out, got) != CLRELU_SUCCESS) {
      fprintf(stderr, "thread: %s\n", clrelu_last_error());
      j->failures++;
      break;
    }
    if (rel_error(got, ref, j->batch * j->out) > TOL)
      j->failures++;
  }
out:
  clrelu_buffer_destroy(bx);
  clrelu_buffer_destroy(bw);
  clrelu_buffer_destroy(bb);
  clrelu_buffer_destroy(by);
  free(hx);
  free(hw);
  free(hb);
  free(got);
  free(ref);
  return NULL;
}

static void check_threads(void) {
  clrelu_context *c[2] = {NULL, NULL};
  for (int i = 0; i < 2; ++i)
    CHECK_STATUS(clrelu_context_create(NULL, &c[i]), CLRELU_SUCCESS);
  if (!c[0] || !c[1])
    return;
  job jobs[THREADS];
  pthread_t t[THREADS];
  for (int i = 0; i < THREADS; ++i) {
    size_t batch = i < 2 ? 1 : 5 + (size_t)i; /* GEMV and GEMM */
    job j = {c[i % 2],
             batch,
             40 + 3 * (size_t)i,
             9 + (size_t)i,
             test_seed + (uint64_t)i,
             0};
    jobs[i] = j;
  }
  int started[THREADS];
  for (int i = 0; i < THREADS; ++i)
    started[i] = pthread_create(&t[i], NULL, thread_main, &jobs[i]) == 0;
  for (int i = 0; i < THREADS; ++i) {
    if (started[i])
      pthread_join(t[i], NULL);
    CHECK(started[i] && jobs[i].failures == 0, "thread %d: %d failure(s)", i,
          jobs[i].failures);
  }
  clrelu_context_destroy(c[0]);
  clrelu_context_destroy(c[1]);
}

int main(void) {
  test_init();
  ctx = test_context();

  check_errors();
  /* Is CLBlast there? A build without it answers UNSUPPORTED. */
  {
    mat x, w, b, y;
    int ok = mat_make(ctx, &x, 0, 4) && mat_make(ctx, &w, 0, 4) &&
             mat_make(ctx, &b, 0, 2) && mat_make(ctx, &y, 0, 4);
    clrelu_status st =
        ok ? clrelu_dense(ctx, x.view, w.view, b.view, y.view, 2, 2, 2, 0)
           : CLRELU_ERROR_OUT_OF_MEMORY;
    mat_free(&x);
    mat_free(&w);
    mat_free(&b);
    mat_free(&y);
    if (st == CLRELU_ERROR_UNSUPPORTED) {
      printf("SKIPPED: %s\n", clrelu_last_error());
      clrelu_context_destroy(ctx);
      return test_failures ? 1 : SKIP_CODE;
    }
    CHECK_STATUS(st, CLRELU_SUCCESS);
  }

  static const size_t batches[] = {1, 3, 64};
  static const size_t ins[] = {1, 17, 784};
  static const size_t outs[] = {1, 10, 1000};
  int n = 0;
  for (int bi = 0; bi < 3; ++bi)
    for (int ii = 0; ii < 3; ++ii)
      for (int oi = 0; oi < 3; ++oi, ++n)
        check_shape(batches[bi], ins[ii], outs[oi], (size_t)(n % 4) * 3 + 1,
                    n % 2 ? 0.01f : 0.0f);
  /* both activations on one larger shape, aligned views */
  check_shape(64, 784, 1000, 0, 0.0f);
  check_shape(64, 784, 1000, 0, 0.01f);
  check_shape(37, 129, 65, 7, 1.0f); /* alpha 1: no activation */
  printf("dense: %d shapes checked\n", n + 3);
  check_no_inputs();
  check_second_queue();
  check_out_of_order();
  check_threads();
  clrelu_context_destroy(ctx);
  return test_finish("test_dense");
}
