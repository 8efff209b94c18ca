/* Fault injection (fault_shim.c): one scenario per entry point (context
 * create, create from a queue, buffer create, wrap and view, write and
 * read, every op plain and with events, finish, a failing kernel build) is
 * run once to count the OpenCL calls and host allocations clrelu makes, then
 * once more for each of them, failing just that one. Every run must either
 * succeed with a verified result (clrelu routed around the fault) or fail
 * cleanly: the documented status (OUT_OF_MEMORY for resource errors and
 * allocations, OPENCL otherwise), a message naming what failed, NULL in the
 * out-parameter, no buffer changed. Either way nothing leaks (host blocks
 * and OpenCL references clrelu took are given back), the caller's objects
 * keep their reference counts, and the contexts still work. */
#include "fault_shim.h"
#include "hcheck.h"
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define N 1000
#define SENTINEL ((void *)16)

static clrelu_context *fx;  /* on its own queue, in order */
static clrelu_context *fxo; /* on an out-of-order queue of ours, or NULL */
static cl_context ucl;      /* fx's OpenCL context */
static cl_device_id udev;
static cl_command_queue uq_in, uq_ooo; /* queues of "the caller" */
static int flush_ok;
static uint64_t rng = 99;

/* Fixture buffers of one context and their host contents. */
typedef struct fixture {
  clrelu_context *ctx;
  clrelu_buffer *x, *a, *bias, *y;
  clrelu_buffer *mask, *dbias; /* the training passes' (N bits, 64 floats) */
  float hx[N], ha[N], hbias[64], hy[N], hdbias[64];
  uint32_t hmask[(N + 31) / 32];
} fixture;
static fixture fin, fooo;

/* ---- bookkeeping of one run ---- */

typedef struct run {
  clrelu_status st; /* of the call under test */
  int out_null;     /* on failure: the out-parameter is NULL (1: none) */
  int verified;     /* on success: the result is right */
  int unchanged;    /* on failure: no buffer changed */
  char note[200];
} run;

typedef struct scenario {
  const char *name;
  void (*fn)(run *r, void *arg);
  void *arg;
  clrelu_status expect; /* without a fault */
} scenario;

/* Per entry point: faults injected, runs that failed cleanly, runs that
 * succeeded anyway. */
#define MAX_NAMES 64
static struct {
  const char *name;
  long injected, failed, recovered;
} stats[MAX_NAMES];
static long points, not_reached;

static void count(const char *name, int failed) {
  int i = 0;
  while (i < MAX_NAMES - 1 && stats[i].name && strcmp(stats[i].name, name))
    ++i;
  stats[i].name = name;
  ++stats[i].injected;
  if (failed)
    ++stats[i].failed;
  else
    ++stats[i].recovered;
}

/* Entry points whose failure clrelu cannot route around. */
static int must_fail(const char *name) {
  static const char *const list[] = {"clCreateContext",
                                     "clCreateCommandQueue",
                                     "clCreateProgramWithSource",
                                     "clCreateKernel",
                                     "clCreateBuffer",
                                     "clSetKernelArg",
                                     "clEnqueueNDRangeKernel",
                                     "clEnqueueReadBuffer",
                                     "clEnqueueWriteBuffer",
                                     "clEnqueueMarkerWithWaitList",
                                     "clFinish",
                                     "clRetainMemObject",
                                     "clRetainContext",
                                     "clRetainCommandQueue"};
  for (size_t i = 0; i < sizeof list / sizeof list[0]; ++i)
    if (strcmp(name, list[i]) == 0)
      return 1;
  return 0;
}

static const char *cl_code_name(cl_int code) {
  switch (code) {
  case CL_OUT_OF_RESOURCES:
    return "CL_OUT_OF_RESOURCES";
  case CL_INVALID_OPERATION:
    return "CL_INVALID_OPERATION";
  case CL_BUILD_PROGRAM_FAILURE:
    return "CL_BUILD_PROGRAM_FAILURE";
  default:
    return "?";
  }
}

/* ---- helpers run outside the shim's window (not counted) ---- */

