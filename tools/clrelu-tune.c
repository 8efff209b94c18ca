/* clrelu-tune: measures candidate launch shapes for every op on one device,
 * prints the table, and writes the winner to the device's tuning cache file,
 * which later contexts on that device read.
 *   clrelu-tune [--device SPEC] [--size N] [--reps N] [--quick] [--dry-run]
 *               [--clear] */
#include "optable.h"
#include <clrelu.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *const candidates[] = {
    /* CPU-like: long contiguous runs, streaming stores */
    "vec=16,items=64,local=16,nt=1,contig=1",
    "vec=16,items=16,local=16,nt=1,contig=1",
    "vec=16,items=256,local=4,nt=1,contig=1",
    "vec=16,items=64,local=16,nt=0,contig=1",
    "vec=8,items=64,local=16,nt=1,contig=1",
    "vec=16,items=16,local=64,nt=1,contig=1",
    /* GPU-like: adjacent work-items on adjacent vectors */
    "vec=4,items=1,local=256,nt=0,contig=0",
    "vec=4,items=4,local=256,nt=0,contig=0",
    "vec=4,items=4,local=64,nt=0,contig=0",
    "vec=8,items=1,local=256,nt=0,contig=0",
    "vec=8,items=4,local=128,nt=0,contig=0",
    "vec=2,items=4,local=256,nt=0,contig=0",
};
#define NCAND (sizeof candidates / sizeof candidates[0])

/* What is timed, from the library's op table (src/optable.h): every
 * elementwise op in float32, every bias activation on [N][1024] rows and
 * on NCHW 7x7 planes, and ReLU on F16. */
