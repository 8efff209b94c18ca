/* 16-bit dtypes (F16, BF16): conversions, and every op on the device and the
 * CPU against the reference (each input converted exactly, the op in float32,
 * the result rounded once to nearest even). All 65,536 bit patterns go
 * through every op; then the sizes and views of the float32 tests. */
#include "reference.h"
#include "testutil.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define ALL 65536
typedef unsigned short u16;

static clrelu_context *ctx;
static int flush_ok;

static const char *dname(clrelu_dtype d) {
  return d == CLRELU_F16 ? "f16" : "bf16";
}

static u16 ref16(clrelu_dtype d, enum ref_op op, u16 dy, u16 x, float a) {
  return ref_f32_to_16(
      d, ref_op(op, ref_16_to_f32(d, dy), ref_16_to_f32(d, x), a));
}

static int same16(clrelu_dtype d, u16 got, u16 want) {
  if (got == want)
    return 1;
  if (ref_16_is_nan(d, got) && ref_16_is_nan(d, want))
    return 1;
  /* a device that flushes denormals: a denormal may come back as 0 */
  return flush_ok && (want & 0x7fff) != 0 && ref_16_to_f32(d, want) != 0.0f &&
         fabsf(ref_16_to_f32(d, want)) < 0x1p-126f && (got & 0x7fff) == 0 &&
         (got & 0x8000) == (want & 0x8000);
}

static int compare(const char *what, clrelu_dtype d, const u16 *got,
                   const u16 *want, size_t n) {
  int bad = 0;
  for (size_t i = 0; i < n; ++i)
    if (!same16(d, got[i], want[i])) {
      if (bad++ < 5)
        CHECK(0, "%s: element %zu: got 0x%04x, want 0x%04x", what, i, got[i],
              want[i]);
      else
        ++test_failures;
    }
  return bad;
}

/* ---- conversions ---- */

static void check_conversions(clrelu_dtype d) {
  float *f = malloc(ALL * sizeof *f);
  u16 *h = malloc(ALL * sizeof *h), *back = malloc(ALL * sizeof *back);
  for (unsigned i = 0; i < ALL; ++i)
    h[i] = (u16)i;
  if (d == CLRELU_F16)
    clrelu_f16_to_f32(h, f, ALL);
  else
    clrelu_bf16_to_f32(h, f, ALL);
  for (unsigned i = 0; i < ALL; ++i)
    CHECK(test_same(f[i], ref_16_to_f32(d, (u16)i), 0),
          "%s to f32 of 0x%04x: %a", dname(d), i, (double)f[i]);
  /* back again, then midpoints (ties to even), their neighbours, and random
   * float32 bit patterns */
  enum { R = 1 << 20 };
  float *in = malloc((size_t)(3 * ALL + R) * sizeof *in);
  u16 *out = malloc((size_t)(3 * ALL + R) * sizeof *out);
  size_t n = 0;
  for (unsigned i = 0; i < ALL; ++i)
    in[n++] = ref_16_to_f32(d, (u16)i);
  for (unsigned i = 0; i < 0x7fff; ++i) {
    float lo = ref_16_to_f32(d, (u16)i), hi = ref_16_to_f32(d, (u16)(i + 1));
    if (isnan(lo) || isnan(hi) || isinf(lo))
      continue;
    float mid = (float)(((double)lo + (double)hi) / 2);
    in[n++] = mid;
    in[n++] = -nextafterf(mid, 0.0f);
  }
  for (int i = 0; i < R; ++i) {
    uint32_t u = (uint32_t)test_rand();
    memcpy(&in[n++], &u, 4);
  }
  if (d == CLRELU_F16)
    clrelu_f32_to_f16(in, out, n);
  else
    clrelu_f32_to_bf16(in, out, n);
  int bad = 0;
  for (size_t i = 0; i < n && bad < 5; ++i) {
    u16 want = ref_f32_to_16(d, in[i]);
    if (!(out[i] == want || (ref_16_is_nan(d, out[i]) && isnan(in[i])))) {
      CHECK(0, "f32 %a to %s: got 0x%04x, want 0x%04x", (double)in[i], dname(d),
            out[i], want);
      ++bad;
    }
  }
  printf("%s conversions: %u to float32, %zu from float32 checked\n", dname(d),
         ALL, n);
  free(f);
  free(h);
  free(back);
  free(in);
  free(out);
}

/* ---- ops ---- */

/* op over n elements from offsets (views) on device and CPU, against the
 * reference; elements outside [off, off + n) of the output must not change */