/* Reference counts settle once the implementation lets go of finished
 * commands (PoCL does that on a thread of its own): callers poll, sleeping
 * 10 ms at a time, for up to a second. */
static void nap(void) {
  struct timespec ts = {0, 10 * 1000 * 1000};
  nanosleep(&ts, NULL);
}

static int refcount_queue(cl_command_queue q) {
  cl_uint n = 0;
  clGetCommandQueueInfo(q, CL_QUEUE_REFERENCE_COUNT, sizeof n, &n, NULL);
  return (int)n;
}
static int refcount_context(cl_context c) {
  cl_uint n = 0;
  clGetContextInfo(c, CL_CONTEXT_REFERENCE_COUNT, sizeof n, &n, NULL);
  return (int)n;
}
static int refcount_mem(cl_mem m) {
  cl_uint n = 0;
  clGetMemObjectInfo(m, CL_MEM_REFERENCE_COUNT, sizeof n, &n, NULL);
  return (int)n;
}

static int same_f32(const float *got, const float *want, size_t n) {
  for (size_t i = 0; i < n; ++i)
    if (!hc_same(CLRELU_F32, got, want, i, flush_ok))
      return 0;
  return 1;
}

/* Whether ctx computes a ReLU right, on buffers of its own. */
static int context_works(clrelu_context *ctx) {
  float in[100], out[100], want[100];
  hc_fill(CLRELU_F32, in, 100, &rng);
  hc_expect(HC_RELU, CLRELU_F32, NULL, in, want, 100, 1, 1, 0.0f);
  clrelu_buffer *b = NULL;
  int ok = clrelu_buffer_create(ctx, CLRELU_F32, 100, &b) == CLRELU_SUCCESS &&
           clrelu_buffer_write(b, 0, 100, in) == CLRELU_SUCCESS &&
           clrelu_relu(ctx, b, b, 100) == CLRELU_SUCCESS &&
           clrelu_buffer_read(b, 0, 100, out) == CLRELU_SUCCESS &&
           same_f32(out, want, 100);
  clrelu_buffer_destroy(b);
  return ok;
}

/* Whether a buffer of count elements of dtype d takes and gives back data. */
static int buffer_works(clrelu_buffer *b, clrelu_dtype d, size_t count) {
  if (!b || clrelu_buffer_count(b) != count || clrelu_buffer_dtype(b) != d)
    return 0;
  unsigned char in[4 * 64], out[4 * 64];
  size_t n = count < 64 ? count : 64;
  hc_fill(d, in, n, &rng);
  return clrelu_buffer_write(b, count - n, n, in) == CLRELU_SUCCESS &&
         clrelu_buffer_read(b, count - n, n, out) == CLRELU_SUCCESS &&
         memcmp(in, out, n * hc_size(d)) == 0;
}

/* The buffers, and every op run once: an op family's program is built on
 * its first use and lives with the context, which the sweeps would count
 * as a reference not given back. */
