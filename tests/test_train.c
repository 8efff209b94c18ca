/* The training passes: clrelu_bias_act_mask on the device and its CPU twin,
 * against tests/reference.c, in every layout, dtype and kind, at sizes
 * around word and vector boundaries, through views, in place and without
 * a bias; the words around a mask view are left alone; the mask dtype's
 * rules and errors. $CLRELU_TRAIN_SMALL leaves out the large planes (the
 * simulator runs it so). */
#include "testutil.h"

#include <stdlib.h>
#include <string.h>

static int flush_ok;

static size_t esize(clrelu_dtype dt) { return dt == CLRELU_F32 ? 4 : 2; }

/* Rounds p[0..n) to dt in place (16-bit: the bits, in the first 2n bytes
 * of p, after their float32 values in wide). */
static void to_dtype(clrelu_dtype dt, const float *f, void *out, size_t n) {
  if (dt == CLRELU_F32)
    memcpy(out, f, n * 4);
  else
    (dt == CLRELU_F16 ? clrelu_f32_to_f16 : clrelu_f32_to_bf16)(f, out, n);
}
static void to_float(clrelu_dtype dt, const void *in, float *f, size_t n) {
  if (dt == CLRELU_F32)
    memcpy(f, in, n * 4);
  else
    (dt == CLRELU_F16 ? clrelu_f16_to_f32 : clrelu_bf16_to_f32)(in, f, n);
}

enum { GUARD = 2, X_OFF = 3 };
#define SENTINEL 0xa5a5a5a5u

typedef struct shape {
  size_t outer, channels, inner;
  int large;
} shape;