#define T_ELT(C, ID, ...) T_##ID,
#define T_BIAS(C, ID, ...) T_BIAS_##ID##_ROWS, T_BIAS_##ID##_PLANES,
enum {
  CLRELU_ELTWISE_OPS(T_ELT, 0) CLRELU_BIAS_ACTS(T_BIAS, 0) T_RELU_F16,
  NOPS
};
#define N_ELT(C, ID, name, ...) [T_##ID] = #name,
#define N_BIAS(C, ID, name, ...)                                               \
  [T_BIAS_##ID##_ROWS] = "bias_" #name "[N][C]",                               \
  [T_BIAS_##ID##_PLANES] = "bias_" #name " NCHW",
static const char *const op_names[NOPS] = {
    CLRELU_ELTWISE_OPS(N_ELT, 0) CLRELU_BIAS_ACTS(N_BIAS, 0)[T_RELU_F16] =
        "relu f16"};
/* Bytes read and written per element (a bias is left out). */
#define B_ELT(C, ID, name, inputs, ...) [T_##ID] = 4.0 * ((inputs) + 1),
#define B_BIAS(C, ID, ...) [T_BIAS_##ID##_ROWS] = 8, [T_BIAS_##ID##_PLANES] = 8,
static const double op_bytes[NOPS] = {
    CLRELU_ELTWISE_OPS(B_ELT, 0) CLRELU_BIAS_ACTS(B_BIAS, 0)[T_RELU_F16] = 4};

/* Runs op once: x, d (dy), y and b (1024 biases) float32; h, hy F16. */
#define RUN_ELT(C, ID, name, inputs, param, ...)                               \
  case T_##ID:                                                                 \
    return clrelu_##name(                                                      \
        ctx, CLRELU_IN_ARGS_##inputs(d, x), y,                                 \
        n CLRELU_PARAM_ARG_##param(CLRELU_PARAM_TYPICAL_##param));
#define RUN_BIAS(C, ID, name, param)                                           \
  case T_BIAS_##ID##_ROWS:                                                     \
    return clrelu_bias_act(                                                    \
        ctx, x, b, y, n / 1024, 1024, 1,                                       \
        &(clrelu_act){CLRELU_ACT_##ID, CLRELU_PARAM_TYPICAL_##param, 0.0f});   \
  case T_BIAS_##ID##_PLANES:                                                   \
    return clrelu_bias_act(                                                    \
        ctx, x, b, y, n / ((size_t)64 * 49), 64, 49,                           \
        &(clrelu_act){CLRELU_ACT_##ID, CLRELU_PARAM_TYPICAL_##param, 0.0f});
static clrelu_status run_op(clrelu_context *ctx, int op, clrelu_buffer *x,
                            clrelu_buffer *d, clrelu_buffer *y,
                            clrelu_buffer *b, clrelu_buffer *h,
                            clrelu_buffer *hy, size_t n) {
  switch (op) {
    CLRELU_ELTWISE_OPS(RUN_ELT, 0)
    CLRELU_BIAS_ACTS(RUN_BIAS, 0)
  default:
    return clrelu_relu(ctx, h, hy, n);
  }
}

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int cmp(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static int fail(const char *what, clrelu_status st) {
  fprintf(stderr, "clrelu-tune: %s: %s: %s\n", what, clrelu_status_string(st),
          clrelu_last_error());
  return 1;
}

/* GB/s of each op with shape (NULL: the context's own choice). */
static clrelu_status measure(const char *device, const char *shape, size_t n,
                             int reps, double *gbs, char *chosen,
                             size_t chosen_size) {
  const clrelu_options opts = {.device = device, .tuning = shape};
  clrelu_context *ctx = NULL;
  clrelu_status st = clrelu_context_create_with(&opts, &ctx);
  if (st != CLRELU_SUCCESS)
    return st;
  snprintf(chosen, chosen_size, "%s", clrelu_context_tuning(ctx));
  clrelu_buffer *x = NULL, *y = NULL, *d = NULL, *b = NULL, *h = NULL,
                *hy = NULL;
  float *host = malloc(n * sizeof *host);
  uint16_t *h16 = malloc(n * sizeof *h16);
  if (!host || !h16) {
    st = CLRELU_ERROR_OUT_OF_MEMORY;
    goto done;
  }
  for (size_t i = 0; i < n; ++i)
    host[i] = (float)((int)(i * 7 % 1000) - 500) * 0.37f;
  clrelu_f32_to_f16(host, h16, n);
  if ((st = clrelu_buffer_create(ctx, CLRELU_F32, n, &x)) ||
      (st = clrelu_buffer_create(ctx, CLRELU_F32, n, &y)) ||
      (st = clrelu_buffer_create(ctx, CLRELU_F32, n, &d)) ||
      (st = clrelu_buffer_create(ctx, CLRELU_F32, 1024, &b)) ||
      (st = clrelu_buffer_create(ctx, CLRELU_F16, n, &h)) ||
      (st = clrelu_buffer_create(ctx, CLRELU_F16, n, &hy)) ||
      (st = clrelu_buffer_write(x, 0, n, host)) ||
      (st = clrelu_buffer_write(d, 0, n, host)) ||
      (st = clrelu_buffer_write(b, 0, 1024, host)) ||
      (st = clrelu_buffer_write(h, 0, n, h16)))
    goto done;
  for (int op = 0; op < NOPS; ++op) {
    double t[64];
    for (int r = -1; r < reps; ++r) { /* one warm-up */
      double t0 = now();
      st = run_op(ctx, op, x, d, y, b, h, hy, n);
      if (st == CLRELU_SUCCESS)
        st = clrelu_finish(ctx);
      if (st != CLRELU_SUCCESS)
        goto done;
      if (r >= 0)
        t[r] = now() - t0;
    }
    qsort(t, (size_t)reps, sizeof t[0], cmp);
    gbs[op] = op_bytes[op] * (double)n / t[reps / 2] / 1e9;
  }
done:
  free(host);
  free(h16);
  clrelu_buffer_destroy(x);
  clrelu_buffer_destroy(y);
  clrelu_buffer_destroy(d);
  clrelu_buffer_destroy(b);
  clrelu_buffer_destroy(h);
  clrelu_buffer_destroy(hy);
  clrelu_context_destroy(ctx);
  return st;
}

static void usage(FILE *f) {
  fprintf(f,
          "usage: clrelu-tune [--device SPEC] [--size N] [--reps N] [--quick]\n"
          "                   [--dry-run] [--clear]\n"
          "Times every op with each candidate launch shape on one device and\n"
          "writes the best (highest geometric mean of GB/s) to the device's\n"
          "tuning cache, which later contexts read. --clear deletes it.\n");
}

int main(int argc, char **argv) {
  const char *device = NULL;
  size_t n = (size_t)1 << 24;
  int reps = 7, quick = 0, dry = 0, clear = 0;
  for (int i = 1; i < argc; ++i) {
    if (strcmp(argv[i], "--device") == 0 && i + 1 < argc)
      device = argv[++i];
    else if (strcmp(argv[i], "--size") == 0 && i + 1 < argc)
      n = strtoull(argv[++i], NULL, 0);
    else if (strcmp(argv[i], "--reps") == 0 && i + 1 < argc)
      reps = atoi(argv[++i]);
    else if (strcmp(argv[i], "--quick") == 0)
      quick = 1;
    else if (strcmp(argv[i], "--dry-run") == 0)
      dry = 1;
    else if (strcmp(argv[i], "--clear") == 0)
      clear = 1;
    else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
      usage(stdout);
      return 0;
    } else {
      usage(stderr);
      return 2;
    }
  }
  if (quick) {
    n = (size_t)1 << 16;
    reps = 2;
  }
  if (reps < 1 || reps > 64 || n < (size_t)64 * 49 * 2) {
    fprintf(stderr, "clrelu-tune: --reps 1..64 and --size >= 6272\n");
    return 2;
  }
  clrelu_context *ctx = NULL;
  clrelu_status st = clrelu_context_create(device, &ctx);
  if (st != CLRELU_SUCCESS)
    return fail("opening the device", st);
  char path[600];
  snprintf(path, sizeof path, "%s", clrelu_context_tuning_cache(ctx));
  printf("device      %s\ncache file  %s\nnow using   %s\n",
         clrelu_context_device_name(ctx), path[0] ? path : "(none)",
         clrelu_context_tuning(ctx));
  if (clear) {
    int gone = path[0] && remove(path) == 0;
    printf("%s\n", gone ? "cleared: the built-in table serves again"
                        : "nothing to clear");
    clrelu_context_destroy(ctx);
    return 0;
  }
  clrelu_context_destroy(ctx);

  size_t ncand = quick ? 3 : NCAND;
  printf("size        %zu elements, median of %d\n\n%-42s", n, reps, "shape");
  int width[NOPS];
  for (int op = 0; op < NOPS; ++op) {
    width[op] = (int)strlen(op_names[op]);
    printf(" %s", op_names[op]);
  }
  printf(" %8s\n", "geomean");
  double best = 0;
  size_t winner = 0;
  for (size_t c = 0; c < ncand; ++c) {
    double gbs[NOPS];
    char chosen[200];
    st = measure(device, candidates[c], n, reps, gbs, chosen, sizeof chosen);
    if (st != CLRELU_SUCCESS)
      return fail(candidates[c], st);
    double lg = 0;
    printf("%-42s", candidates[c]);
    for (int op = 0; op < NOPS; ++op) {
      printf(" %*.2f", width[op], gbs[op]);
      lg += log(gbs[op]);
    }
    double gm = exp(lg / NOPS);
    printf(" %8.2f\n", gm);
    if (gm > best) {
      best = gm;
      winner = c;
    }
  }
  printf("\nGB/s (bytes read + written); best: %s\n", candidates[winner]);
  if (dry) {
    printf("--dry-run: nothing written\n");
    return 0;
  }
  st = clrelu_context_create(device, &ctx);
  if (st != CLRELU_SUCCESS)
    return fail("opening the device", st);
  st = clrelu_context_tuning_save(ctx, candidates[winner]);
  clrelu_context_destroy(ctx);
  if (st != CLRELU_SUCCESS)
    return fail("writing the cache", st);
  printf("wrote %s\n", path);
  /* show that a new context picks it up */
  st = clrelu_context_create(device, &ctx);
  if (st != CLRELU_SUCCESS)
    return fail("opening the device", st);
  printf("contexts now use %s\n", clrelu_context_tuning(ctx));
  clrelu_context_destroy(ctx);
  return 0;
}