static int fixture_make(fixture *f, clrelu_context *ctx) {
  f->ctx = ctx;
  hc_fill(CLRELU_F32, f->hx, N, &rng);
  hc_fill(CLRELU_F32, f->ha, N, &rng);
  hc_fill(CLRELU_F32, f->hbias, 64, &rng);
  hc_fill(CLRELU_F32, f->hy, N, &rng);
  int ok =
      clrelu_buffer_create(ctx, CLRELU_F32, N, &f->x) == CLRELU_SUCCESS &&
      clrelu_buffer_create(ctx, CLRELU_F32, N, &f->a) == CLRELU_SUCCESS &&
      clrelu_buffer_create(ctx, CLRELU_F32, 64, &f->bias) == CLRELU_SUCCESS &&
      clrelu_buffer_create(ctx, CLRELU_F32, N, &f->y) == CLRELU_SUCCESS &&
      clrelu_buffer_write(f->x, 0, N, f->hx) == CLRELU_SUCCESS &&
      clrelu_buffer_write(f->a, 0, N, f->ha) == CLRELU_SUCCESS &&
      clrelu_buffer_write(f->bias, 0, 64, f->hbias) == CLRELU_SUCCESS;
  for (int op = 0; ok && op < HC_NOPS; ++op)
    ok = hc_call(ctx, (enum hc_op)op,
                 hc_is_bias((enum hc_op)op) ? f->bias : f->a, f->x, f->y, N,
                 N / 8, 8, 1, 0.5f, NULL) == CLRELU_SUCCESS;
  for (size_t i = 0; i < 64; ++i)
    f->hdbias[i] = 7.0f;
  for (size_t w = 0; w < (N + 31) / 32; ++w)
    f->hmask[w] = (uint32_t)hc_rand(&rng);
  const clrelu_act relu = {CLRELU_ACT_RELU, 0.0f, 0.0f};
  ok = ok &&
       clrelu_buffer_create(ctx, CLRELU_MASK, N, &f->mask) == CLRELU_SUCCESS &&
       clrelu_buffer_create(ctx, CLRELU_F32, 64, &f->dbias) == CLRELU_SUCCESS &&
       clrelu_bias_act_mask(ctx, f->x, f->bias, f->y, f->mask, 1, 1, N,
                            &relu) == CLRELU_SUCCESS &&
       clrelu_act_backward_mask(ctx, f->a, f->mask, f->y, f->dbias, 1, 1, N,
                                &relu) == CLRELU_SUCCESS &&
       clrelu_buffer_write(f->mask, 0, N, f->hmask) == CLRELU_SUCCESS &&
       clrelu_buffer_write(f->dbias, 0, 64, f->hdbias) == CLRELU_SUCCESS;
  return ok && clrelu_finish(ctx) == CLRELU_SUCCESS;
}

static void fixture_free(fixture *f) {
  clrelu_buffer_destroy(f->mask);
  clrelu_buffer_destroy(f->dbias);
  clrelu_buffer_destroy(f->x);
  clrelu_buffer_destroy(f->a);
  clrelu_buffer_destroy(f->bias);
  clrelu_buffer_destroy(f->y);
}

/* Resets y to hy; reads y into got. */
static int reset_y(fixture *f) {
  return clrelu_buffer_write(f->y, 0, N, f->hy) == CLRELU_SUCCESS;
}
static int read_y(fixture *f, float *got) {
  return clrelu_finish(f->ctx) == CLRELU_SUCCESS &&
         clrelu_buffer_read(f->y, 0, N, got) == CLRELU_SUCCESS;
}

/* ---- scenarios: the call under test runs in a counted window; cleanup
 * that frees what it made runs in a tracked one ---- */

static void sc_context_create(run *r, void *arg) {
  (void)arg;
  clrelu_context *c = SENTINEL;
  fault_begin(1);
  r->st = clrelu_context_create(NULL, &c);
  fault_end();
  r->out_null = c == NULL;
  /* checked and destroyed in a tracked window: the events the check leaves
   * in c (its last command on an out-of-order queue) are then counted */
  fault_begin(0);
  if (r->st == CLRELU_SUCCESS || r->st == CLRELU_ERROR_BUILD_FAILED)
    r->verified = r->st == CLRELU_SUCCESS ? context_works(c) : c == NULL;
  if (c != SENTINEL)
    clrelu_context_destroy(c);
  fault_end();
}

/* The caller's queue and context reference counts once finished commands
 * have let go of them: read again until two readings 10 ms apart agree. */
static void quiet_counts(cl_command_queue q, int *rq, int *rc) {
  clFinish(q);
  clFinish(clrelu_context_queue(fx));
  *rq = refcount_queue(q);
  *rc = refcount_context(ucl);
  for (int i = 0; i < 100; ++i) {
    nap();
    int q2 = refcount_queue(q), c2 = refcount_context(ucl);
    if (q2 == *rq && c2 == *rc)
      return;
    *rq = q2;
    *rc = c2;
  }
}

