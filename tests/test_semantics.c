/* The semantics table of the contract, row by row, on the device and the
 * CPU. Uses only clrelu.h (no test helpers), as a user's program would. */
#include "clrelu.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures;

static unsigned bits(float f) {
  unsigned u;
  memcpy(&u, &f, 4);
  return u;
}

/* Same bits, or both NaN. */
static void expect(const char *what, float got, float want) {
  if ((isnan(got) && isnan(want)) || bits(got) == bits(want))
    return;
  printf("FAILED: %s: got %a (0x%08x), want %a (0x%08x)\n", what, (double)got,
         bits(got), (double)want, bits(want));
  ++failures;
}

/* Clipped and thresholded ReLU at and around their parameter: each row is
 * one op with one parameter over the same inputs. */
static void clipped_and_thresholded(clrelu_context *ctx) {
  enum { M = 12 };
  const float six_lo = nextafterf(6.0f, 0.0f), six_hi = nextafterf(6.0f, 7.0f);
  const float one_lo = nextafterf(1.0f, 0.0f), one_hi = nextafterf(1.0f, 2.0f);
  const float x[M] = {NAN,    -0.0f, INFINITY, -INFINITY, -2.0f, 0.0f,
                      six_lo, 6.0f,  six_hi,   one_lo,    1.0f,  one_hi};
  const float dy[M] = {7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7};
  const float inf = INFINITY;
  static const char *const names[] = {"clipped_relu(cap 6)",
                                      "clipped_relu(cap inf)",
                                      "clipped_relu_backward(cap 6)",
                                      "clipped_relu_backward(cap inf)",
                                      "thresholded_relu(theta 1)",
                                      "thresholded_relu(theta -0.5)",
                                      "thresholded_relu_backward(theta 1)"};
  const float param[] = {6.0f, inf, 6.0f, inf, 1.0f, -0.5f, 1.0f};
  const float want[][M] = {
      {NAN, 0, 6, 0, 0, 0, six_lo, 6, 6, one_lo, 1, one_hi},
      {NAN, 0, inf, 0, 0, 0, six_lo, 6, six_hi, one_lo, 1, one_hi},
      {NAN, 0, 0, 0, 0, 0, 7, 0, 0, 7, 7, 7},
      {NAN, 0, 0, 0, 0, 0, 7, 7, 7, 7, 7, 7},
      {NAN, 0, inf, 0, 0, 0, six_lo, 6, six_hi, 0, 0, one_hi},
      {NAN, -0.0f, inf, 0, 0, 0, six_lo, 6, six_hi, one_lo, 1, one_hi},
      {NAN, 0, 7, 0, 0, 0, 7, 7, 7, 0, 0, 7}};
  clrelu_buffer *bx, *bdy, *by;
  clrelu_buffer_create(ctx, CLRELU_F32, M, &bx);
  clrelu_buffer_create(ctx, CLRELU_F32, M, &bdy);
  clrelu_buffer_create(ctx, CLRELU_F32, M, &by);
  clrelu_buffer_write(bx, 0, M, x);
  clrelu_buffer_write(bdy, 0, M, dy);
  for (int r = 0; r < 7; ++r) {
    float dev[M], cpu[M];
    clrelu_status sd, sc;
    if (r < 2) {
      sd = clrelu_clipped_relu(ctx, bx, by, M, param[r]);
      sc = clrelu_cpu_clipped_relu(x, cpu, M, param[r]);
    } else if (r < 4) {
      sd = clrelu_clipped_relu_backward(ctx, bdy, bx, by, M, param[r]);
      sc = clrelu_cpu_clipped_relu_backward(dy, x, cpu, M, param[r]);
    } else if (r < 6) {
      sd = clrelu_thresholded_relu(ctx, bx, by, M, param[r]);
      sc = clrelu_cpu_thresholded_relu(x, cpu, M, param[r]);
    } else {
      sd = clrelu_thresholded_relu_backward(ctx, bdy, bx, by, M, param[r]);
      sc = clrelu_cpu_thresholded_relu_backward(dy, x, cpu, M, param[r]);
    }
    if (sd != CLRELU_SUCCESS || sc != CLRELU_SUCCESS ||
        clrelu_buffer_read(by, 0, M, dev) != CLRELU_SUCCESS) {
      printf("FAILED: %s: %s\n", names[r], clrelu_last_error());
      ++failures;
      continue;
    }
    for (int i = 0; i < M; ++i) {
      char what[96];
      snprintf(what, sizeof what, "device %s at %a", names[r], (double)x[i]);
      expect(what, dev[i], want[r][i]);
      snprintf(what, sizeof what, "cpu %s at %a", names[r], (double)x[i]);
      expect(what, cpu[i], want[r][i]);
    }
  }
  clrelu_buffer_destroy(bx);
  clrelu_buffer_destroy(bdy);
  clrelu_buffer_destroy(by);
}

