/* PReLU, bias + PReLU and PReLU's backward pass with its slope gradient, on
 * the device and the CPU, in every dtype, against tests/reference.c: dx and
 * y bit for bit, dslope bit for bit too (its order is fixed). */
#include "reference.h"
#include "testutil.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

enum op { PRELU, BIAS_PRELU, BACKWARD };
static const char *const op_names[] = {"prelu", "bias_prelu", "prelu_backward"};

static clrelu_context *ctx;
static int flush_ok;

/* Plain finite values (a sum over them stays finite, and rounds): in
 * [-16, 16], signed zeros among them; now and then an edge value. */
static float plain(int edges) {
  uint64_t r = test_rand();
  if (edges && r % 53 == 0)
    return test_value();
  float mant = 1.0f + (float)((r >> 20) & 1023) / 1024.0f; /* rounds sums */
  return (float)((int)(r >> 8) % 129 - 64) / 8.0f * mant *
         ((r >> 40) & 1 ? 1.0f : -1.0f);
}

static size_t esize(clrelu_dtype d) { return d == CLRELU_F32 ? 4 : 2; }

/* Host arrays hold float32 values exactly representable in d. */
static float fit(clrelu_dtype d, float v) {
  return d == CLRELU_F32 ? v : ref_16_to_f32((int)d, ref_f32_to_16((int)d, v));
}
static void to_dtype(clrelu_dtype d, const float *f, void *out, size_t n) {
  for (size_t i = 0; i < n; ++i)
    if (d == CLRELU_F32)
      ((float *)out)[i] = f[i];
    else
      ((uint16_t *)out)[i] = ref_f32_to_16((int)d, f[i]);
}
static float from_dtype(clrelu_dtype d, const void *p, size_t i) {
  return d == CLRELU_F32 ? ((const float *)p)[i]
                         : ref_16_to_f32((int)d, ((const uint16_t *)p)[i]);
}

/* The reference's result, rounded to d once. */
static float ref_result(clrelu_dtype d, enum op op, float dy, float x, float b,
                        float s) {
  float r = op == PRELU        ? ref_prelu(x, s)
            : op == BIAS_PRELU ? ref_prelu(x + b, s)
                               : ref_prelu_backward(dy, x, s);
  return fit(d, r);
}

/* A device buffer of n elements of d from host values, viewed from off. */
static clrelu_buffer *device(clrelu_dtype d, const float *v, size_t off,
                             size_t n, clrelu_buffer **parent) {
  void *h = malloc((off + n + 1) * esize(d));
  float *pad = malloc((off + n + 1) * sizeof *pad);
  clrelu_buffer *view = NULL;
  for (size_t i = 0; i < off + n + 1; ++i)
    pad[i] = i >= off && i - off < n ? v[i - off] : fit(d, plain(0));
  to_dtype(d, pad, h, off + n + 1);
  if (clrelu_buffer_create(ctx, d, off + n + 1, parent) == CLRELU_SUCCESS &&
      clrelu_buffer_write(*parent, 0, off + n + 1, h) == CLRELU_SUCCESS)
    clrelu_buffer_view(*parent, off, n ? n : 1,
                       &view); /* views hold one or more */
  free(h);
  free(pad);
  return view;
}

/* mode 0: the output apart; 1: it is x; 2: it is dy (the backward pass).
 * nobias: bias_prelu without one; nodslope: the backward pass without. */