static void sc_context_from_queue(run *r, void *arg) {
  cl_command_queue q = arg;
  int rq, rc, rq2, rc2;
  quiet_counts(q, &rq, &rc);
  clrelu_context *c = SENTINEL;
  fault_begin(1);
  r->st = clrelu_context_create_from_queue(q, &c);
  fault_end();
  r->out_null = c == NULL;
  fault_begin(0);
  if (r->st == CLRELU_SUCCESS)
    r->verified = context_works(c) && clrelu_context_queue(c) == q;
  if (c != SENTINEL)
    clrelu_context_destroy(c);
  fault_end();
  quiet_counts(q, &rq2, &rc2);
  if (rq2 != rq || rc2 != rc) {
    snprintf(r->note, sizeof r->note,
             "the caller's queue/context reference counts went %d/%d -> %d/%d",
             rq, rc, rq2, rc2);
    r->unchanged = r->verified = 0;
  }
}

static void sc_buffer_create(run *r, void *arg) {
  (void)arg;
  clrelu_buffer *b = SENTINEL;
  fault_begin(1);
  r->st = clrelu_buffer_create(fx, CLRELU_F16, N, &b);
  fault_end();
  r->out_null = b == NULL;
  if (r->st == CLRELU_SUCCESS)
    r->verified = buffer_works(b, CLRELU_F16, N);
  if (b != SENTINEL) {
    fault_begin(0);
    clrelu_buffer_destroy(b);
    fault_end();
  }
}

static void sc_buffer_wrap(run *r, void *arg) {
  (void)arg;
  cl_int err;
  cl_mem mem = clCreateBuffer(ucl, CL_MEM_READ_WRITE, 4 * N, NULL, &err);
  int r0 = refcount_mem(mem);
  clrelu_buffer *b = SENTINEL;
  fault_begin(1);
  r->st = clrelu_buffer_wrap(fx, mem, CLRELU_BF16, 2 * N - 3, &b);
  fault_end();
  r->out_null = b == NULL;
  if (r->st == CLRELU_SUCCESS)
    r->verified = buffer_works(b, CLRELU_BF16, 2 * N - 3);
  if (b != SENTINEL) {
    fault_begin(0);
    clrelu_buffer_destroy(b);
    fault_end();
  }
  for (int i = 0; i < 100 && refcount_mem(mem) != r0; ++i)
    nap();
  if (refcount_mem(mem) != r0) {
    snprintf(r->note, sizeof r->note,
             "the caller's cl_mem reference count went %d -> %d", r0,
             refcount_mem(mem));
    r->unchanged = r->verified = 0;
  }
  clReleaseMemObject(mem);
}

static void sc_buffer_view(run *r, void *arg) {
  (void)arg;
  clrelu_buffer *v = SENTINEL;
  fault_begin(1);
  r->st = clrelu_buffer_view(fin.x, 3, 50, &v);
  fault_end();
  r->out_null = v == NULL;
  if (r->st == CLRELU_SUCCESS) {
    float got[50];
    r->verified = clrelu_buffer_count(v) == 50 &&
                  clrelu_buffer_read(v, 0, 50, got) == CLRELU_SUCCESS &&
                  same_f32(got, fin.hx + 3, 50);
  }
  if (v != SENTINEL) {
    fault_begin(0);
    clrelu_buffer_destroy(v);
    fault_end();
  }
}

static void sc_write(run *r, void *arg) {
  fixture *f = arg;
  float src[100], got[N], want[N];
  hc_fill(CLRELU_F32, src, 100, &rng);
  if (!reset_y(f) || clrelu_finish(f->ctx) != CLRELU_SUCCESS)
    return;
  fault_begin(1);
  r->st = clrelu_buffer_write(f->y, 5, 100, src);
  fault_end();
  memcpy(want, f->hy, sizeof want);
  memcpy(want + 5, src, sizeof src);
  int ok = read_y(f, got);
  r->verified = ok && same_f32(got, want, N);
  r->unchanged = ok && same_f32(got, f->hy, N);
}

static void sc_read(run *r, void *arg) {
  fixture *f = arg;
  float dst[100], got[N];
  if (!reset_y(f) || clrelu_finish(f->ctx) != CLRELU_SUCCESS)
    return;
  fault_begin(1);
  r->st = clrelu_buffer_read(f->y, 5, 100, dst);
  fault_end();
  r->verified = same_f32(dst, f->hy + 5, 100);
  r->unchanged = read_y(f, got) && same_f32(got, f->hy, N);
}