int main(void) {
  clrelu_context *ctx;
  clrelu_status st = clrelu_context_create(NULL, &ctx);
  if (st != CLRELU_SUCCESS) {
    printf("%s: %s\n", clrelu_status_string(st), clrelu_last_error());
    return st == CLRELU_ERROR_NO_DEVICE && !getenv("CLRELU_REQUIRE_DEVICE") ? 77
                                                                            : 1;
  }
  /* the columns of the table: NaN, -0.0, +inf, -inf, and a negative, a
   * positive and a zero value */
  enum { K = 7 };
  const float x[K] = {NAN, -0.0f, INFINITY, -INFINITY, -2.0f, 3.0f, 0.0f};
  const float dy[K] = {5.0f, 5.0f, 5.0f, 5.0f, 5.0f, 5.0f, 5.0f};
  const float a = 0.25f;
  const float want[5][K] = {
      /* relu */ {NAN, 0.0f, INFINITY, 0.0f, 0.0f, 3.0f, 0.0f},
      /* relu_derivative */ {NAN, 0.0f, 1.0f, 0.0f, 0.0f, 1.0f, 0.0f},
      /* relu_backward */ {NAN, 0.0f, 5.0f, 0.0f, 0.0f, 5.0f, 0.0f},
      /* leaky_relu */
      {NAN, a * -0.0f, INFINITY, a * -INFINITY, a * -2.0f, 3.0f, 0.0f},
      /* leaky_relu_backward */
      {NAN, a * 5.0f, 5.0f, a * 5.0f, a * 5.0f, 5.0f, a * 5.0f}};
  static const char *const names[5] = {"relu", "relu_derivative",
                                       "relu_backward", "leaky_relu",
                                       "leaky_relu_backward"};
  clrelu_buffer *bx, *bdy, *by;
  clrelu_buffer_create(ctx, CLRELU_F32, K, &bx);
  clrelu_buffer_create(ctx, CLRELU_F32, K, &bdy);
  clrelu_buffer_create(ctx, CLRELU_F32, K, &by);
  clrelu_buffer_write(bx, 0, K, x);
  clrelu_buffer_write(bdy, 0, K, dy);
  for (int op = 0; op < 5; ++op) {
    float dev[K], cpu[K];
    switch (op) {
    case 0:
      st = clrelu_relu(ctx, bx, by, K);
      clrelu_cpu_relu(x, cpu, K);
      break;
    case 1:
      st = clrelu_relu_derivative(ctx, bx, by, K);
      clrelu_cpu_relu_derivative(x, cpu, K);
      break;
    case 2:
      st = clrelu_relu_backward(ctx, bdy, bx, by, K);
      clrelu_cpu_relu_backward(dy, x, cpu, K);
      break;
    case 3:
      st = clrelu_leaky_relu(ctx, bx, by, K, a);
      clrelu_cpu_leaky_relu(x, cpu, K, a);
      break;
    default:
      st = clrelu_leaky_relu_backward(ctx, bdy, bx, by, K, a);
      clrelu_cpu_leaky_relu_backward(dy, x, cpu, K, a);
      break;
    }
    if (st != CLRELU_SUCCESS ||
        clrelu_buffer_read(by, 0, K, dev) != CLRELU_SUCCESS) {
      printf("FAILED: %s: %s\n", names[op], clrelu_last_error());
      ++failures;
      continue;
    }
    for (int i = 0; i < K; ++i) {
      char what[64];
      snprintf(what, sizeof what, "device %s(%g)", names[op], (double)x[i]);
      expect(what, dev[i], want[op][i]);
      snprintf(what, sizeof what, "cpu %s(%g)", names[op], (double)x[i]);
      expect(what, cpu[i], want[op][i]);
    }
  }
  /* alpha = 0 in leaky_relu follows the formula: -0.0 and NaN */
  {
    float dev[K], cpu[K];
    clrelu_leaky_relu(ctx, bx, by, K, 0.0f);
    clrelu_buffer_read(by, 0, K, dev);
    clrelu_cpu_leaky_relu(x, cpu, K, 0.0f);
    expect("device leaky_relu(-2, alpha 0)", dev[4], -0.0f);
    expect("device leaky_relu(-inf, alpha 0)", dev[3], NAN);
    expect("cpu leaky_relu(-2, alpha 0)", cpu[4], -0.0f);
    expect("cpu leaky_relu(-inf, alpha 0)", cpu[3], NAN);
  }
  /* bias_relu: t = x + b rounded once; alpha 0 is ReLU (never -0.0) */
  {
    const float bx2[4] = {1.0f, -3.0f, 0x1p-24f, -0.0f};
    const float bb[2] = {-1.0f, 1.0f};
    /* dense 2x2: t = {0, -2, 2^-24 - 1, 1} */
    const float want_relu[4] = {0.0f, 0.0f, 0.0f, 1.0f};
    const float want_leaky[4] = {0.0f, -1.0f, (0x1p-24f - 1.0f) * 0.5f, 1.0f};
    clrelu_buffer *tx, *tb, *ty;
    clrelu_buffer_create(ctx, CLRELU_F32, 4, &tx);
    clrelu_buffer_create(ctx, CLRELU_F32, 2, &tb);
    clrelu_buffer_create(ctx, CLRELU_F32, 4, &ty);
    clrelu_buffer_write(tx, 0, 4, bx2);
    clrelu_buffer_write(tb, 0, 2, bb);
    for (int leaky = 0; leaky < 2; ++leaky) {
      float dev[4], cpu[4], al = leaky ? 0.5f : 0.0f;
      clrelu_bias_relu(ctx, tx, tb, ty, 2, 2, 1, al);
      clrelu_buffer_read(ty, 0, 4, dev);
      clrelu_cpu_bias_relu(bx2, bb, cpu, 2, 2, 1, al);
      for (int i = 0; i < 4; ++i) {
        float w = leaky ? want_leaky[i] : want_relu[i];
        expect(leaky ? "device bias_leaky" : "device bias_relu", dev[i], w);
        expect(leaky ? "cpu bias_leaky" : "cpu bias_relu", cpu[i], w);
      }
    }
    clrelu_buffer_destroy(tx);
    clrelu_buffer_destroy(tb);
    clrelu_buffer_destroy(ty);
  }
  clipped_and_thresholded(ctx);
  clrelu_buffer_destroy(bx);
  clrelu_buffer_destroy(bdy);
  clrelu_buffer_destroy(by);
  clrelu_context_destroy(ctx);
  printf("test_semantics: %s\n", failures ? "FAILED" : "all rows match");
  return failures != 0;
}