/* One call on the device and on the CPU against the reference. */
static void one(clrelu_context *ctx, clrelu_dtype dt, const shape *sh,
                enum ref_act act, float alpha, int with_bias, int in_place) {
  const size_t n = sh->outer * sh->channels * sh->inner, es = esize(dt);
  const size_t nw = (n + 31) / 32, nc = sh->channels;
  float *xf = malloc(n * 4), *bf = malloc(nc * 4), *tf = malloc(n * 4);
  void *x = malloc(n * es), *b = malloc(nc * es), *y = malloc(n * es),
       *ycpu = malloc(n * es), *ytwin = malloc(n * es);
  uint32_t *want = malloc(nw * 4), *got = malloc((nw + 2 * GUARD) * 4),
           *cpu = malloc(nw * 4);
  clrelu_buffer *xb = NULL, *xv = NULL, *bb = NULL, *yb = NULL, *mb = NULL,
                *mv = NULL;
  if (!xf || !bf || !tf || !x || !b || !y || !ycpu || !ytwin || !want || !got ||
      !cpu) {
    CHECK(0, "out of memory");
    goto done;
  }
  test_fill(xf, n);
  test_fill(bf, nc);
  to_dtype(dt, xf, x, n);
  to_dtype(dt, bf, b, nc);
  to_float(dt, x, xf, n); /* the values the op sees */
  to_float(dt, b, bf, nc);
  ref_bias_act_mask(xf, with_bias ? bf : NULL, want, sh->outer, nc, sh->inner,
                    act, alpha);
  const clrelu_act a = {(clrelu_act_kind)act, alpha, 0.0f};
  /* the twin's y, which test_cpu and test_half check against the
   * reference */
  CHECK_STATUS(dt == CLRELU_F32
                   ? clrelu_cpu_bias_act(x, with_bias ? b : NULL, ytwin,
                                         sh->outer, nc, sh->inner, &a)
                   : clrelu_cpu_bias_act_16(dt, x, with_bias ? b : NULL, ytwin,
                                            sh->outer, nc, sh->inner, &a),
               CLRELU_SUCCESS);
  /* the CPU twin of the mask op */
  memcpy(ycpu, x, n * es);
  for (size_t w = 0; w < nw; ++w)
    cpu[w] = SENTINEL;
  CHECK_STATUS(dt == CLRELU_F32
                   ? clrelu_cpu_bias_act_mask(ycpu, with_bias ? b : NULL, ycpu,
                                              cpu, sh->outer, nc, sh->inner, &a)
                   : clrelu_cpu_bias_act_mask_16(dt, ycpu, with_bias ? b : NULL,
                                                 ycpu, cpu, sh->outer, nc,
                                                 sh->inner, &a),
               CLRELU_SUCCESS);
  /* the device: x at an odd offset, the mask 2 words into its buffer */
  const size_t mbits = (nw + 2 * GUARD) * 32;
  for (size_t w = 0; w < nw + 2 * GUARD; ++w)
    got[w] = SENTINEL;
  if (clrelu_buffer_create(ctx, dt, n + X_OFF, &xb) != CLRELU_SUCCESS ||
      clrelu_buffer_view(xb, X_OFF, n, &xv) != CLRELU_SUCCESS ||
      clrelu_buffer_create(ctx, dt, nc, &bb) != CLRELU_SUCCESS ||
      (!in_place && clrelu_buffer_create(ctx, dt, n, &yb) != CLRELU_SUCCESS) ||
      clrelu_buffer_create(ctx, CLRELU_MASK, mbits, &mb) != CLRELU_SUCCESS ||
      clrelu_buffer_view(mb, GUARD * 32, n, &mv) != CLRELU_SUCCESS) {
    CHECK(0, "buffers: %s", clrelu_last_error());
    goto done;
  }
  CHECK_STATUS(clrelu_buffer_write(xv, 0, n, x), CLRELU_SUCCESS);
  CHECK_STATUS(clrelu_buffer_write(bb, 0, nc, b), CLRELU_SUCCESS);
  CHECK_STATUS(clrelu_buffer_write(mb, 0, mbits, got), CLRELU_SUCCESS);
  clrelu_buffer *out = in_place ? xv : yb;
  CHECK_STATUS(clrelu_bias_act_mask(ctx, xv, with_bias ? bb : NULL, out, mv,
                                    sh->outer, nc, sh->inner, &a),
               CLRELU_SUCCESS);
  CHECK_STATUS(clrelu_buffer_read(out, 0, n, y), CLRELU_SUCCESS);
  CHECK_STATUS(clrelu_buffer_read(mb, 0, mbits, got), CLRELU_SUCCESS);
  int bad = 0;
  for (size_t w = 0; w < nw + 2 * GUARD && bad < 4; ++w) {
    const int inside = w >= GUARD && w < GUARD + nw;
    const uint32_t expect = inside ? want[w - GUARD] : SENTINEL;
    if (got[w] != expect || (inside && cpu[w - GUARD] != expect)) {
      ++bad;
      CHECK(0,
            "%s dtype %d [%zu][%zu][%zu] bias %d: word %zu: device 0x%08x, "
            "CPU 0x%08x, want 0x%08x",
            ref_act_names[act], (int)dt, sh->outer, nc, sh->inner, with_bias, w,
            got[w], inside ? cpu[w - GUARD] : 0, expect);
    }
  }
  to_float(dt, ytwin, tf, n);
  float *yf = malloc(n * 4), *cf = malloc(n * 4);
  if (yf && cf) {
    to_float(dt, y, yf, n);
    to_float(dt, ycpu, cf, n);
    for (size_t i = 0; i < n && bad < 8; ++i)
      if (!test_same(yf[i], tf[i], flush_ok) || !test_same(cf[i], tf[i], 0)) {
        ++bad;
        CHECK(0, "%s dtype %d: y[%zu]: device %a, CPU %a, want %a",
              ref_act_names[act], (int)dt, i, (double)yf[i], (double)cf[i],
              (double)tf[i]);
      }
  }
  free(yf);
  free(cf);
done:
  clrelu_buffer_destroy(mv);
  clrelu_buffer_destroy(mb);
  clrelu_buffer_destroy(yb);
  clrelu_buffer_destroy(bb);
  clrelu_buffer_destroy(xv);
  clrelu_buffer_destroy(xb);
  free(xf), free(bf), free(tf), free(x), free(b), free(y), free(ycpu);
  free(ytwin), free(want), free(got), free(cpu);
}

