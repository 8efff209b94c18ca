/* clrelu-soak: a long run that must not grow. One context does many small
 * ops (every op and dtype, views made and destroyed around each, now and
 * then an event, every 97th result checked against the CPU ops), then
 * contexts are made and destroyed over and over (each one used once).
 * Resident memory (VmRSS) is printed at the start, as the run goes and at
 * the end; the run fails if it grew by more than --max-growth MiB after the
 * warm-up (the first tenth of each phase, while caches fill).
 *   clrelu-soak [--ops N] [--contexts N] [--device SPEC] [--max-growth MIB] */
#include <clrelu.h>

#include "optable.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SIZE 4096 /* elements of each buffer */

/* VmRSS from /proc/self/status, in MiB (-1 where there is none). */
static double rss_mib(void) {
  FILE *f = fopen("/proc/self/status", "r");
  char line[256];
  double kib = -1;
  while (f && fgets(line, sizeof line, f))
    if (strncmp(line, "VmRSS:", 6) == 0) {
      kib = atof(line + 6);
      break;
    }
  if (f)
    fclose(f);
  return kib < 0 ? -1 : kib / 1024.0;
}

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint64_t rng = 0x50a6;
static uint64_t next(void) { /* xorshift64 */
  rng ^= rng << 13;
  rng ^= rng >> 7;
  rng ^= rng << 17;
  return rng;
}

static void fail(const char *what) {
  fprintf(stderr, "clrelu-soak: %s: %s\n", what, clrelu_last_error());
  exit(1);
}

typedef struct set {
  clrelu_dtype dtype;
  clrelu_buffer *x, *a, *y; /* a: dy, or the bias */
  float fx[SIZE], fa[SIZE];
  uint16_t hx[SIZE], ha[SIZE];
} set;

static void set_make(clrelu_context *ctx, set *s, clrelu_dtype d) {
  s->dtype = d;
  for (int i = 0; i < SIZE; ++i) {
    s->fx[i] = (float)((int)(next() % 2001) - 1000) / 37.0f;
    s->fa[i] = (float)((int)(next() % 2001) - 1000) / 53.0f;
  }
  if (d == CLRELU_F16) {
    clrelu_f32_to_f16(s->fx, s->hx, SIZE);
    clrelu_f32_to_f16(s->fa, s->ha, SIZE);
  } else if (d == CLRELU_BF16) {
    clrelu_f32_to_bf16(s->fx, s->hx, SIZE);
    clrelu_f32_to_bf16(s->fa, s->ha, SIZE);
  }
  const void *x = d == CLRELU_F32 ? (const void *)s->fx : (const void *)s->hx;
  const void *a = d == CLRELU_F32 ? (const void *)s->fa : (const void *)s->ha;
  if (clrelu_buffer_create(ctx, d, SIZE, &s->x) != CLRELU_SUCCESS ||
      clrelu_buffer_create(ctx, d, SIZE, &s->a) != CLRELU_SUCCESS ||
      clrelu_buffer_create(ctx, d, SIZE, &s->y) != CLRELU_SUCCESS ||
      clrelu_buffer_write(s->x, 0, SIZE, x) != CLRELU_SUCCESS ||
      clrelu_buffer_write(s->a, 0, SIZE, a) != CLRELU_SUCCESS)
    fail("making buffers");
}

static void set_free(set *s) {
  clrelu_buffer_destroy(s->x);
  clrelu_buffer_destroy(s->a);
  clrelu_buffer_destroy(s->y);
}

/* The ops: those of the op table (src/optable.h), then bias + activation
 * on rows (the table's ops take alpha = 0.125 where they take one). */
