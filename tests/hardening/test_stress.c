/* Threads hammering clrelu at once: 8 threads x 2000 random ops (every op,
 * F32/F16/BF16, random sizes, views at random offsets, in place, every bias
 * layout, sometimes through the _ev forms with events), first all on one
 * shared context, then on a context each. Every result is read back and
 * checked against tests/reference.c, elements around it unchanged. Built
 * with -fsanitize=thread too (CLRELU_SANITIZE=thread).
 * $CLRELU_STRESS_OPS sets the ops per thread. */
#include "hcheck.h"
#include "testutil.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define THREADS 8
#define MAXN 3000
#define MAXOFF 17
#define GUARD 2

static int ops_per_thread = 2000;
static int flush_ok;
static clrelu_context *shared;

typedef struct worker {
  int id;
  int own;      /* a context of its own */
  long checked; /* ops whose result was checked */
  long failures;
  char first[300]; /* the first failure */
} worker;

static void fail(worker *w, const char *fmt, const char *what,
                 const char *detail) {
  if (w->failures++ == 0)
    snprintf(w->first, sizeof w->first, fmt, what, detail);
}

/* A parent buffer with random contents (host holds a copy) and a view of
 * count elements from off. */
typedef struct arr {
  clrelu_buffer *parent, *view;
  unsigned char *host;
  size_t size, off;
} arr;

static int arr_make(clrelu_context *ctx, arr *a, clrelu_dtype d, size_t off,
                    size_t count, uint64_t *rng) {
  size_t es = hc_size(d);
  a->size = off + count + GUARD;
  a->off = off;
  a->parent = a->view = NULL;
  a->host = malloc(a->size * es);
  if (!a->host)
    return 0;
  hc_fill(d, a->host, a->size, rng);
  return clrelu_buffer_create(ctx, d, a->size, &a->parent) == CLRELU_SUCCESS &&
         clrelu_buffer_write(a->parent, 0, a->size, a->host) ==
             CLRELU_SUCCESS &&
         clrelu_buffer_view(a->parent, off, count, &a->view) == CLRELU_SUCCESS;
}

static void arr_free(arr *a) {
  clrelu_buffer_destroy(a->view);
  clrelu_buffer_destroy(a->parent);
  free(a->host);
}

/* A size: mostly small, sometimes up to MAXN. */
static size_t pick_n(uint64_t *rng) {
  uint64_t r = hc_rand(rng);
  switch (r % 4) {
  case 0:
    return (size_t)(r >> 8) % 20;
  case 1:
    return (size_t)(r >> 8) % 300;
  default:
    return (size_t)(r >> 8) % (MAXN + 1);
  }
}

/* $CLRELU_STRESS_F32: float32 only (the host code is the same for every
 * dtype; under valgrind each 16-bit program takes minutes to compile). */
static int f32_only;