/* An op on a fixture. mode 0: plain; 1: _ev with a done event; 2: _ev with
 * a done event and 9 events to wait for (clrelu allocates the list); 3: n = 0
 * with a done event (a marker). */
typedef struct op_case {
  fixture *f;
  enum hc_op op;
  size_t outer, channels, inner; /* bias_relu */
  int mode;
} op_case;

static void sc_op(run *r, void *arg) {
  const op_case *c = arg;
  fixture *f = c->f;
  size_t n = c->mode == 3 ? 0 : N;
  float alpha = 0.25f, got[N], want[N];
  cl_event wait[9], done = SENTINEL;
  cl_uint nwait = c->mode == 2 ? 9 : 0;
  for (cl_uint i = 0; i < nwait; ++i)
    clEnqueueMarkerWithWaitList(clrelu_context_queue(f->ctx), 0, NULL,
                                &wait[i]);
  if (!reset_y(f) || clrelu_finish(f->ctx) != CLRELU_SUCCESS)
    return;
  clrelu_events ev = {nwait, nwait ? wait : NULL, &done};
  size_t outer = c->mode == 3 ? 0 : c->outer;
  fault_begin(1);
  r->st = hc_call(f->ctx, c->op, hc_is_bias(c->op) ? f->bias : f->a, f->x, f->y,
                  n, outer, c->channels, c->inner, alpha, c->mode ? &ev : NULL);
  fault_end();
  memcpy(want, f->hy, sizeof want);
  hc_expect(c->op, CLRELU_F32, hc_is_bias(c->op) ? f->hbias : f->ha, f->hx,
            want, hc_is_bias(c->op) ? outer * c->channels * c->inner : n,
            c->channels, c->inner, alpha);
  int ok = read_y(f, got);
  if (c->mode == 0)
    done = NULL;
  r->out_null = done == NULL;
  r->verified = ok && same_f32(got, want, N) &&
                (c->mode == 0 ||
                 (done != NULL && clWaitForEvents(1, &done) == CL_SUCCESS));
  r->unchanged = ok && same_f32(got, f->hy, N);
  if (done && done != SENTINEL) {
    fault_begin(0); /* the reference clrelu handed over */
    clReleaseEvent(done);
    fault_end();
  }
  for (cl_uint i = 0; i < nwait; ++i)
    clReleaseEvent(wait[i]);
}

/* The training passes, with ReLU6: 0 the forward pass with a mask (rows),
 * 1 the backward pass from the mask, 2 from the input (one plane of N:
 * dbias takes two levels, through a scratch buffer). A backward pass that
 * fails after its first command was enqueued may leave dx written (the
 * header says so); dbias and the mask stay as they were. */
typedef struct train_case {
  fixture *f;
  int pass;
} train_case;