/* Both backward passes of one shape on the device and on the CPU: dx and
 * dbias against the reference (dbias bit for bit). dx is dy in place for
 * the mask's pass when in_place, x in place for the input's. */
static void backward_one(clrelu_context *ctx, clrelu_dtype dt, const shape *sh,
                         enum ref_act act, float alpha, int with_bias,
                         int in_place) {
  const size_t n = sh->outer * sh->channels * sh->inner, es = esize(dt);
  const size_t nw = (n + 31) / 32, nc = sh->channels;
  float *dyf = malloc(n * 4), *xf = malloc(n * 4), *bf = malloc(nc * 4);
  float *terms = malloc(n * 4), *want_db = malloc(nc * 4),
        *db = malloc((nc + 2) * 4), *cpu_db = malloc(nc * 4);
  float *got_f = malloc(n * 4), *want_f = malloc(n * 4);
  void *dy = malloc(n * es), *x = malloc(n * es), *b = malloc(nc * es),
       *dx = malloc(n * es), *cpu_dx = malloc(n * es),
       *want_dx = malloc(n * es);
  uint32_t *mask = malloc(nw * 4);
  clrelu_buffer *dyb = NULL, *dyv = NULL, *xb = NULL, *bb = NULL, *dxb = NULL,
                *mb = NULL, *mv = NULL, *dbb = NULL, *dbv = NULL;
  if (!dyf || !xf || !bf || !terms || !want_db || !db || !cpu_db || !got_f ||
      !want_f || !dy || !x || !b || !dx || !cpu_dx || !want_dx || !mask) {
    CHECK(0, "out of memory");
    goto done;
  }
  test_fill(dyf, n);
  test_fill(xf, n);
  test_fill(bf, nc);
  to_dtype(dt, dyf, dy, n);
  to_dtype(dt, xf, x, n);
  to_dtype(dt, bf, b, nc);
  to_float(dt, dy, dyf, n);
  to_float(dt, x, xf, n);
  to_float(dt, b, bf, nc);
  ref_bias_act_mask(xf, with_bias ? bf : NULL, mask, sh->outer, nc, sh->inner,
                    act, alpha);
  const clrelu_act a = {(clrelu_act_kind)act, alpha, 0.0f};
  for (int from_mask = 0; from_mask < 2; ++from_mask) {
    const char *what = from_mask ? "from the mask" : "from the input";
    for (size_t o = 0, e = 0; o < sh->outer; ++o)
      for (size_t c = 0; c < nc; ++c)
        for (size_t i = 0; i < sh->inner; ++i, ++e) {
          const float t = with_bias ? xf[e] + bf[c] : xf[e];
          terms[e] =
              from_mask
                  ? ref_backward_mask(act, alpha,
                                      (mask[e / 32] >> (e % 32)) & 1, dyf[e])
                  : ref_bias_act_backward(act, alpha, t, dyf[e]);
        }
    ref_channel_sums(terms, sh->outer, nc, sh->inner, want_db);
    to_dtype(dt, terms, want_dx, n);
    to_float(dt, want_dx, want_f, n);
    /* the CPU twin, in place on a copy of its source */
    void *src = from_mask ? dy : x;
    memcpy(cpu_dx, src, n * es);
    const void *cdy = from_mask ? cpu_dx : dy, *cx = from_mask ? x : cpu_dx;
    const void *cb = with_bias ? b : NULL;
    clrelu_status st;
    if (dt == CLRELU_F32)
      st = from_mask
               ? clrelu_cpu_act_backward_mask(cdy, mask, cpu_dx, cpu_db,
                                              sh->outer, nc, sh->inner, &a)
               : clrelu_cpu_bias_act_backward(cdy, cx, cb, cpu_dx, cpu_db,
                                              sh->outer, nc, sh->inner, &a);
    else
      st =
          from_mask
              ? clrelu_cpu_act_backward_mask_16(dt, cdy, mask, cpu_dx, cpu_db,
                                                sh->outer, nc, sh->inner, &a)
              : clrelu_cpu_bias_act_backward_16(dt, cdy, cx, cb, cpu_dx, cpu_db,
                                                sh->outer, nc, sh->inner, &a);
    CHECK(st == CLRELU_SUCCESS, "CPU twin %s: %s", what, clrelu_last_error());
    /* the device: dy and x at odd offsets, the mask a word in, dbias one
     * float into a buffer with guards */
    if (clrelu_buffer_create(ctx, dt, n + X_OFF, &dyb) != CLRELU_SUCCESS ||
        clrelu_buffer_view(dyb, X_OFF, n, &dyv) != CLRELU_SUCCESS ||
        clrelu_buffer_create(ctx, dt, n, &xb) != CLRELU_SUCCESS ||
        clrelu_buffer_create(ctx, dt, nc, &bb) != CLRELU_SUCCESS ||
        clrelu_buffer_create(ctx, dt, n, &dxb) != CLRELU_SUCCESS ||
        clrelu_buffer_create(ctx, CLRELU_MASK, n + 32, &mb) != CLRELU_SUCCESS ||
        clrelu_buffer_view(mb, 32, n, &mv) != CLRELU_SUCCESS ||
        clrelu_buffer_create(ctx, CLRELU_F32, nc + 2, &dbb) != CLRELU_SUCCESS ||
        clrelu_buffer_view(dbb, 1, nc, &dbv) != CLRELU_SUCCESS) {
      CHECK(0, "buffers: %s", clrelu_last_error());
      goto done;
    }
    for (size_t c = 0; c < nc + 2; ++c)
      db[c] = 1234.5f;
    CHECK_STATUS(clrelu_buffer_write(dyv, 0, n, dy), CLRELU_SUCCESS);
    CHECK_STATUS(clrelu_buffer_write(xb, 0, n, x), CLRELU_SUCCESS);
    CHECK_STATUS(clrelu_buffer_write(bb, 0, nc, b), CLRELU_SUCCESS);
    CHECK_STATUS(clrelu_buffer_write(mv, 0, n, mask), CLRELU_SUCCESS);
    CHECK_STATUS(clrelu_buffer_write(dbb, 0, nc + 2, db), CLRELU_SUCCESS);
    clrelu_buffer *out = !in_place ? dxb : from_mask ? dyv : xb;
    CHECK_STATUS(from_mask
                     ? clrelu_act_backward_mask(ctx, dyv, mv, out, dbv,
                                                sh->outer, nc, sh->inner, &a)
                     : clrelu_bias_act_backward(ctx, dyv, xb,
                                                with_bias ? bb : NULL, out, dbv,
                                                sh->outer, nc, sh->inner, &a),
                 CLRELU_SUCCESS);
    CHECK_STATUS(clrelu_buffer_read(out, 0, n, dx), CLRELU_SUCCESS);
    CHECK_STATUS(clrelu_buffer_read(dbb, 0, nc + 2, db), CLRELU_SUCCESS);
    CHECK(db[0] == 1234.5f && db[nc + 1] == 1234.5f,
          "%s: dbias wrote past its view", what);
    int bad = 0;
    for (size_t c = 0; c < nc && bad < 4; ++c)
      if (!test_same(db[c + 1], want_db[c], 0) ||
          !test_same(cpu_db[c], want_db[c], 0)) {
        ++bad;
        CHECK(0,
              "%s %s dtype %d [%zu][%zu][%zu] bias %d: dbias[%zu]: device "
              "%a, CPU %a, want %a",
              ref_act_names[act], what, (int)dt, sh->outer, nc, sh->inner,
              with_bias, c, (double)db[c + 1], (double)cpu_db[c],
              (double)want_db[c]);
      }
    to_float(dt, dx, got_f, n);
    float *cf = terms; /* the terms are no longer needed */
    to_float(dt, cpu_dx, cf, n);
    for (size_t i = 0; i < n && bad < 8; ++i)
      if (!test_same(got_f[i], want_f[i], flush_ok) ||
          !test_same(cf[i], want_f[i], 0)) {
        ++bad;
        CHECK(0, "%s %s dtype %d: dx[%zu]: device %a, CPU %a, want %a",
              ref_act_names[act], what, (int)dt, i, (double)got_f[i],
              (double)cf[i], (double)want_f[i]);
      }
    clrelu_buffer *all[] = {dbv, dbb, mv, mb, dxb, bb, xb, dyv, dyb};
    for (int k = 0; k < 9; ++k)
      clrelu_buffer_destroy(all[k]);
    dyb = dyv = xb = bb = dxb = mb = mv = dbb = dbv = NULL;
  }
done:
  clrelu_buffer_destroy(dbv);
  clrelu_buffer_destroy(dbb);
  clrelu_buffer_destroy(mv);
  clrelu_buffer_destroy(mb);
  clrelu_buffer_destroy(dxb);
  clrelu_buffer_destroy(bb);
  clrelu_buffer_destroy(xb);
  clrelu_buffer_destroy(dyv);
  clrelu_buffer_destroy(dyb);
  free(dyf), free(xf), free(bf), free(terms), free(want_db), free(db);
  free(cpu_db), free(got_f), free(want_f), free(dy), free(x), free(b);
  free(dx), free(cpu_dx), free(want_dx), free(mask);
}