static void one_op(worker *w, clrelu_context *ctx, uint64_t *rng) {
  static const clrelu_dtype dts[] = {CLRELU_F32, CLRELU_F16, CLRELU_BF16};
  clrelu_dtype d = dts[hc_rand(rng) % 3];
  if (f32_only)
    d = CLRELU_F32;
  enum hc_op op = (enum hc_op)(hc_rand(rng) % HC_NOPS);
  size_t es = hc_size(d), n, outer = 0, channels = 0, inner = 0;
  if (hc_is_bias(op)) {
    switch (hc_rand(rng) % 3) {
    case 0: /* rows: dense or NHWC */
      channels = 2 + hc_rand(rng) % 200;
      inner = 1;
      break;
    case 1: /* planes: NCHW */
      channels = 1 + hc_rand(rng) % 16;
      inner = 2 + hc_rand(rng) % 100;
      break;
    default: /* one channel */
      channels = 1;
      inner = 1 + hc_rand(rng) % 500;
      break;
    }
    outer = hc_rand(rng) % (MAXN / (channels * inner) + 1);
    n = outer * channels * inner;
  } else {
    n = pick_n(rng);
  }
  size_t na = hc_is_bias(op) ? channels : n;
  /* mode 0: y separate; 1: y is x; 2: y is a (not for bias) */
  int mode = (int)(hc_rand(rng) % 3);
  if (mode == 2 && (hc_is_bias(op) || !hc_binary(op)))
    mode = 0;
  float alpha = hc_param(op, rng);
  size_t extra = hc_rand(rng) % 3; /* views may be longer than n */
  arr x, a, y;
  memset(&a, 0, sizeof a);
  memset(&y, 0, sizeof y);
  int ok = arr_make(ctx, &x, d, hc_rand(rng) % MAXOFF, n + extra + 1, rng);
  if (hc_binary(op))
    ok = ok && arr_make(ctx, &a, d, hc_rand(rng) % MAXOFF,
                        (na ? na : 1) + extra, rng);
  if (mode == 0)
    ok = ok && arr_make(ctx, &y, d, hc_rand(rng) % MAXOFF, n + extra + 1, rng);
  char what[200];
  snprintf(what, sizeof what,
           "%s %s n=%zu (%zux%zux%zu) mode=%d alpha=%g thread=%d %s",
           hc_op_names[op], hc_dtype_names[d], n, outer, channels, inner, mode,
           (double)alpha, w->id, w->own ? "own context" : "shared context");
  if (!ok) {
    fail(w, "%s: setup failed: %s", what, clrelu_last_error());
  } else {
    arr *out = mode == 0 ? &y : mode == 1 ? &x : &a;
    unsigned char *want = malloc(out->size * es);
    unsigned char *got = malloc(out->size * es);
    memcpy(want, out->host, out->size * es);
    hc_expect(op, d, hc_binary(op) ? a.host + a.off * es : NULL,
              x.host + x.off * es, want + out->off * es, n, channels, inner,
              alpha);
    /* now and then through the _ev form: wait for a marker, take the event */
    cl_event done = NULL, marker = NULL;
    clrelu_events ev = {0, NULL, &done};
    int use_ev = hc_rand(rng) % 4 == 0;
    if (use_ev && clEnqueueMarkerWithWaitList(clrelu_context_queue(ctx), 0,
                                              NULL, &marker) == CL_SUCCESS) {
      ev.num_wait = 1;
      ev.wait = &marker;
    }
    clrelu_status st = hc_call(ctx, op, a.view, x.view, out->view, n, outer,
                               channels, inner, alpha, use_ev ? &ev : NULL);
    if (st != CLRELU_SUCCESS)
      fail(w, "%s: %s", what, clrelu_last_error());
    else if (use_ev && (!done || clWaitForEvents(1, &done) != CL_SUCCESS))
      fail(w, "%s: %s", what, "no usable done event");
    else if (clrelu_buffer_read(out->parent, 0, out->size, got) !=
             CLRELU_SUCCESS)
      fail(w, "%s: read: %s", what, clrelu_last_error());
    else {
      size_t i = 0;
      while (i < out->size && hc_same(d, got, want, i, flush_ok))
        ++i;
      if (i < out->size) {
        char at[64];
        snprintf(at, sizeof at, "element %zu of %zu differs", i, out->size);
        fail(w, "%s: %s", what, at);
      }
      ++w->checked;
    }
    if (done)
      clReleaseEvent(done);
    if (marker)
      clReleaseEvent(marker);
    free(want);
    free(got);
  }
  arr_free(&x);
  if (hc_binary(op))
    arr_free(&a);
  if (mode == 0)
    arr_free(&y);
}

static void *work(void *arg) {
  worker *w = arg;
  clrelu_context *ctx = shared;
  if (w->own && clrelu_context_create(NULL, &ctx) != CLRELU_SUCCESS) {
    fail(w, "%s: %s", "clrelu_context_create", clrelu_last_error());
    return NULL;
  }
  uint64_t rng =
      test_seed * 1000003u + (uint64_t)w->id * 7919u + (uint64_t)w->own;
  for (int k = 0; k < ops_per_thread; ++k)
    one_op(w, ctx, &rng);
  if (w->own) {
    if (clrelu_finish(ctx) != CLRELU_SUCCESS)
      fail(w, "%s: %s", "clrelu_finish", clrelu_last_error());
    clrelu_context_destroy(ctx);
  }
  return NULL;
}

int main(void) {
  test_init();
  const char *env = getenv("CLRELU_STRESS_OPS");
  if (env && atoi(env) > 0)
    ops_per_thread = atoi(env);
  f32_only = getenv("CLRELU_STRESS_F32") != NULL;
  shared = test_context();
  flush_ok = !test_device_denorms(shared);
  long total = 0;
  for (int own = 0; own < 2; ++own) {
    pthread_t t[THREADS];
    worker w[THREADS];
    memset(w, 0, sizeof w);
    for (int i = 0; i < THREADS; ++i) {
      w[i].id = i;
      w[i].own = own;
      CHECK(pthread_create(&t[i], NULL, work, &w[i]) == 0, "thread %d", i);
    }
    for (int i = 0; i < THREADS; ++i)
      pthread_join(t[i], NULL);
    long checked = 0;
    for (int i = 0; i < THREADS; ++i) {
      checked += w[i].checked;
      CHECK(w[i].failures == 0, "%ld failure(s); first: %s", w[i].failures,
            w[i].first);
    }
    CHECK(checked == (long)THREADS * ops_per_thread, "%ld of %ld ops checked",
          checked, (long)THREADS * ops_per_thread);
    printf("%d threads x %d ops on %s: %ld results checked\n", THREADS,
           ops_per_thread, own ? "a context each" : "one shared context",
           checked);
    total += checked;
  }
  CHECK_STATUS(clrelu_finish(shared), CLRELU_SUCCESS);
  clrelu_context_destroy(shared);
  printf("test_stress: %ld ops checked in all\n", total);
  return test_finish("test_stress");
}