static void sc_train(run *r, void *arg) {
  const train_case *c = arg;
  fixture *f = c->f;
  const clrelu_act act = {CLRELU_ACT_CLIPPED_RELU, 6.0f, 0.0f};
  float got[N], want[N], db[64], want_db[64];
  uint32_t mask[(N + 31) / 32], want_mask[(N + 31) / 32];
  const size_t outer = c->pass ? 1 : 20, channels = c->pass ? 1 : 50,
               inner = c->pass ? N : 1;
  if (!reset_y(f) ||
      clrelu_buffer_write(f->mask, 0, N, f->hmask) != CLRELU_SUCCESS ||
      clrelu_buffer_write(f->dbias, 0, 64, f->hdbias) != CLRELU_SUCCESS ||
      clrelu_finish(f->ctx) != CLRELU_SUCCESS)
    return;
  fault_begin(1);
  if (c->pass == 0)
    r->st = clrelu_bias_act_mask(f->ctx, f->x, f->bias, f->y, f->mask, outer,
                                 channels, inner, &act);
  else if (c->pass == 1)
    r->st = clrelu_act_backward_mask(f->ctx, f->a, f->mask, f->y, f->dbias,
                                     outer, channels, inner, &act);
  else
    r->st = clrelu_bias_act_backward(f->ctx, f->a, f->x, f->bias, f->y,
                                     f->dbias, outer, channels, inner, &act);
  fault_end();
  memcpy(want, f->hy, sizeof want);
  memcpy(want_mask, f->hmask, sizeof want_mask);
  memcpy(want_db, f->hdbias, sizeof want_db);
  if (c->pass == 0)
    clrelu_cpu_bias_act_mask(f->hx, f->hbias, want, want_mask, outer, channels,
                             inner, &act);
  else if (c->pass == 1)
    clrelu_cpu_act_backward_mask(f->ha, f->hmask, want, want_db, outer,
                                 channels, inner, &act);
  else
    clrelu_cpu_bias_act_backward(f->ha, f->hx, f->hbias, want, want_db, outer,
                                 channels, inner, &act);
  int ok = read_y(f, got) &&
           clrelu_buffer_read(f->mask, 0, N, mask) == CLRELU_SUCCESS &&
           clrelu_buffer_read(f->dbias, 0, 64, db) == CLRELU_SUCCESS;
  r->verified = ok && same_f32(got, want, N) && same_f32(db, want_db, 64) &&
                memcmp(mask, want_mask, sizeof mask) == 0;
  r->unchanged =
      ok && same_f32(db, f->hdbias, 64) &&
      memcmp(mask, f->hmask, sizeof mask) == 0 &&
      (same_f32(got, f->hy, N) || (c->pass > 0 && same_f32(got, want, N)));
}

static void sc_finish(run *r, void *arg) {
  fixture *f = arg;
  clrelu_relu(f->ctx, f->x, f->y, N); /* something to wait for */
  fault_begin(1);
  r->st = clrelu_finish(f->ctx);
  fault_end();
  r->verified = 1;
}

/* ---- the driver ---- */

static int runs_checked;

/* Checks one run; fp is what was failed (NULL: nothing), code the OpenCL
 * error injected (CL_SUCCESS for an allocation). */
static void judge(const scenario *s, const run *r, const char *fp, cl_int code,
                  long at, long blocks0, long objects0) {
  char where[160];
  snprintf(where, sizeof where, "%s, fault at call %ld (%s%s%s)", s->name, at,
           fp ? fp : "not reached", code != CL_SUCCESS ? " -> " : "",
           code != CL_SUCCESS ? cl_code_name(code) : "");
  ++runs_checked;
  const char *msg = clrelu_last_error();
  if (!fp) {
    ++not_reached;
    CHECK(r->st == s->expect && r->verified, "%s: got %s, verified %d: %s",
          where, clrelu_status_string(r->st), r->verified, msg);
  } else if (r->st == s->expect) {
    /* clrelu routed around the fault */
    count(fp, 0);
    CHECK(!must_fail(fp), "%s: succeeded although %s failed", where, fp);
    CHECK(r->verified, "%s: succeeded with a wrong result %s", where, r->note);
  } else {
    count(fp, 1);
    int resource = code == CL_SUCCESS || code == CL_OUT_OF_RESOURCES;
    clrelu_status want =
        resource ? CLRELU_ERROR_OUT_OF_MEMORY : CLRELU_ERROR_OPENCL;
    CHECK(r->st == want, "%s: got %s, want %s: %s", where,
          clrelu_status_string(r->st), clrelu_status_string(want), msg);
    CHECK(strstr(msg, fp) || strstr(msg, cl_code_name(code)) ||
              (code == CL_SUCCESS &&
               (strstr(msg, "memory") || strstr(msg, "MEMORY"))),
          "%s: the message does not say what failed: \"%s\"", where, msg);
    CHECK(r->out_null, "%s: the out-parameter is not NULL", where);
    CHECK(r->unchanged, "%s: a buffer changed %s", where, r->note);
  }
  CHECK(fault_live_blocks() == blocks0,
        "%s: %ld host block(s) clrelu allocated were not freed", where,
        fault_live_blocks() - blocks0);
  CHECK(fault_live_objects() == objects0,
        "%s: %ld OpenCL reference(s) clrelu took were not given back", where,
        fault_live_objects() - objects0);
  CHECK(context_works(fx), "%s: the context no longer works", where);
  if (fxo)
    CHECK(context_works(fxo), "%s: the out-of-order context no longer works",
          where);
}