static void check_op(clrelu_dtype d, enum ref_op op, const u16 *hx,
                     const u16 *hd, size_t n, size_t off, float a) {
  size_t size = n + off + 3;
  u16 *x = malloc(size * 2), *dy = malloc(size * 2), *y = malloc(size * 2),
      *want = malloc(size * 2), *got = malloc(size * 2);
  for (size_t i = 0; i < size; ++i) {
    x[i] = i >= off && i - off < n ? hx[i - off] : (u16)test_rand();
    dy[i] = i >= off && i - off < n ? hd[i - off] : (u16)test_rand();
    y[i] = (u16)test_rand();
  }
  memcpy(want, y, size * 2);
  for (size_t i = 0; i < n; ++i)
    want[off + i] = ref16(d, op, dy[off + i], x[off + i], a);
  char what[128];
  snprintf(what, sizeof what, "%s %s n=%zu off=%zu alpha=%g", dname(d),
           ref_op_names[op], n, off, (double)a);

  clrelu_buffer *bx, *bd, *by, *vx, *vd, *vy;
  clrelu_buffer_create(ctx, d, size, &bx);
  clrelu_buffer_create(ctx, d, size, &bd);
  clrelu_buffer_create(ctx, d, size, &by);
  clrelu_buffer_write(bx, 0, size, x);
  clrelu_buffer_write(bd, 0, size, dy);
  clrelu_buffer_write(by, 0, size, y);
  clrelu_buffer_view(bx, off, n + 1, &vx);
  clrelu_buffer_view(bd, off, n + 1, &vd);
  clrelu_buffer_view(by, off, n + 1, &vy);
  CHECK_STATUS(test_device_op(ctx, op, vd, vx, vy, n, a), CLRELU_SUCCESS);
  CHECK_STATUS(clrelu_buffer_read(by, 0, size, got), CLRELU_SUCCESS);
  char dw[160];
  snprintf(dw, sizeof dw, "device %s", what);
  compare(dw, d, got, want, size);
  clrelu_buffer_destroy(vx);
  clrelu_buffer_destroy(vd);
  clrelu_buffer_destroy(vy);
  clrelu_buffer_destroy(bx);
  clrelu_buffer_destroy(bd);
  clrelu_buffer_destroy(by);

  CHECK_STATUS(test_cpu16_op(d, op, dy + off, x + off, y + off, n, a),
               CLRELU_SUCCESS);
  snprintf(dw, sizeof dw, "cpu %s", what);
  compare(dw, d, y, want, size);
  free(x);
  free(dy);
  free(y);
  free(want);
  free(got);
}

/* Bias + act on the device and the CPU; hb NULL: no bias. */
static void check_bias(clrelu_dtype d, const u16 *hx, const u16 *hb,
                       size_t outer, size_t channels, size_t inner, size_t off,
                       enum ref_act act, float a) {
  size_t total = outer * channels * inner, size = total + off + 2;
  u16 *x = malloc(size * 2), *y = malloc(size * 2), *want = malloc(size * 2),
      *got = malloc(size * 2);
  for (size_t i = 0; i < size; ++i) {
    x[i] = i >= off && i - off < total ? hx[i - off] : (u16)test_rand();
    y[i] = (u16)test_rand();
  }
  memcpy(want, y, size * 2);
  for (size_t k = 0; k < total; ++k) {
    size_t c = (k / inner) % channels;
    float xf = ref_16_to_f32(d, x[off + k]);
    float t = hb ? xf + ref_16_to_f32(d, hb[c]) : xf; /* rounded once */
    want[off + k] = ref_f32_to_16(d, ref_act(act, a, t));
  }
  char what[128];
  snprintf(what, sizeof what, "%s bias %s %zux%zux%zu off=%zu alpha=%g%s",
           dname(d), ref_act_names[act], outer, channels, inner, off, (double)a,
           hb ? "" : " no bias");
  const clrelu_act desc = {(clrelu_act_kind)act, a, 0.0f};
  clrelu_buffer *bx, *bb = NULL, *by, *vx, *vy;
  clrelu_buffer_create(ctx, d, size, &bx);
  if (hb) {
    clrelu_buffer_create(ctx, d, channels, &bb);
    clrelu_buffer_write(bb, 0, channels, hb);
  }
  clrelu_buffer_create(ctx, d, size, &by);
  clrelu_buffer_write(bx, 0, size, x);
  clrelu_buffer_write(by, 0, size, y);
  clrelu_buffer_view(bx, off, total, &vx);
  clrelu_buffer_view(by, off, total, &vy);
  CHECK_STATUS(clrelu_bias_act(ctx, vx, bb, vy, outer, channels, inner, &desc),
               CLRELU_SUCCESS);
  CHECK_STATUS(clrelu_buffer_read(by, 0, size, got), CLRELU_SUCCESS);
  char dw[160];
  snprintf(dw, sizeof dw, "device %s", what);
  compare(dw, d, got, want, size);
  clrelu_buffer_destroy(vx);
  clrelu_buffer_destroy(vy);
  clrelu_buffer_destroy(bx);
  clrelu_buffer_destroy(bb);
  clrelu_buffer_destroy(by);
  if (hb && (act == REF_ACT_RELU || (act == REF_ACT_LEAKY_RELU && a != 0)))
    CHECK_STATUS(clrelu_cpu_bias_relu_16(d, x + off, hb, y + off, outer,
                                         channels, inner,
                                         act == REF_ACT_RELU ? 0.0f : a),
                 CLRELU_SUCCESS);
  else
    CHECK_STATUS(clrelu_cpu_bias_act_16(d, x + off, hb, y + off, outer,
                                        channels, inner, &desc),
                 CLRELU_SUCCESS);
  snprintf(dw, sizeof dw, "cpu %s", what);
  compare(dw, d, y, want, size);
  free(x);
  free(y);
  free(want);
  free(got);
}

