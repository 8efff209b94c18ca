/* PReLU on host arrays, bit for bit the device's: in blocks of elements,
 * each converted to float32, the bias added (rounded once), the slope
 * applied, the result rounded once to the dtype; the slope gradient in the
 * fixed order of fixed_sum.c. */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

#define BLOCK 1024 /* elements a step; small enough for the stack */

typedef struct prelu_job {
  clrelu_dtype dtype;
  const void *dy, *x;        /* dy: the backward pass */
  const float *bias, *slope; /* float32, channels each; bias may be NULL */
  void *y;
  size_t total, outer, channels, inner;
  int nt; /* float32 y past the caches */
} prelu_job;

static size_t elem_size(clrelu_dtype d) { return d == CLRELU_F32 ? 4 : 2; }

/* Elements [p, p + m) of a as float32. */
static void load(clrelu_dtype d, const void *a, size_t p, size_t m, float *f) {
  if (d == CLRELU_F32)
    memcpy(f, (const float *)a + p, m * sizeof *f);
  else
    clrelu__to_f32(d, (const uint16_t *)a + p, f, m);
}

static void store(clrelu_dtype d, void *a, size_t p, size_t m, const float *f) {
  if (d == CLRELU_F32)
    memcpy((float *)a + p, f, m * sizeof *f);
  else
    clrelu__from_f32(d, f, (uint16_t *)a + p, m);
}

/* Four lanes at a time, selecting on the bits (no branch per element, and
 * NaN, -0.0 and infinities exactly as the scalar definition). */
typedef clrelu_v4 v4;
#define SEL CLRELU_SEL

/* r = t > 0 ? t : s * t, t = x + b (rounded once; b NULL: t = x), over n
 * elements (r may be x; nt: streaming stores). */
static void prelu_lanes(const float *x, const float *b, const float *s,
                        float *r, size_t n, int nt) {
  size_t i = 0;
  for (; i + 4 <= n; i += 4) {
    v4 tv, sv;
    memcpy(&tv, x + i, sizeof tv);
    memcpy(&sv, s + i, sizeof sv);
    if (b) {
      v4 bv;
      memcpy(&bv, b + i, sizeof bv);
      tv = tv + bv;
    }
    clrelu__store4(SEL(tv > 0.0f, tv, sv * tv), r + i, nt);
  }
  for (; i < n; ++i) {
    const float t = b ? x[i] + b[i] : x[i];
    r[i] = t > 0.0f ? t : s[i] * t;
  }
}

/* r = x > 0 ? d : (x NaN ? x : s * d) over n elements (r may be d or x). */
static void backward_lanes(const float *d, const float *x, const float *s,
                           float *r, size_t n, int nt) {
  size_t i = 0;
  for (; i + 4 <= n; i += 4) {
    v4 dv, xv, sv;
    memcpy(&dv, d + i, sizeof dv);
    memcpy(&xv, x + i, sizeof xv);
    memcpy(&sv, s + i, sizeof sv);
    clrelu__store4(SEL(xv > 0.0f, dv, SEL(xv != xv, xv, sv * dv)), r + i, nt);
  }
  for (; i < n; ++i)
    r[i] = x[i] > 0.0f ? d[i] : x[i] != x[i] ? x[i] : s[i] * d[i];
}

/* The slope gradient's terms: v = x > 0 ? +0.0 : dy * x over n elements. */
static void term_lanes(const float *dy, const float *x, float *v, size_t n) {
  const v4 zero = {0.0f, 0.0f, 0.0f, 0.0f};
  size_t i = 0;
  for (; i + 4 <= n; i += 4) {
    v4 dv, xv;
    memcpy(&dv, dy + i, sizeof dv);
    memcpy(&xv, x + i, sizeof xv);
    v4 tv = SEL(xv > 0.0f, zero, dv * xv);
    memcpy(v + i, &tv, sizeof tv);
  }
  for (; i < n; ++i)
    v[i] = x[i] > 0.0f ? 0.0f : dy[i] * x[i];
}

/* Elements [p0, p1): y = PReLU(x (+ bias)), or dx, a run at a time: a
 * row's channels (the slope and bias arrays themselves), or along planes a
 * block across them (their slopes and biases spread into s and b; a run a
 * plane would leave small planes' lines partly written by streaming
 * stores). float32 arrays are used where they are; 16-bit ones go through
 * float32 runs. */