#define OP_ID(C, ID, ...) OP_##ID,
enum { CLRELU_ELTWISE_OPS(OP_ID, 0) OP_BIAS, NOPS };
#define OP_ALPHA(C, ID, name, inputs, param, ...)                              \
  [OP_##ID] = CLRELU_PARAM_VALUE_##param(0.125f),
static const float op_alpha[NOPS] = {CLRELU_ELTWISE_OPS(OP_ALPHA, 0)[OP_BIAS] =
                                         0.125f};

/* The same op on the CPU, for elements [off, off + n) of the set's inputs,
 * into want (as the dtype's bits). */
#define CPU_CASE(C, ID, name, inputs, param, ...)                              \
  case OP_##ID:                                                                \
    clrelu_cpu_##name(CLRELU_IN_ARGS_##inputs(a, x), y,                        \
                      n CLRELU_PARAM_ARG_##param(alpha));                      \
    break;
#define CPU16_CASE(C, ID, name, inputs, param, ...)                            \
  case OP_##ID:                                                                \
    st = clrelu_cpu_##name##_16(s->dtype, CLRELU_IN_ARGS_##inputs(a, x), y,    \
                                n CLRELU_PARAM_ARG_##param(alpha));            \
    break;
static void cpu_op(const set *s, int op, size_t off, size_t n, size_t ch,
                   float alpha, void *want) {
  if (s->dtype == CLRELU_F32) {
    const float *x = s->fx + off, *a = s->fa + off;
    float *y = want;
    switch (op) {
      CLRELU_ELTWISE_OPS(CPU_CASE, 0)
    default:
      clrelu_cpu_bias_relu(x, s->fa, y, n / ch, ch, 1, alpha);
      break;
    }
    (void)a;
    return;
  }
  const uint16_t *x = s->hx + off, *a = s->ha + off;
  uint16_t *y = want;
  clrelu_status st;
  switch (op) {
    CLRELU_ELTWISE_OPS(CPU16_CASE, 0)
  default:
    st = clrelu_cpu_bias_relu_16(s->dtype, x, s->ha, y, n / ch, ch, 1, alpha);
    break;
  }
  (void)a;
  if (st != CLRELU_SUCCESS)
    fail("CPU op");
}

/* One small op on views made for it; checked when check is set. */
#define DEVICE_CASE(C, ID, name, inputs, param, ...)                           \
  case OP_##ID:                                                                \
    st = clrelu_##name##_ev(ctx, CLRELU_IN_ARGS_##inputs(va, vx), vy,          \
                            n CLRELU_PARAM_ARG_##param(alpha), e);             \
    break;
static void one_op(clrelu_context *ctx, set *s, int check) {
  int op = (int)(next() % NOPS);
  size_t n = 1 + next() % 256, off = next() % (SIZE - 256);
  size_t ch = 1 + next() % 16;
  if (op == OP_BIAS)
    n = n < ch ? ch : n / ch * ch; /* whole rows */
  float alpha = op_alpha[op];
  clrelu_buffer *vx, *va, *vy;
  if (clrelu_buffer_view(s->x, off, n, &vx) != CLRELU_SUCCESS ||
      clrelu_buffer_view(s->a, op == OP_BIAS ? 0 : off, op == OP_BIAS ? ch : n,
                         &va) != CLRELU_SUCCESS ||
      clrelu_buffer_view(s->y, off, n, &vy) != CLRELU_SUCCESS)
    fail("making views");
  cl_event done = NULL;
  clrelu_events ev = {0, NULL, &done};
  const clrelu_events *e = next() % 8 == 0 ? &ev : NULL;
  clrelu_status st;
  switch (op) {
    CLRELU_ELTWISE_OPS(DEVICE_CASE, 0)
  default:
    st = clrelu_bias_relu_ev(ctx, vx, va, vy, n / ch, ch, 1, alpha, e);
    break;
  }
  if (st != CLRELU_SUCCESS)
    fail("op");
  if (done)
    clReleaseEvent(done);
  if (check) {
    float want[256], got[256];
    cpu_op(s, op, off, n, ch, alpha, want);
    if (clrelu_buffer_read(vy, 0, n, got) != CLRELU_SUCCESS)
      fail("reading a result");
    size_t bytes = n * (s->dtype == CLRELU_F32 ? 4 : 2);
    if (memcmp(got, want, bytes) != 0) {
      fprintf(stderr,
              "clrelu-soak: op %d, dtype %d, %zu elements at %zu: the device "
              "and the CPU differ\n",
              op, (int)s->dtype, n, off);
      exit(1);
    }
  }
  clrelu_buffer_destroy(vx);
  clrelu_buffer_destroy(va);
  clrelu_buffer_destroy(vy);
}

static void usage(FILE *f) {
  fprintf(f,
          "usage: clrelu-soak [--ops N] [--contexts N] [--device SPEC]\n"
          "                   [--max-growth MIB]\n"
          "Runs N small ops (default 1000000) on one context, then makes and\n"
          "destroys N contexts (default 10000), printing resident memory;\n"
          "fails if it grows by more than MIB (default 32) after warm-up.\n");
}

/* Prints progress; returns the RSS. */
static double report(const char *phase, long done, long total, double t0) {
  double rss = rss_mib();
  printf("  %-8s %9ld / %-9ld rss %8.1f MiB  %7.1f s\n", phase, done, total,
         rss, now_s() - t0);
  fflush(stdout);
  return rss;
}

int main(int argc, char **argv) {
  long nops = 1000000, nctx = 10000;
  double max_growth = 32;
  const char *device = NULL;
  for (int i = 1; i < argc; ++i) {
    if (strcmp(argv[i], "--ops") == 0 && i + 1 < argc)
      nops = atol(argv[++i]);
    else if (strcmp(argv[i], "--contexts") == 0 && i + 1 < argc)
      nctx = atol(argv[++i]);
    else if (strcmp(argv[i], "--device") == 0 && i + 1 < argc)
      device = argv[++i];
    else if (strcmp(argv[i], "--max-growth") == 0 && i + 1 < argc)
      max_growth = atof(argv[++i]);
    else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
      usage(stdout);
      return 0;
    } else {
      usage(stderr);
      return 2;
    }
  }
  if (nops < 0 || nctx < 0 || !(max_growth >= 0)) {
    usage(stderr);
    return 2;
  }
  double t0 = now_s(), start = rss_mib();
  clrelu_context *ctx = NULL;
  if (clrelu_context_create(device, &ctx) != CLRELU_SUCCESS)
    fail("clrelu_context_create");
  printf("clrelu-soak: %s; %ld ops, %ld contexts\n",
         clrelu_context_device_name(ctx), nops, nctx);
  printf("  rss at start %.1f MiB, with a context %.1f MiB\n", start,
         rss_mib());
  int failed = 0;

  /* ---- ops on one context ---- */
  set sets[3];
  set_make(ctx, &sets[0], CLRELU_F32);
  set_make(ctx, &sets[1], CLRELU_F16);
  set_make(ctx, &sets[2], CLRELU_BF16);
  long step = nops >= 10 ? nops / 10 : 1, checked = 0;
  double warm = -1, last = rss_mib();
  for (long k = 0; k < nops; ++k) {
    int check = k % 97 == 0;
    one_op(ctx, &sets[k % 3], check);
    checked += check;
    if (k % 256 == 255 && clrelu_finish(ctx) != CLRELU_SUCCESS)
      fail("clrelu_finish");
    if ((k + 1) % step == 0 || k + 1 == nops) {
      if (clrelu_finish(ctx) != CLRELU_SUCCESS)
        fail("clrelu_finish");
      last = report("ops", k + 1, nops, t0);
      if (warm < 0)
        warm = last;
    }
  }
  for (int i = 0; i < 3; ++i)
    set_free(&sets[i]);
  clrelu_context_destroy(ctx);
  if (warm >= 0 && last - warm > max_growth) {
    printf("  ops: rss grew %.1f MiB after warm-up (limit %.1f)\n", last - warm,
           max_growth);
    failed = 1;
  }
  printf("  %ld ops, %ld results checked against the CPU\n", nops, checked);

  /* ---- contexts made and destroyed ---- */
  step = nctx >= 10 ? nctx / 10 : 1;
  warm = -1;
  double tc = now_s();
  for (long k = 0; k < nctx; ++k) {
    clrelu_context *c = NULL;
    clrelu_buffer *b = NULL;
    float v[4] = {-1.0f, 2.0f, -0.0f, NAN}, r[4];
    if (clrelu_context_create(device, &c) != CLRELU_SUCCESS ||
        clrelu_buffer_create(c, CLRELU_F32, 4, &b) != CLRELU_SUCCESS ||
        clrelu_buffer_write(b, 0, 4, v) != CLRELU_SUCCESS ||
        clrelu_relu(c, b, b, 4) != CLRELU_SUCCESS ||
        clrelu_buffer_read(b, 0, 4, r) != CLRELU_SUCCESS)
      fail("a context's round trip");
    if (r[0] != 0.0f || r[1] != 2.0f || r[2] != 0.0f || signbit(r[2]) ||
        !isnan(r[3])) {
      fprintf(stderr, "clrelu-soak: context %ld computed a wrong ReLU\n", k);
      return 1;
    }
    clrelu_buffer_destroy(b);
    clrelu_context_destroy(c);
    if ((k + 1) % step == 0 || k + 1 == nctx) {
      last = report("contexts", k + 1, nctx, t0);
      if (warm < 0)
        warm = last;
    }
  }
  if (nctx > 0)
    printf("  %.1f ms per context made, used and destroyed\n",
           (now_s() - tc) * 1e3 / (double)nctx);
  if (warm >= 0 && last - warm > max_growth) {
    printf("  contexts: rss grew %.1f MiB after warm-up (limit %.1f)\n",
           last - warm, max_growth);
    failed = 1;
  }
  double end = rss_mib();
  printf("clrelu-soak: rss start %.1f MiB, end %.1f MiB: %s\n", start, end,
         failed ? "GREW" : "flat");
  return failed;
}