int main(void) {
  test_init();
  ctx = test_context();
  flush_ok = !test_device_denorms(ctx);
  u16 *all = malloc(ALL * 2), *perm = malloc(ALL * 2), *rnd = malloc(ALL * 2);
  for (unsigned i = 0; i < ALL; ++i) {
    all[i] = (u16)i;
    perm[i] = (u16)(i * 40503u + 12345u); /* every pattern, another order */
    rnd[i] = (u16)test_rand();
  }
  const clrelu_dtype dts[2] = {CLRELU_F16, CLRELU_BF16};
  for (int t = 0; t < 2; ++t) {
    clrelu_dtype d = dts[t];
    check_conversions(d);
    /* exhaustive: x takes every pattern (and dy every pattern too) */
    for (int op = 0; op < REF_NOPS; ++op)
      for (int k = 0; k < (ref_op_has_alpha((enum ref_op)op) ? 5 : 1); ++k) {
        float a = ref_op_param((enum ref_op)op, k);
        check_op(d, (enum ref_op)op, all, perm, ALL, 0, a);
        if (ref_op_binary((enum ref_op)op))
          check_op(d, (enum ref_op)op, perm, all, ALL, 0, a);
      }
    for (int k = 0; k < 2 * REF_NACTS; ++k) {
      enum ref_act act = (enum ref_act)(k % REF_NACTS);
      float a = ref_act_param(act, k / REF_NACTS);
      check_bias(d, all, rnd, 4096, 16, 1, 0, act, a); /* dense */
      check_bias(d, all, rnd, 16, 16, 256, 0, act, a); /* NCHW */
      check_bias(d, rnd, all, 1, ALL, 1, 0, act, a);   /* every bias */
      check_bias(d, all, NULL, 1, 1, ALL, 0, act, a);  /* no bias */
    }
    printf("%s: all 65536 patterns through every op, device and CPU\n",
           dname(d));
    /* sizes and views */
    static const size_t sizes[] = {0,    1,     2,     3,      7,      15,
                                   16,   17,    31,    33,     1000,   4095,
                                   4097, 65535, 65537, 262145, 1048577};
    static const size_t offsets[] = {0, 1, 3, 7, 1023};
    u16 *big = malloc(2 * 1048577 * 2);
    for (size_t i = 0; i < 2 * 1048577; ++i)
      big[i] = (u16)test_rand();
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; ++s)
      for (int op = 0; op < REF_NOPS; ++op)
        check_op(d, (enum ref_op)op, big, big + 1048577, sizes[s],
                 offsets[s % 5], ref_op_param((enum ref_op)op, (int)s));
    static const size_t shapes[][3] = {{7, 33, 1},   {2, 3, 17}, {3, 5, 100},
                                       {5, 1, 1000}, {1, 1, 1},  {4, 17, 3},
                                       {2, 7, 4099}};
    for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; ++s)
      for (int k = 0; k < REF_NACTS; ++k)
        check_bias(d, big, big + 1048577, shapes[s][0], shapes[s][1],
                   shapes[s][2], offsets[(s + (size_t)k) % 5], (enum ref_act)k,
                   ref_act_param((enum ref_act)k, (int)s));
    printf("%s: sizes, views and bias layouts checked\n", dname(d));
    free(big);
  }
  /* bad dtype for the 16-bit CPU ops */
  u16 one = 0;
  CHECK_STATUS(clrelu_cpu_relu_16(CLRELU_F32, &one, &one, 1),
               CLRELU_ERROR_INVALID_ARGUMENT);
  CHECK_STATUS(clrelu_cpu_leaky_relu_16(CLRELU_F16, &one, &one, 1, NAN),
               CLRELU_ERROR_INVALID_ARGUMENT);
  /* a shape whose element count overflows size_t: refused, nothing read */
  CHECK_STATUS(clrelu_cpu_bias_relu_16(CLRELU_BF16, &one, &one, &one,
                                       SIZE_MAX / 2, 3, 1, 0.0f),
               CLRELU_ERROR_OUT_OF_RANGE);
  free(all);
  free(perm);
  free(rnd);
  clrelu_context_destroy(ctx);
  return test_finish("test_half");
}