/* The mask dtype's rules, and the op's errors; nothing changes on
 * failure. */
static void errors(clrelu_context *ctx) {
  clrelu_buffer *m = NULL, *v = NULL, *x = NULL, *y = NULL, *w = NULL;
  CHECK_STATUS(clrelu_buffer_create(ctx, CLRELU_MASK, 100, &m), CLRELU_SUCCESS);
  CHECK_STATUS(clrelu_buffer_create(ctx, CLRELU_F32, 64, &x), CLRELU_SUCCESS);
  CHECK_STATUS(clrelu_buffer_create(ctx, CLRELU_F32, 64, &y), CLRELU_SUCCESS);
  if (!m || !x || !y)
    goto done;
  uint32_t words[4] = {1, 2, 3, 4}, back[4] = {0};
  CHECK_STATUS(clrelu_buffer_view(m, 16, 32, &v),
               CLRELU_ERROR_INVALID_ARGUMENT);
  CHECK_STATUS(clrelu_buffer_view(m, 32, 100, &v), CLRELU_ERROR_OUT_OF_RANGE);
  CHECK_STATUS(clrelu_buffer_view(m, 64, 36, &v), CLRELU_SUCCESS);
  size_t off = 0;
  clrelu_buffer_mem(v, &off);
  CHECK(off == 64, "a mask view's offset is %zu, want 64 (bits)", off);
  CHECK_STATUS(clrelu_buffer_write(m, 0, 100, words), CLRELU_SUCCESS);
  CHECK_STATUS(clrelu_buffer_write(m, 8, 32, words),
               CLRELU_ERROR_INVALID_ARGUMENT);
  CHECK_STATUS(clrelu_buffer_write(m, 0, 40, words),
               CLRELU_ERROR_INVALID_ARGUMENT);
  CHECK_STATUS(clrelu_buffer_read(m, 96, 32, back), CLRELU_ERROR_OUT_OF_RANGE);
  CHECK_STATUS(clrelu_buffer_read(v, 0, 36, back), CLRELU_SUCCESS);
  CHECK(back[0] == 3 && back[1] == 4, "the view read 0x%x 0x%x, want 3 4",
        back[0], back[1]);
  const clrelu_act relu = {CLRELU_ACT_RELU, 0.0f, 0.0f};
  CHECK_STATUS(clrelu_bias_act_mask(ctx, x, NULL, y, NULL, 1, 64, 1, &relu),
               CLRELU_ERROR_INVALID_ARGUMENT);
  CHECK_STATUS(clrelu_bias_act_mask(ctx, x, NULL, y, y, 1, 64, 1, &relu),
               CLRELU_ERROR_DTYPE_MISMATCH); /* data as the mask */
  CHECK_STATUS(clrelu_bias_act_mask(ctx, m, NULL, y, m, 1, 64, 1, &relu),
               CLRELU_ERROR_DTYPE_MISMATCH); /* a mask as x */
  CHECK_STATUS(clrelu_relu(ctx, m, m, 64), CLRELU_ERROR_DTYPE_MISMATCH);
  CHECK_STATUS(clrelu_bias_act_mask(ctx, x, NULL, y, v, 1, 64, 1, &relu),
               CLRELU_ERROR_OUT_OF_RANGE); /* 36 bits for 64 elements */
  /* the mask's memory wrapped as data: overlapping y */
  CHECK_STATUS(
      clrelu_buffer_wrap(ctx, clrelu_buffer_mem(m, NULL), CLRELU_F32, 4, &w),
      CLRELU_SUCCESS);
  clrelu_buffer *w2 = NULL; /* 129 bits need 5 words; the mask has 4 */
  CHECK_STATUS(clrelu_buffer_wrap(ctx, clrelu_buffer_mem(m, NULL), CLRELU_MASK,
                                  129, &w2),
               CLRELU_ERROR_OUT_OF_RANGE);
  CHECK(w2 == NULL, "a failed wrap gave a buffer");
  if (w) {
    CHECK_STATUS(clrelu_bias_act_mask(ctx, x, NULL, w, m, 1, 4, 1, &relu),
                 CLRELU_ERROR_INVALID_ARGUMENT);
  }
  CHECK_STATUS(clrelu_buffer_read(m, 0, 100, back), CLRELU_SUCCESS);
  CHECK(back[0] == 1 && back[3] == 4, "a failed call changed the mask");
done:
  clrelu_buffer_destroy(w);
  clrelu_buffer_destroy(v);
  clrelu_buffer_destroy(m);
  clrelu_buffer_destroy(x);
  clrelu_buffer_destroy(y);
}