static void run_elements(const prelu_job *j, size_t p0, size_t p1) {
  float x[BLOCK], d[BLOCK], s[BLOCK], b[BLOCK], r[BLOCK];
  const int f32 = j->dtype == CLRELU_F32;
  const int rows = j->inner == 1 && j->channels > 1;
  size_t c = rows ? p0 % j->channels : 0;
  for (size_t p = p0; p < p1;) {
    size_t m = p1 - p < BLOCK ? p1 - p : BLOCK;
    const float *sp = j->slope + c, *bp = j->bias ? j->bias + c : NULL;
    if (rows) {
      m = m < j->channels - c ? m : j->channels - c;
    } else {
      clrelu__channel_values(j->slope, j->channels, j->inner, p, m, s);
      if (bp)
        clrelu__channel_values(j->bias, j->channels, j->inner, p, m, b);
      sp = s;
      bp = bp ? b : NULL;
    }
    const float *xp = f32 ? (const float *)j->x + p : x;
    float *rp = f32 ? (float *)j->y + p : r;
    if (!f32)
      load(j->dtype, j->x, p, m, x);
    if (j->dy) {
      const float *dp = f32 ? (const float *)j->dy + p : d;
      if (!f32)
        load(j->dtype, j->dy, p, m, d);
      backward_lanes(dp, xp, sp, rp, m, f32 && j->nt);
    } else {
      prelu_lanes(xp, bp, sp, rp, m, f32 && j->nt);
    }
    if (!f32)
      store(j->dtype, j->y, p, m, r);
    p += m;
    if (rows)
      c = c + m == j->channels ? 0 : c + m;
  }
}

static void elements_piece(void *arg, int k, int n) {
  const prelu_job *j = arg;
  size_t p0, p1;
  clrelu__piece_range(j->total, k, n, &p0, &p1);
  if (p0 < p1)
    run_elements(j, p0, p1);
  if (j->nt)
    clrelu__store_fence();
}

/* The backward pass with the slope gradient, one sweep: a run's terms, x >
 * 0 ? +0.0 : dy * x, then its dx (which may overwrite dy or x). */
static void backward_run(const void *arg, size_t e, size_t n, size_t c,
                         float *v) {
  (void)c;
  const prelu_job *j = arg;
  float xb[CLRELU_SUM_BLOCK], db[CLRELU_SUM_BLOCK], sb[CLRELU_SUM_BLOCK],
      rb[CLRELU_SUM_BLOCK];
  const int f32 = j->dtype == CLRELU_F32;
  const float *x = f32 ? (const float *)j->x + e : xb,
              *d = f32 ? (const float *)j->dy + e : db;
  if (!f32) {
    load(j->dtype, j->x, e, n, xb);
    load(j->dtype, j->dy, e, n, db);
  }
  clrelu__channel_values(j->slope, j->channels, j->inner, e, n, sb);
  term_lanes(d, x, v, n);
  /* streaming stores only for runs of whole lines' worth (clrelu__store4) */
  backward_lanes(d, x, sb, f32 ? (float *)j->y + e : rb, n,
                 f32 && j->nt && n >= CLRELU_STREAM_RUN);
  if (!f32)
    store(j->dtype, j->y, e, n, rb);
}

/* ---- entry points ---- */

/* Checks (pointers, shape; the _16 forms checked the dtype) and converts the
 * channel arrays to float32 (*fb, *fs: to free). */
static clrelu_status setup(const char *fn, prelu_job *j, const void *bias,
                           const void *slope, size_t outer, size_t channels,
                           size_t inner, float **fb, float **fs) {
  *fb = *fs = NULL;
  j->outer = outer;
  j->channels = channels;
  j->inner = inner;
  j->total = 0;
  if (outer == 0 || channels == 0 || inner == 0)
    return CLRELU_SUCCESS;
  clrelu_status st = clrelu__check_shape(fn, outer, channels, inner,
                                         elem_size(j->dtype), &j->total);
  if (st != CLRELU_SUCCESS)
    return st;
  j->nt = j->dtype == CLRELU_F32 && j->total >= CLRELU_STREAM_MIN;
  if (channels == 1) { /* one plane of everything: the same terms, in order */
    j->outer = 1;
    j->inner = j->total;
  }
  if (!j->x || !j->y || !slope)
    return clrelu__fail(CLRELU_ERROR_INVALID_ARGUMENT, "%s: a pointer is NULL",
                        fn);
  if (j->dtype == CLRELU_F32) {
    j->slope = slope;
    j->bias = bias;
    return CLRELU_SUCCESS;
  }
  *fs = malloc(channels * sizeof **fs);
  *fb = bias ? malloc(channels * sizeof **fb) : NULL;
  if (!*fs || (bias && !*fb)) {
    free(*fs);
    free(*fb);
    *fb = *fs = NULL;
    return clrelu__fail(CLRELU_ERROR_OUT_OF_MEMORY, "%s: out of host memory",
                        fn);
  }
  clrelu__to_f32(j->dtype, slope, *fs, channels);
  if (bias)
    clrelu__to_f32(j->dtype, bias, *fb, channels);
  j->slope = *fs;
  j->bias = *fb;
  return CLRELU_SUCCESS;
}

