/* relu_table: ReLU, its derivative, Leaky ReLU and Leaky ReLU's backward pass,
 * ReLU6 (clipped ReLU, cap 6) and PReLU (one slope) on an OpenCL device for the
 * integers -10..10, printed next to the results of the CPU functions, with a
 * line saying whether they agree bit for bit.
 *
 *   relu_table [--device SPEC]
 *
 * Exit status: 0 when device and CPU agree, 1 when they do not or a library
 * call failed, 2 for a bad command line. */
#include "clrelu.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define N 21        /* the integers -10..10 */
#define ALPHA 0.1f  /* Leaky ReLU's slope for x <= 0 */
#define SLOPE 0.25f /* PReLU's one slope */
#define NFUNCS 6

static const char *const func_names[NFUNCS] = {"relu",      "relu'", "leaky",
                                               "leaky_bwd", "relu6", "prelu"};

static void usage(FILE *f, const char *prog) {
  fprintf(f,
          "usage: %s [--device SPEC] [--help]\n"
          "Evaluates relu, relu_derivative, leaky_relu (alpha %.1f),\n"
          "leaky_relu_backward (dy = 1), clipped_relu (cap 6: ReLU6) and\n"
          "prelu (slope %.2f) for x = -10..10 on an OpenCL device and on the\n"
          "CPU, and prints both.\n"
          "  --device SPEC  device to use, as $CLRELU_DEVICE: \"gpu\", "
          "\"cpu\",\n"
          "                 \"P:D\" (platform P, device D) or part of a "
          "name\n",
          prog, (double)ALPHA, (double)SLOPE);
}

/* Prints what failed and the library's own message; returns 0 on failure so
 * that callers can write `if (!ok(...)) goto done;`. */
static int ok(clrelu_status st, const char *what) {
  if (st == CLRELU_SUCCESS)
    return 1;
  fprintf(stderr, "error: %s: %s: %s\n", what, clrelu_status_string(st),
          clrelu_last_error());
  return 0;
}

/* The same float, bit for bit; any NaN equals any NaN. */
static int same_bits(float a, float b) {
  uint32_t ua, ub;
  memcpy(&ua, &a, sizeof ua);
  memcpy(&ub, &b, sizeof ub);
  return ua == ub || (a != a && b != b);
}

int main(int argc, char **argv) {
  const char *device = NULL;
  for (int i = 1; i < argc; ++i) {
    if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
      usage(stdout, argv[0]);
      return 0;
    } else if (strcmp(argv[i], "--device") == 0 && i + 1 < argc) {
      device = argv[++i];
    } else {
      fprintf(stderr, "%s: unknown or incomplete option '%s'\n", argv[0],
              argv[i]);
      usage(stderr, argv[0]);
      return 2;
    }
  }

  float x[N], ones[N];
  float dev[NFUNCS][N], cpu[NFUNCS][N];
  for (int i = 0; i < N; ++i) {
    x[i] = (float)(i - 10);
    ones[i] = 1.0f;
  }

  int status = 1;
  clrelu_context *ctx = NULL;
  clrelu_buffer *bx = NULL, *bdy = NULL, *bs = NULL, *by[NFUNCS] = {NULL};
  const float slope = SLOPE;

  if (!ok(clrelu_context_create(device, &ctx), "clrelu_context_create"))
    goto done;
  printf("device: %s\n", clrelu_context_device_name(ctx));
  printf("CPU functions: clrelu_cpu_* (%s)\n\n", clrelu_cpu_isa());

  /* Inputs to the device, one output buffer per function. */
  if (!ok(clrelu_buffer_create(ctx, CLRELU_F32, N, &bx), "buffer_create") ||
      !ok(clrelu_buffer_create(ctx, CLRELU_F32, N, &bdy), "buffer_create") ||
      !ok(clrelu_buffer_create(ctx, CLRELU_F32, 1, &bs), "buffer_create"))
    goto done;
  for (int f = 0; f < NFUNCS; ++f)
    if (!ok(clrelu_buffer_create(ctx, CLRELU_F32, N, &by[f]), "buffer_create"))
      goto done;
  if (!ok(clrelu_buffer_write(bx, 0, N, x), "clrelu_buffer_write") ||
      !ok(clrelu_buffer_write(bdy, 0, N, ones), "clrelu_buffer_write") ||
      !ok(clrelu_buffer_write(bs, 0, 1, &slope), "clrelu_buffer_write"))
    goto done;

  /* The ops are enqueued in order; the blocking reads wait for them. */
  if (!ok(clrelu_relu(ctx, bx, by[0], N), "clrelu_relu") ||
      !ok(clrelu_relu_derivative(ctx, bx, by[1], N),
          "clrelu_relu_derivative") ||
      !ok(clrelu_leaky_relu(ctx, bx, by[2], N, ALPHA), "clrelu_leaky_relu") ||
      !ok(clrelu_leaky_relu_backward(ctx, bdy, bx, by[3], N, ALPHA),
          "clrelu_leaky_relu_backward") ||
      !ok(clrelu_clipped_relu(ctx, bx, by[4], N, 6.0f),
          "clrelu_clipped_relu") ||
      !ok(clrelu_prelu(ctx, bx, bs, by[5], 1, 1, N), "clrelu_prelu"))
    goto done;
  for (int f = 0; f < NFUNCS; ++f)
    if (!ok(clrelu_buffer_read(by[f], 0, N, dev[f]), "clrelu_buffer_read"))
      goto done;

  /* The same functions on the host. */
  clrelu_cpu_relu(x, cpu[0], N);
  clrelu_cpu_relu_derivative(x, cpu[1], N);
  clrelu_cpu_leaky_relu(x, cpu[2], N, ALPHA);
  clrelu_cpu_leaky_relu_backward(ones, x, cpu[3], N, ALPHA);
  if (!ok(clrelu_cpu_clipped_relu(x, cpu[4], N, 6.0f),
          "clrelu_cpu_clipped_relu") ||
      !ok(clrelu_cpu_prelu(x, &slope, cpu[5], 1, 1, N), "clrelu_cpu_prelu"))
    goto done;

  printf("alpha = %.1f, dy = 1, cap 6, slope %.2f; each function as device / "
         "CPU; * marks a difference in bits\n\n",
         (double)ALPHA, (double)SLOPE);
  printf("%5s", "x");
  for (int f = 0; f < NFUNCS; ++f)
    printf(" | %17s ", func_names[f]);
  printf("\n-----");
  for (int f = 0; f < NFUNCS; ++f)
    printf("-+-------------------");
  printf("\n");

  int mismatches = 0;
  for (int i = 0; i < N; ++i) {
    printf("%5g", (double)x[i]);
    for (int f = 0; f < NFUNCS; ++f) {
      int same = same_bits(dev[f][i], cpu[f][i]);
      mismatches += !same;
      printf(" | %7g / %7g%c", (double)dev[f][i], (double)cpu[f][i],
             same ? ' ' : '*');
    }
    printf("\n");
  }

  printf("\n%d of %d values have the same bits on device and CPU\n",
         NFUNCS * N - mismatches, NFUNCS * N);
  printf("device and CPU agree bit for bit: %s\n", mismatches ? "no" : "yes");
  status = mismatches ? 1 : 0;

done:
  for (int f = 0; f < NFUNCS; ++f)
    clrelu_buffer_destroy(by[f]);
  clrelu_buffer_destroy(bdy);
  clrelu_buffer_destroy(bs);
  clrelu_buffer_destroy(bx);
  clrelu_context_destroy(ctx);
  return status;
}