static void one(const scenario *s, run *r) {
  memset(r, 0, sizeof *r);
  r->out_null = r->unchanged = 1;
  s->fn(r, s->arg);
}

static void sweep(const scenario *s, const char *always, cl_int always_code) {
  run r;
  long blocks0 = fault_live_blocks(), objects0 = fault_live_objects();
  fault_reset();
  fault_arm_always(always, always_code);
  one(s, &r);
  long ncl = fault_cl_calls(), nalloc = fault_alloc_calls();
  judge(s, &r, NULL, CL_SUCCESS, 0, blocks0, objects0);
  static const cl_int codes[] = {CL_OUT_OF_RESOURCES, CL_INVALID_OPERATION};
  for (size_t c = 0; c < 2; ++c)
    for (long k = 1; k <= ncl; ++k) {
      fault_reset();
      fault_arm_always(always, always_code);
      fault_arm_cl(k, codes[c]);
      one(s, &r);
      const char *fp = fault_failed();
      judge(s, &r, fp, codes[c], k, blocks0, objects0);
      points += fp != NULL;
    }
  for (long k = 1; k <= nalloc; ++k) {
    fault_reset();
    fault_arm_always(always, always_code);
    fault_arm_alloc(k);
    one(s, &r);
    const char *fp = fault_failed();
    judge(s, &r, fp, CL_SUCCESS, k, blocks0, objects0);
    points += fp != NULL;
  }
  fault_reset();
  printf("%-42s %3ld OpenCL calls x 2 errors, %2ld allocations\n", s->name, ncl,
         nalloc);
}