int main(void) {
  test_init();
  clrelu_context *ctx = test_context();
  flush_ok = !test_device_denorms(ctx);
  const int small = getenv("CLRELU_TRAIN_SMALL") != NULL;
  static const shape shapes[] = {
      {1, 1, 1, 0},     {1, 31, 1, 0},    {1, 1, 32, 0},
      {1, 33, 1, 0},    {3, 1, 1023, 0},  {1, 1, 1025, 0},
      {37, 129, 1, 0},  {49, 16, 1, 0},   {2, 5, 49, 0},
      {5, 1, 31, 0},    {600, 33, 1, 0},  {1, 3, 12544, 1},
      {1, 1, 70000, 1}, {600, 256, 1, 1}, {3, 2, 25000, 1},
      {2, 2, 262147, 1}}; /* the last: past the streaming-store size */
  int calls = 0;
  for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; ++s) {
    if (small && shapes[s].large)
      continue;
    for (int dt = CLRELU_F32; dt <= CLRELU_BF16; ++dt)
      for (int act = 0; act < REF_NACTS; ++act)
        for (int k = 0; k < (ref_act_has_param((enum ref_act)act) ? 2 : 1);
             ++k, ++calls) {
          const float alpha = ref_act_param((enum ref_act)act, k + (int)s);
          one(ctx, (clrelu_dtype)dt, &shapes[s], (enum ref_act)act, alpha,
              calls % 3 != 0, calls % 2);
          backward_one(ctx, (clrelu_dtype)dt, &shapes[s], (enum ref_act)act,
                       alpha, calls % 3 != 1, calls % 2);
        }
  }
  errors(ctx);
  printf("%d calls\n", calls);
  clrelu_context_destroy(ctx);
  return test_finish("test_train");
}