static void check(clrelu_dtype d, enum op op, size_t outer, size_t ch,
                  size_t inner, size_t off, int mode, int nobias,
                  int nodslope) {
  size_t n = outer * ch * inner;
  float *x = malloc((n + 1) * 4), *dy = malloc((n + 1) * 4),
        *s = calloc(ch + 1, 4), *b = calloc(ch + 1, 4),
        *want = malloc((n + 1) * 4), *wds = malloc((ch + 1) * 4),
        *got = malloc((n + 1) * 4), *gds = malloc((ch + 1) * 4);
  void *h = malloc((n + 1) * 4), *hs = malloc((ch + 1) * 4),
       *hb = malloc((ch + 1) * 4), *hdy = malloc((n + 1) * 4);
  for (size_t i = 0; i < n; ++i) {
    x[i] = fit(d, plain(op != BACKWARD || nodslope));
    dy[i] = fit(d, plain(0));
  }
  for (size_t c = 0; c < ch; ++c) {
    s[c] = fit(d, c % 7 == 3 ? 0.0f : plain(op != BACKWARD) / 4.0f);
    b[c] = fit(d, plain(0));
  }
  const float *bias = op == BIAS_PRELU && !nobias ? b : NULL;
  for (size_t i = 0; i < n; ++i) {
    size_t c = (i / inner) % ch;
    want[i] = ref_result(d, op, dy[i], x[i], bias ? bias[c] : -0.0f, s[c]);
  }
  if (op == BACKWARD)
    ref_prelu_dslope(dy, x, outer, ch, inner, wds);
  char what[200];
  snprintf(what, sizeof what, "%s %s %zux%zux%zu off=%zu mode=%d%s%s",
           op_names[op],
           d == CLRELU_F32   ? "f32"
           : d == CLRELU_F16 ? "f16"
                             : "bf16",
           outer, ch, inner, off, mode, nobias ? " no bias" : "",
           nodslope ? " no dslope" : "");

  /* the device */
  clrelu_buffer *px = NULL, *pdy = NULL, *ps = NULL, *pb = NULL, *py = NULL,
                *pds = NULL;
  clrelu_buffer *vx = device(d, x, off, n, &px),
                *vdy = device(d, dy, off + 1, n, &pdy),
                *vs = device(d, s, 2, ch, &ps), *vb = device(d, b, 1, ch, &pb),
                *vy = mode == 0 ? device(d, x, 3, n, &py) : NULL, *vds = NULL;
  clrelu_buffer *out = mode == 1 ? vx : mode == 2 ? vdy : vy;
  if (op == BACKWARD && !nodslope) {
    CHECK_STATUS(clrelu_buffer_create(ctx, CLRELU_F32, ch + 3, &pds),
                 CLRELU_SUCCESS);
    clrelu_buffer_view(pds, 3, ch, &vds);
  }
  clrelu_status st =
      op == PRELU ? clrelu_prelu(ctx, vx, vs, out, outer, ch, inner)
      : op == BIAS_PRELU
          ? clrelu_bias_prelu(ctx, vx, bias ? vb : NULL, vs, out, outer, ch,
                              inner)
          : clrelu_prelu_backward(ctx, vdy, vx, vs, out, vds, outer, ch, inner);
  CHECK_STATUS(st, CLRELU_SUCCESS);
  if (st == CLRELU_SUCCESS && n > 0) {
    CHECK_STATUS(clrelu_buffer_read(out, 0, n, h), CLRELU_SUCCESS);
    int bad = 0;
    for (size_t i = 0; i < n && bad < 3; ++i)
      if (!test_same(from_dtype(d, h, i), want[i], flush_ok)) {
        CHECK(0, "device %s: element %zu: got %a, want %a", what, i,
              (double)from_dtype(d, h, i), (double)want[i]);
        ++bad;
      }
  }
  if (st == CLRELU_SUCCESS && vds) {
    CHECK_STATUS(clrelu_buffer_read(vds, 0, ch, gds), CLRELU_SUCCESS);
    for (size_t c = 0; c < ch; ++c)
      CHECK(test_same(gds[c], wds[c], 0),
            "device %s: dslope[%zu] = %a, want %a", what, c, (double)gds[c],
            (double)wds[c]);
  }
  clrelu_buffer *all[] = {vx, vdy, vs, vb, vy, vds, px, pdy, ps, pb, py, pds};
  for (size_t i = 0; i < sizeof all / sizeof all[0]; ++i)
    clrelu_buffer_destroy(all[i]);

  /* the CPU twin, in place like the device */
  to_dtype(d, x, h, n);
  to_dtype(d, dy, hdy, n);
  to_dtype(d, s, hs, ch);
  to_dtype(d, b, hb, ch);
  void *cout = mode == 1 ? h : mode == 2 ? hdy : got;
  float *cds = op == BACKWARD && !nodslope ? gds : NULL;
  const void *cb = bias ? hb : NULL;
  if (d == CLRELU_F32)
    st = op == PRELU ? clrelu_cpu_prelu(h, hs, cout, outer, ch, inner)
         : op == BIAS_PRELU
             ? clrelu_cpu_bias_prelu(h, cb, hs, cout, outer, ch, inner)
             : clrelu_cpu_prelu_backward(hdy, h, hs, cout, cds, outer, ch,
                                         inner);
  else
    st = op == PRELU ? clrelu_cpu_prelu_16(d, h, hs, cout, outer, ch, inner)
         : op == BIAS_PRELU
             ? clrelu_cpu_bias_prelu_16(d, h, cb, hs, cout, outer, ch, inner)
             : clrelu_cpu_prelu_backward_16(d, hdy, h, hs, cout, cds, outer, ch,
                                            inner);
  CHECK_STATUS(st, CLRELU_SUCCESS);
  int bad = 0;
  for (size_t i = 0; i < n && bad < 3; ++i)
    if (!test_same(from_dtype(d, cout, i), want[i], 0)) {
      CHECK(0, "cpu %s: element %zu: got %a, want %a", what, i,
            (double)from_dtype(d, cout, i), (double)want[i]);
      ++bad;
    }
  for (size_t c = 0; cds && c < ch; ++c)
    CHECK(test_same(cds[c], wds[c], 0), "cpu %s: dslope[%zu] = %a, want %a",
          what, c, (double)cds[c], (double)wds[c]);
  free(x);
  free(dy);
  free(s);
  free(b);
  free(want);
  free(wds);
  free(got);
  free(gds);
  free(h);
  free(hs);
  free(hb);
  free(hdy);
}