int main(void) {
  test_init();
  /* no on-disk caches: every run takes the same path */
  setenv("CLRELU_CACHE_DIR", "off", 1);
  fx = test_context();
  flush_ok = !test_device_denorms(fx);
  clGetCommandQueueInfo(clrelu_context_queue(fx), CL_QUEUE_CONTEXT, sizeof ucl,
                        &ucl, NULL);
  clGetCommandQueueInfo(clrelu_context_queue(fx), CL_QUEUE_DEVICE, sizeof udev,
                        &udev, NULL);
  cl_int err;
  uq_in = clCreateCommandQueue(ucl, udev, 0, &err);
  uq_ooo = clCreateCommandQueue(ucl, udev,
                                CL_QUEUE_OUT_OF_ORDER_EXEC_MODE_ENABLE, &err);
  if (!uq_in ||
      clrelu_context_create_from_queue(uq_ooo, &fxo) != CLRELU_SUCCESS) {
    printf("no out-of-order queue: %s\n", clrelu_last_error());
    fxo = NULL;
  }
  if (!fixture_make(&fin, fx) || (fxo && !fixture_make(&fooo, fxo))) {
    fprintf(stderr, "fixture: %s\n", clrelu_last_error());
    return 1;
  }

  /* per queue: write, read, finish, every op once, bias twice, three more
   * modes of Leaky ReLU and of both bias shapes; and the scenarios above */
  enum { MAX_CASES = 2 * (3 + HC_NOPS + 1 + 3 + 6) };
  scenario list[MAX_CASES + 16];
  op_case cases[MAX_CASES];
  train_case trains[2][3];
  int ns = 0, nc = 0;
#define ADD(nm, f, a, ex) list[ns++] = (scenario){nm, f, a, ex}
  ADD("context_create", sc_context_create, NULL, CLRELU_SUCCESS);
  ADD("context_create_from_queue (in order)", sc_context_from_queue, uq_in,
      CLRELU_SUCCESS);
  if (uq_ooo)
    ADD("context_create_from_queue (out of order)", sc_context_from_queue,
        uq_ooo, CLRELU_SUCCESS);
  ADD("buffer_create", sc_buffer_create, NULL, CLRELU_SUCCESS);
  ADD("buffer_wrap", sc_buffer_wrap, NULL, CLRELU_SUCCESS);
  ADD("buffer_view", sc_buffer_view, NULL, CLRELU_SUCCESS);
  fixture *fs[2] = {&fin, fxo ? &fooo : NULL};
  for (int q = 0; q < 2 && fs[q]; ++q) {
    const char *tag = q ? " (out of order)" : "";
    static char names[MAX_CASES][80];
    snprintf(names[nc], sizeof names[nc], "buffer_write%s", tag);
    ADD(names[nc++], sc_write, fs[q], CLRELU_SUCCESS);
    snprintf(names[nc], sizeof names[nc], "buffer_read%s", tag);
    ADD(names[nc++], sc_read, fs[q], CLRELU_SUCCESS);
    snprintf(names[nc], sizeof names[nc], "finish%s", tag);
    ADD(names[nc++], sc_finish, fs[q], CLRELU_SUCCESS);
    /* the bias ops share one path: clrelu_bias_relu, and clrelu_bias_act
     * with one activation */
    for (int op = 0; op <= HC_BIAS + 1; ++op)
      for (int mode = 0; mode < 4; ++mode) {
        if (mode > 0 && op != HC_LEAKY_RELU && op != HC_BIAS)
          continue; /* the event paths are shared: two ops suffice */
        int shapes = op == HC_BIAS ? 2 : 1;
        for (int sh = 0; sh < shapes; ++sh) {
          op_case *c = &cases[nc];
          *c = (op_case){fs[q], (enum hc_op)op, 0, 0, 0, mode};
          if (hc_is_bias(op)) { /* rows (inner 1) and planes (inner 100) */
            c->outer = sh ? 2 : 20;
            c->channels = sh ? 5 : 50;
            c->inner = sh ? 100 : 1;
          }
          static const char *const modes[] = {
              "", " _ev done", " _ev done + 9 waits", " _ev n=0 (marker)"};
          snprintf(names[nc], sizeof names[nc], "%s%s%s%s", hc_op_names[op],
                   hc_is_bias(op) ? (sh ? " planes" : " rows") : "",
                   modes[mode], tag);
          ADD(names[nc], sc_op, c, CLRELU_SUCCESS);
          ++nc;
        }
      }
    static const char *const train_names[2][3] = {
        {"bias_act_mask", "act_backward_mask", "bias_act_backward"},
        {"bias_act_mask (out of order)", "act_backward_mask (out of order)",
         "bias_act_backward (out of order)"}};
    for (int p = 0; p < 3; ++p) {
      trains[q][p] = (train_case){fs[q], p};
      ADD(train_names[q][p], sc_train, &trains[q][p], CLRELU_SUCCESS);
    }
  }
  for (int i = 0; i < ns; ++i)
    sweep(&list[i], NULL, CL_SUCCESS);
  /* the build fails: the build log is fetched and handed over */
  scenario build = {"context_create, kernel build fails", sc_context_create,
                    NULL, CLRELU_ERROR_BUILD_FAILED};
  sweep(&build, "clBuildProgram", CL_BUILD_PROGRAM_FAILURE);

  printf("\n%-28s %9s %7s %10s\n", "entry point", "injected", "failed",
         "recovered");
  for (int i = 0; i < MAX_NAMES && stats[i].name; ++i)
    printf("%-28s %9ld %7ld %10ld\n", stats[i].name, stats[i].injected,
           stats[i].failed, stats[i].recovered);
  printf("test_faults: %ld fault points exercised over %d scenarios "
         "(%d runs checked, %ld faults not reached)\n",
         points, ns + 1, runs_checked, not_reached);

  fixture_free(&fin);
  if (fxo)
    fixture_free(&fooo);
  clrelu_context_destroy(fxo);
  clrelu_context_destroy(fx);
  if (uq_in)
    clReleaseCommandQueue(uq_in);
  if (uq_ooo)
    clReleaseCommandQueue(uq_ooo);
  return test_finish("test_faults");
}
