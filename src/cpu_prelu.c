/* PReLU on host arrays, bit for bit the device's: in blocks of elements,
 * each converted to float32, the bias added (rounded once), the slope
 * applied, the result rounded once to the dtype; the slope gradient in the
 * fixed order of fixed_sum.c. */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

#define BLOCK 1024 /* elements a step; small enough for the stack */
#define PARALLEL_MIN ((size_t)1 << 16)

typedef struct prelu_job {
  clrelu_dtype dtype;
  const void *dy, *x;        /* dy: the backward pass */
  const float *bias, *slope; /* float32, channels each; bias may be NULL */
  void *y;
  size_t total, channels, inner;
  float *dslope; /* the backward pass's slope gradient, or NULL */
  size_t outer;
  clrelu_status st; /* OUT_OF_MEMORY from a piece */
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

/* The slopes (and biases) of elements [p, p + m), element e of the array
 * being in channel (e / inner) % channels. */
static void channel_values(const prelu_job *j, size_t p, size_t m, float *s,
                           float *b) {
  size_t plane = p / j->inner, pos = p - plane * j->inner;
  size_t c = plane % j->channels;
  for (size_t k = 0; k < m; ++k) {
    s[k] = j->slope[c];
    if (b)
      b[k] = j->bias[c];
    if (++pos == j->inner) {
      pos = 0;
      c = c + 1 == j->channels ? 0 : c + 1;
    }
  }
}

/* Elements [p0, p1): y = PReLU(x (+ bias)), or dx. */
static void run_elements(const prelu_job *j, size_t p0, size_t p1) {
  float x[BLOCK], d[BLOCK], s[BLOCK], b[BLOCK], r[BLOCK];
  for (size_t p = p0; p < p1; p += BLOCK) {
    size_t m = p1 - p < BLOCK ? p1 - p : BLOCK;
    load(j->dtype, j->x, p, m, x);
    channel_values(j, p, m, s, j->bias ? b : NULL);
    if (j->dy) { /* x > 0 ? dy : slope * dy; NaN where x is NaN */
      load(j->dtype, j->dy, p, m, d);
      for (size_t k = 0; k < m; ++k)
        r[k] = x[k] > 0.0f ? d[k] : x[k] != x[k] ? x[k] : s[k] * d[k];
    } else {
      if (j->bias)
        for (size_t k = 0; k < m; ++k)
          x[k] = x[k] + b[k];
      for (size_t k = 0; k < m; ++k)
        r[k] = x[k] > 0.0f ? x[k] : s[k] * x[k];
    }
    store(j->dtype, j->y, p, m, r);
  }
}

static void elements_piece(void *arg, int k, int n) {
  const prelu_job *j = arg;
  size_t p0, p1;
  clrelu__piece_range(j->total, k, n, &p0, &p1);
  if (p0 < p1)
    run_elements(j, p0, p1);
}

static int threads_for(size_t n) {
  if (n < PARALLEL_MIN)
    return 1;
  size_t most = n / (PARALLEL_MIN / 2);
  int t = clrelu__cores();
  return (size_t)t > most ? (int)most : t;
}

/* The slope gradient's terms of one channel: j = o * inner + i is element
 * (o * channels + c) * inner + i, its term x > 0 ? +0.0 : dy * x. */
typedef struct channel_terms {
  const prelu_job *j;
  size_t c;
} channel_terms;

static void dslope_terms(const void *arg, size_t j0, size_t n, float *v) {
  const channel_terms *t = arg;
  const prelu_job *j = t->j;
  size_t o = j0 / j->inner, i = j0 - o * j->inner;
  size_t e = (o * j->channels + t->c) * j->inner + i;
  for (size_t k = 0; k < n; ++k) {
    float x, dy;
    load(j->dtype, j->x, e, 1, &x);
    load(j->dtype, j->dy, e, 1, &dy);
    v[k] = x > 0.0f ? 0.0f : dy * x;
    if (++i == j->inner) { /* the same channel's next plane */
      i = 0;
      e += (j->channels - 1) * j->inner + 1;
    } else {
      ++e;
    }
  }
}

static void dslope_piece(void *arg, int k, int n) {
  prelu_job *j = arg;
  size_t m = j->outer * j->inner;
  float *scratch = malloc(clrelu__sum_blocks(m) * sizeof *scratch);
  if (!scratch) {
    j->st = CLRELU_ERROR_OUT_OF_MEMORY; /* every piece writes the same */
    return;
  }
  for (size_t c = (size_t)k; c < j->channels; c += (size_t)n) {
    channel_terms t = {j, c};
    j->dslope[c] = clrelu__fixed_sum(dslope_terms, &t, m, scratch);
  }
  free(scratch);
}

/* ---- entry points ---- */

/* Checks (dtype, pointers, shape) and converts the channel arrays to
 * float32 (*fb, *fs: to free). */
static clrelu_status setup(const char *fn, prelu_job *j, const void *bias,
                           const void *slope, size_t outer, size_t channels,
                           size_t inner, float **fb, float **fs) {
  *fb = *fs = NULL;
  if (j->dtype != CLRELU_F32 && j->dtype != CLRELU_F16 &&
      j->dtype != CLRELU_BF16)
    return clrelu__fail(CLRELU_ERROR_INVALID_ARGUMENT,
                        "%s: dtype %d is not CLRELU_F16 or CLRELU_BF16", fn,
                        (int)j->dtype);
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
  prelu_job j = {dtype, NULL, x, NULL, NULL, y,
                 0,     0,    0, NULL, 0,    CLRELU_SUCCESS};
  float *fb, *fs;
  clrelu_status st =
      setup(fn, &j, bias, slope, outer, channels, inner, &fb, &fs);
  if (st == CLRELU_SUCCESS && j.total > 0)
    clrelu__parallel(elements_piece, &j, threads_for(j.total));
  free(fb);
  free(fs);
  return st;
}

static clrelu_status backward(const char *fn, clrelu_dtype dtype,
                              const void *dy, const void *x, const void *slope,
                              void *dx, float *dslope, size_t outer,
                              size_t channels, size_t inner) {
  prelu_job j = {dtype, dy, x, NULL,   NULL, dx,
                 0,     0,  0, dslope, 0,    CLRELU_SUCCESS};
  float *fb, *fs;
  clrelu_status st =
      setup(fn, &j, NULL, slope, outer, channels, inner, &fb, &fs);
  if (st == CLRELU_SUCCESS && j.total > 0 && !dy)
    st = clrelu__fail(CLRELU_ERROR_INVALID_ARGUMENT, "%s: dy is NULL", fn);
  if (st == CLRELU_SUCCESS && dslope && j.total > 0) {
    /* the sum first: dx may overwrite dy or x */
    clrelu__parallel(dslope_piece, &j,
                     threads_for(j.total) < (int)channels ? threads_for(j.total)
                                                          : (int)channels);
    st = j.st;
    if (st != CLRELU_SUCCESS)
      clrelu__fail(st, "%s: out of host memory", fn);
  } else if (st == CLRELU_SUCCESS && dslope) { /* no elements: +0.0 */
    for (size_t c = 0; c < channels; ++c)
      dslope[c] = 0.0f;
  }
  if (st == CLRELU_SUCCESS && j.total > 0)
    clrelu__parallel(elements_piece, &j, threads_for(j.total));
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