/* Refused calls change nothing and say why. */
static void check_errors(void) {
  clrelu_buffer *x, *s, *y, *ds, *h16;
  CHECK_STATUS(clrelu_buffer_create(ctx, CLRELU_F32, 64, &x), CLRELU_SUCCESS);
  CHECK_STATUS(clrelu_buffer_create(ctx, CLRELU_F32, 8, &s), CLRELU_SUCCESS);
  CHECK_STATUS(clrelu_buffer_create(ctx, CLRELU_F32, 64, &y), CLRELU_SUCCESS);
  CHECK_STATUS(clrelu_buffer_create(ctx, CLRELU_F32, 8, &ds), CLRELU_SUCCESS);
  CHECK_STATUS(clrelu_buffer_create(ctx, CLRELU_F16, 8, &h16), CLRELU_SUCCESS);
  CHECK_STATUS(clrelu_prelu(ctx, x, NULL, y, 8, 8, 1),
               CLRELU_ERROR_INVALID_ARGUMENT);
  CHECK_STATUS(clrelu_prelu(ctx, x, s, y, 8, 9, 1), CLRELU_ERROR_OUT_OF_RANGE);
  CHECK_STATUS(clrelu_prelu(ctx, x, h16, y, 8, 8, 1),
               CLRELU_ERROR_DTYPE_MISMATCH);
  CHECK_STATUS(clrelu_bias_prelu(ctx, x, s, s, s, 1, 8, 1),
               CLRELU_ERROR_INVALID_ARGUMENT); /* y overlaps the slopes */
  CHECK_STATUS(clrelu_prelu_backward(ctx, x, x, s, y, h16, 8, 8, 1),
               CLRELU_ERROR_DTYPE_MISMATCH); /* dslope must be float32 */
  CHECK_STATUS(clrelu_prelu_backward(ctx, x, x, s, y, ds, 8, 9, 1),
               CLRELU_ERROR_OUT_OF_RANGE);
  CHECK_STATUS(clrelu_prelu_backward(ctx, x, x, s, y, s, 8, 8, 1),
               CLRELU_ERROR_INVALID_ARGUMENT); /* dslope overlaps slope */
  CHECK_STATUS(clrelu_prelu_backward(ctx, x, x, s, y, y, 8, 8, 1),
               CLRELU_ERROR_INVALID_ARGUMENT); /* dslope overlaps dx */
  CHECK(clrelu_last_error()[0] != 0, "no message");
  /* no elements: dslope is +0.0, after its size is checked */
  float nz[8];
  for (int c = 0; c < 8; ++c)
    nz[c] = -1.0f;
  clrelu_buffer_write(ds, 0, 8, nz);
  CHECK_STATUS(clrelu_prelu_backward(ctx, x, x, s, y, ds, 0, 9, 1),
               CLRELU_ERROR_OUT_OF_RANGE);
  CHECK_STATUS(clrelu_prelu_backward(ctx, x, x, s, y, ds, 0, 8, 1),
               CLRELU_SUCCESS);
  clrelu_buffer_read(ds, 0, 8, nz);
  for (int c = 0; c < 8; ++c)
    CHECK(nz[c] == 0.0f && !signbit(nz[c]), "empty dslope[%d] = %a", c,
          (double)nz[c]);
  float cds[3] = {-1, -1, -1};
  CHECK_STATUS(clrelu_cpu_prelu_backward(NULL, NULL, NULL, NULL, cds, 5, 3, 0),
               CLRELU_SUCCESS);
  CHECK(cds[0] == 0.0f && !signbit(cds[2]), "cpu empty dslope = %a",
        (double)cds[0]);
  CHECK_STATUS(clrelu_cpu_prelu(NULL, NULL, NULL, 2, 2, 2),
               CLRELU_ERROR_INVALID_ARGUMENT);
  CHECK_STATUS(clrelu_cpu_prelu_16(CLRELU_F32, NULL, NULL, NULL, 0, 0, 0),
               CLRELU_ERROR_INVALID_ARGUMENT);
  clrelu_buffer_destroy(x);
  clrelu_buffer_destroy(s);
  clrelu_buffer_destroy(y);
  clrelu_buffer_destroy(ds);
  clrelu_buffer_destroy(h16);
}