static clrelu_status forward(const char *fn, clrelu_dtype dtype, const void *x,
                             const void *bias, const void *slope, void *y,
                             size_t outer, size_t channels, size_t inner) {
  prelu_job j = {.dtype = dtype, .x = x, .y = y};
  float *fb, *fs;
  clrelu_status st =
      setup(fn, &j, bias, slope, outer, channels, inner, &fb, &fs);
  if (st == CLRELU_SUCCESS && j.total > 0)
    clrelu__parallel(elements_piece, &j, clrelu__cpu_threads(j.total));
  free(fb);
  free(fs);
  return st;
}

static clrelu_status backward(const char *fn, clrelu_dtype dtype,
                              const void *dy, const void *x, const void *slope,
                              void *dx, float *dslope, size_t outer,
                              size_t channels, size_t inner) {
  prelu_job j = {.dtype = dtype, .dy = dy, .x = x, .y = dx};
  float *fb, *fs;
  clrelu_status st =
      setup(fn, &j, NULL, slope, outer, channels, inner, &fb, &fs);
  if (st == CLRELU_SUCCESS && j.total > 0 && !dy)
    st = clrelu__fail(CLRELU_ERROR_INVALID_ARGUMENT, "%s: dy is NULL", fn);
  if (st == CLRELU_SUCCESS && dslope) { /* dslope and dx in one sweep */
    st = clrelu__channel_sums(backward_run, &j, j.outer, channels, j.inner,
                              dslope);
    if (st != CLRELU_SUCCESS)
      clrelu__fail(st, "%s: out of host memory", fn);
  } else if (st == CLRELU_SUCCESS && j.total > 0) {
    clrelu__parallel(elements_piece, &j, clrelu__cpu_threads(j.total));
  }
  free(fb);
  free(fs);
  return st;
}

clrelu_status clrelu_cpu_prelu(const float *x, const float *slope, float *y,
                               size_t outer, size_t channels, size_t inner) {
  return forward("clrelu_cpu_prelu", CLRELU_F32, x, NULL, slope, y, outer,
                 channels, inner);
}

clrelu_status clrelu_cpu_bias_prelu(const float *x, const float *bias,
                                    const float *slope, float *y, size_t outer,
                                    size_t channels, size_t inner) {
  return forward("clrelu_cpu_bias_prelu", CLRELU_F32, x, bias, slope, y, outer,
                 channels, inner);
}

clrelu_status clrelu_cpu_prelu_backward(const float *dy, const float *x,
                                        const float *slope, float *dx,
                                        float *dslope, size_t outer,
                                        size_t channels, size_t inner) {
  return backward("clrelu_cpu_prelu_backward", CLRELU_F32, dy, x, slope, dx,
                  dslope, outer, channels, inner);
}

/* The 16-bit forms refuse CLRELU_F32 (the float forms are for that). */
static clrelu_status check16(const char *fn, clrelu_dtype dtype) {
  if (dtype != CLRELU_F16 && dtype != CLRELU_BF16)
    return clrelu__fail(CLRELU_ERROR_INVALID_ARGUMENT,
                        "%s: dtype %d is not CLRELU_F16 or CLRELU_BF16", fn,
                        (int)dtype);
  return CLRELU_SUCCESS;
}

clrelu_status clrelu_cpu_prelu_16(clrelu_dtype dtype, const uint16_t *x,
                                  const uint16_t *slope, uint16_t *y,
                                  size_t outer, size_t channels, size_t inner) {
  static const char fn[] = "clrelu_cpu_prelu_16";
  clrelu_status st = check16(fn, dtype);
  return st != CLRELU_SUCCESS
             ? st
             : forward(fn, dtype, x, NULL, slope, y, outer, channels, inner);
}

clrelu_status clrelu_cpu_bias_prelu_16(clrelu_dtype dtype, const uint16_t *x,
                                       const uint16_t *bias,
                                       const uint16_t *slope, uint16_t *y,
                                       size_t outer, size_t channels,
                                       size_t inner) {
  static const char fn[] = "clrelu_cpu_bias_prelu_16";
  clrelu_status st = check16(fn, dtype);
  return st != CLRELU_SUCCESS
             ? st
             : forward(fn, dtype, x, bias, slope, y, outer, channels, inner);
}

clrelu_status clrelu_cpu_prelu_backward_16(clrelu_dtype dtype,
                                           const uint16_t *dy,
                                           const uint16_t *x,
                                           const uint16_t *slope, uint16_t *dx,
                                           float *dslope, size_t outer,
                                           size_t channels, size_t inner) {
  static const char fn[] = "clrelu_cpu_prelu_backward_16";
  clrelu_status st = check16(fn, dtype);
  return st != CLRELU_SUCCESS ? st
                              : backward(fn, dtype, dy, x, slope, dx, dslope,
                                         outer, channels, inner);
}
