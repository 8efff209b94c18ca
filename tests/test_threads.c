/* Threads sharing one context (and threads with a context each) issue random
 * ops at once (the first calls of each op family racing to build it); every
 * result is checked against the reference, PReLU's slope gradient, the
 * training passes' masks and bias gradients bit for bit too. */
#include "reference.h"
#include "testutil.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define THREADS 8
static int ops_per_thread = 200;
static clrelu_context *shared;
static int errors[THREADS];

typedef struct worker {
  int id;
  int own; /* a context of its own */
} worker;

static uint64_t next(uint64_t *s) { /* xorshift64 */
  *s ^= *s << 13;
  *s ^= *s >> 7;
  *s ^= *s << 17;
  return *s;
}

static void *work(void *arg) {
  worker *w = arg;
  clrelu_context *ctx = shared;
  if (w->own && clrelu_context_create(NULL, &ctx) != CLRELU_SUCCESS) {
    ++errors[w->id];
    return NULL;
  }
  uint64_t s = test_seed * 7919u + (uint64_t)w->id + 1;
  enum { MAXN = 5000 };
  float *hx = malloc(MAXN * 4), *hdy = malloc(MAXN * 4),
        *got = malloc(MAXN * 4), *want_dx = malloc(MAXN * 4);
  const clrelu_act relu = {CLRELU_ACT_RELU, 0.0f, 0.0f};
  clrelu_buffer *x = NULL, *dy = NULL, *y = NULL, *sl = NULL, *ds = NULL,
                *m = NULL;
  uint32_t hm[(MAXN + 31) / 32], wm[(MAXN + 31) / 32];
  clrelu_buffer_create(ctx, CLRELU_F32, MAXN, &x);
  clrelu_buffer_create(ctx, CLRELU_F32, MAXN, &dy);
  clrelu_buffer_create(ctx, CLRELU_F32, MAXN, &y);
  clrelu_buffer_create(ctx, CLRELU_F32, 8, &sl);
  clrelu_buffer_create(ctx, CLRELU_F32, 8, &ds);
  clrelu_buffer_create(ctx, CLRELU_MASK, MAXN, &m);
  const float hs[8] = {0.25f, -0.5f, 0.0f, 2.0f, 0.125f, 1.0f, -3.0f, 0.5f};
  float wds[8], gds[8];
  clrelu_buffer_write(sl, 0, 8, hs);
  for (int k = 0;
       k < ops_per_thread && hx && hdy && got && want_dx && x && dy && y && m;
       ++k) {
    size_t n = 1 + next(&s) % MAXN;
    for (size_t i = 0; i < n; ++i) {
      uint32_t u = (uint32_t)next(&s);
      float f = (float)((int32_t)u % 2000) / 16.0f;
      if (u % 97 == 0)
        memcpy(&f, &u, 4); /* any bit pattern now and then */
      hx[i] = f;
      hdy[i] = (float)((int32_t)(u >> 8) % 1000) / 8.0f;
    }
    clrelu_buffer_write(x, 0, n, hx);
    clrelu_buffer_write(dy, 0, n, hdy);
    /* an elementwise op of the table, (REF_NOPS) bias + activation,
     * (REF_NOPS + 1) PReLU's backward pass with its slope gradient, (+ 2)
     * the backward pass from the input with the bias gradient, (+ 3) the
     * forward pass with a mask */
    int op = (int)(next(&s) % (REF_NOPS + 4));
    float a = op < REF_NOPS ? ref_op_param((enum ref_op)op, (int)(next(&s) % 5))
                            : 0.125f * (float)(next(&s) % 5);
    clrelu_status st;
    size_t ch = 1 + next(&s) % 7, outer = n / ch;
    if (op < REF_NOPS) {
      st = test_device_op(ctx, (enum ref_op)op, dy, x, y, n, a);
    } else if (op == REF_NOPS) {
      st = clrelu_bias_relu(ctx, x, dy, y, outer, ch, 1, a);
      n = outer * ch;
    } else if (op == REF_NOPS + 1) {
      st = clrelu_prelu_backward(ctx, dy, x, sl, y, ds, outer, ch, 1);
      n = outer * ch;
      ref_prelu_dslope(hdy, hx, outer, ch, 1, wds);
      if (st == CLRELU_SUCCESS &&
          clrelu_buffer_read(ds, 0, ch, gds) == CLRELU_SUCCESS)
        for (size_t c = 0; c < ch; ++c)
          if (!test_same(gds[c], wds[c], 0))
            ++errors[w->id];
    } else if (op == REF_NOPS + 2) {
      st = clrelu_bias_act_backward(ctx, dy, x, sl, y, ds, outer, ch, 1, &relu);
      n = outer * ch;
      for (size_t i = 0; i < n; ++i)
        want_dx[i] = ref_bias_act_backward(REF_ACT_RELU, 0.0f,
                                           hx[i] + hs[i % ch], hdy[i]);
      ref_channel_sums(want_dx, outer, ch, 1, wds);
      if (st == CLRELU_SUCCESS &&
          clrelu_buffer_read(ds, 0, ch, gds) == CLRELU_SUCCESS)
        for (size_t c = 0; c < ch; ++c)
          if (!test_same(gds[c], wds[c], 0))
            ++errors[w->id];
    } else {
      st = clrelu_bias_act_mask(ctx, x, sl, y, m, outer, ch, 1, &relu);
      n = outer * ch;
      ref_bias_act_mask(hx, hs, wm, outer, ch, 1, REF_ACT_RELU, 0.0f);
      if (st == CLRELU_SUCCESS && n > 0 &&
          (clrelu_buffer_read(
               m, 0, (n + 31) / 32 * 32 < MAXN ? (n + 31) / 32 * 32 : MAXN,
               hm) != CLRELU_SUCCESS ||
           memcmp(hm, wm, (n + 31) / 32 * 4) != 0))
        ++errors[w->id];
    }
    if (st != CLRELU_SUCCESS ||
        clrelu_buffer_read(y, 0, n, got) != CLRELU_SUCCESS) {
      ++errors[w->id];
      continue;
    }
    for (size_t i = 0; i < n; ++i) {
      float want = op < REF_NOPS    ? ref_op((enum ref_op)op, hdy[i], hx[i], a)
                   : op == REF_NOPS ? ref_bias_relu(hx[i], hdy[i % ch], a)
                   : op == REF_NOPS + 1
                       ? ref_prelu_backward(hdy[i], hx[i], hs[i % ch])
                   : op == REF_NOPS + 2
                       ? want_dx[i]
                       : ref_act(REF_ACT_RELU, 0.0f, hx[i] + hs[i % ch]);
      if (!test_same(got[i], want, 1)) {
        ++errors[w->id];
        break;
      }
    }
  }
  clrelu_buffer_destroy(x);
  clrelu_buffer_destroy(dy);
  clrelu_buffer_destroy(y);
  clrelu_buffer_destroy(sl);
  clrelu_buffer_destroy(ds);
  clrelu_buffer_destroy(m);
  free(want_dx);
  free(hx);
  free(hdy);
  free(got);
  if (w->own)
    clrelu_context_destroy(ctx);
  return NULL;
}

int main(void) {
  test_init();
  const char *ops = getenv("CLRELU_TEST_THREAD_OPS");
  if (ops && atoi(ops) > 0)
    ops_per_thread = atoi(ops);
  shared = test_context();
  for (int own = 0; own < 2; ++own) {
    pthread_t t[THREADS];
    worker w[THREADS];
    memset(errors, 0, sizeof errors);
    for (int i = 0; i < THREADS; ++i) {
      w[i].id = i;
      w[i].own = own;
      CHECK(pthread_create(&t[i], NULL, work, &w[i]) == 0, "thread %d", i);
    }
    for (int i = 0; i < THREADS; ++i)
      pthread_join(t[i], NULL);
    for (int i = 0; i < THREADS; ++i)
      CHECK(errors[i] == 0, "%s context: thread %d had %d wrong ops",
            own ? "own" : "shared", i, errors[i]);
    printf("%d threads x %d ops on %s checked\n", THREADS, ops_per_thread,
           own ? "a context each" : "one shared context");
  }
  clrelu_context_destroy(shared);
  return test_finish("test_threads");
}