int main(void) {
  test_init();
  ctx = test_context();
  flush_ok = !test_device_denorms(ctx);
  printf("tuning: %s\n", clrelu_context_tuning(ctx));
  /* dense rows, NCHW (7x7 and odd planes), NHWC, one channel, one
   * element, channels with one, two and three levels of blocks, and rows
   * wide enough for whole blocks of rows to be streamed */
  static const size_t shapes[][3] = {
      {7, 33, 1},    {2, 3, 17},    {4, 5, 49},  {100, 64, 1},  {5, 1, 1000},
      {1, 1, 1},     {2, 16, 4099}, {300, 3, 1}, {1, 2, 70001}, {3, 1, 90000},
      {520, 130, 1}, {1, 2, 524293}}; /* the last: past the streaming-store size
                                       */
  /* $CLRELU_PRELU_MAX: leave out larger shapes (under a simulator) */
  const char *max = getenv("CLRELU_PRELU_MAX");
  const size_t most = max && atol(max) > 0 ? (size_t)atol(max) : SIZE_MAX;
  const clrelu_dtype dts[] = {CLRELU_F32, CLRELU_F16, CLRELU_BF16};
  for (int t = 0; t < 3; ++t)
    for (size_t k = 0; k < sizeof shapes / sizeof shapes[0]; ++k) {
      const size_t *sh = shapes[k];
      if (sh[0] * sh[1] * sh[2] > most)
        continue;
      for (int op = 0; op < 3; ++op) {
        check(dts[t], (enum op)op, sh[0], sh[1], sh[2], k % 4, (int)k % 2, 0,
              0);
        check(dts[t], (enum op)op, sh[0], sh[1], sh[2], 1 + k % 3,
              op == BACKWARD ? 2 : 0, 1, 1);
      }
    }
  check(CLRELU_F32, BACKWARD, 0, 4, 3, 0, 0, 0, 0); /* no elements */
  check_errors();
  clrelu_context_destroy(ctx);
  return test_finish("test_prelu");
}
