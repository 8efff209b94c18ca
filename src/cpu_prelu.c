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
  size_t total, outer, channels, inner;
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
 * being in channel (e / inner) % channels: runs of one value along planes,
 * copies of the arrays along rows. */
static void channel_values(const prelu_job *j, size_t p, size_t m, float *s,
                           float *b) {
  size_t plane = p / j->inner, pos = p - plane * j->inner;
  size_t c = plane % j->channels;
  for (size_t k = 0; k < m;) {
    if (j->inner == 1) { /* rows: channels c, c + 1, ... */
      size_t run = j->channels - c < m - k ? j->channels - c : m - k;
      memcpy(s + k, j->slope + c, run * sizeof *s);
      if (b)
        memcpy(b + k, j->bias + c, run * sizeof *b);
      k += run;
      c = (c + run) % j->channels;
      continue;
    }
    size_t run = j->inner - pos < m - k ? j->inner - pos : m - k;
    for (size_t r = 0; r < run; ++r)
      s[k + r] = j->slope[c];
    if (b)
      for (size_t r = 0; r < run; ++r)
        b[k + r] = j->bias[c];
    k += run;
    pos += run;
    if (pos == j->inner) {
      pos = 0;
      c = c + 1 == j->channels ? 0 : c + 1;
    }
  }
}

/* Four lanes at a time, selecting on the bits (no branch per element, and
 * NaN, -0.0 and infinities exactly as the scalar definition). */
typedef float v4 __attribute__((vector_size(16)));
typedef int32_t v4i __attribute__((vector_size(16)));
#define SEL(m, t, f) ((v4)(((v4i)(t) & (m)) | ((v4i)(f) & ~(m))))

/* r = x > 0 ? x : s * x over n elements (r may be x). */
static void prelu_lanes(const float *x, const float *s, float *r, size_t n) {
  size_t i = 0;
  for (; i + 4 <= n; i += 4) {
    v4 xv, sv;
    memcpy(&xv, x + i, sizeof xv);
    memcpy(&sv, s + i, sizeof sv);
    v4 rv = SEL(xv > 0.0f, xv, sv * xv);
    memcpy(r + i, &rv, sizeof rv);
  }
  for (; i < n; ++i)
    r[i] = x[i] > 0.0f ? x[i] : s[i] * x[i];
}

/* r = x > 0 ? d : (x NaN ? x : s * d) over n elements (r may be d or x). */
static void backward_lanes(const float *d, const float *x, const float *s,
                           float *r, size_t n) {
  size_t i = 0;
  for (; i + 4 <= n; i += 4) {
    v4 dv, xv, sv;
    memcpy(&dv, d + i, sizeof dv);
    memcpy(&xv, x + i, sizeof xv);
    memcpy(&sv, s + i, sizeof sv);
    v4 rv = SEL(xv > 0.0f, dv, SEL(xv != xv, xv, sv * dv));
    memcpy(r + i, &rv, sizeof rv);
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

/* Elements [p0, p1): y = PReLU(x (+ bias)), or dx. float32 arrays are used
 * where they are; 16-bit ones go through float32 blocks. */
static void run_elements(const prelu_job *j, size_t p0, size_t p1) {
  float x[BLOCK], d[BLOCK], s[BLOCK], b[BLOCK], r[BLOCK];
  const int f32 = j->dtype == CLRELU_F32;
  for (size_t p = p0; p < p1; p += BLOCK) {
    size_t m = p1 - p < BLOCK ? p1 - p : BLOCK;
    const float *xp = f32 ? (const float *)j->x + p : x;
    float *rp = f32 ? (float *)j->y + p : r;
    if (!f32)
      load(j->dtype, j->x, p, m, x);
    channel_values(j, p, m, s, j->bias ? b : NULL);
    if (j->dy) {
      const float *dp = f32 ? (const float *)j->dy + p : d;
      if (!f32)
        load(j->dtype, j->dy, p, m, d);
      backward_lanes(dp, xp, s, rp, m);
    } else {
      if (j->bias) {
        for (size_t k = 0; k < m; ++k)
          x[k] = xp[k] + b[k];
        xp = x;
      }
      prelu_lanes(xp, s, rp, m);
    }
    if (!f32)
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

/* The slope gradient, level 1: block b of channel c sums its 256 terms
 * (term j = o * inner + i is element (o * channels + c) * inner + i:
 * x > 0 ? +0.0 : dy * x) into sums[c * nb + b]. Along planes a block is a
 * few contiguous runs; along rows (inner 1) block b is rows 256 b .. 256 b
 * + 255, read once for every channel. */
static void term_run(const prelu_job *j, size_t e, size_t n, float *v) {
  float x[CLRELU_SUM_BLOCK], dy[CLRELU_SUM_BLOCK];
  load(j->dtype, j->x, e, n, x);
  load(j->dtype, j->dy, e, n, dy);
  term_lanes(dy, x, v, n);
}

static float plane_block(const prelu_job *j, size_t c, size_t b) {
  float v[CLRELU_SUM_BLOCK];
  size_t m = j->outer * j->inner, j0 = b * CLRELU_SUM_BLOCK;
  size_t n = m - j0 < CLRELU_SUM_BLOCK ? m - j0 : CLRELU_SUM_BLOCK;
  size_t o = j0 / j->inner, i = j0 - o * j->inner;
  for (size_t k = 0; k < n;) {
    size_t run = j->inner - i < n - k ? j->inner - i : n - k;
    term_run(j, (o * j->channels + c) * j->inner + i, run, v + k);
    k += run;
    i = 0;
    ++o;
  }
  memset(v + n, 0, (CLRELU_SUM_BLOCK - n) * sizeof *v); /* +0.0 */
  return clrelu__block_sum(v);
}

/* Rows 256 b .. of every channel: the rows converted a few at a time, each
 * channel's terms gathered from them. */
static void row_blocks(const prelu_job *j, size_t b, float *sums, size_t nb,
                       float *rowx, float *rowd) {
  size_t o0 = b * CLRELU_SUM_BLOCK, n = j->outer - o0 < CLRELU_SUM_BLOCK
                                            ? j->outer - o0
                                            : CLRELU_SUM_BLOCK;
  for (size_t c0 = 0; c0 < j->channels; c0 += 16) {
    size_t cn = j->channels - c0 < 16 ? j->channels - c0 : 16;
    float v[16][CLRELU_SUM_BLOCK];
    for (size_t k = 0; k < n; ++k) {
      size_t e = (o0 + k) * j->channels + c0;
      float t[16];
      load(j->dtype, j->x, e, cn, rowx);
      load(j->dtype, j->dy, e, cn, rowd);
      term_lanes(rowd, rowx, t, cn);
      for (size_t q = 0; q < cn; ++q)
        v[q][k] = t[q];
    }
    for (size_t q = 0; q < cn; ++q) {
      memset(v[q] + n, 0, (CLRELU_SUM_BLOCK - n) * sizeof(float));
      sums[(c0 + q) * nb + b] = clrelu__block_sum(v[q]);
    }
  }
}

typedef struct dslope_job {
  const prelu_job *j;
  float *sums; /* channels * nb level-1 block sums */
  size_t nb;
} dslope_job;

static void level1_piece(void *arg, int k, int n) {
  const dslope_job *d = arg;
  const prelu_job *j = d->j;
  float rowx[16], rowd[16];
  if (j->inner == 1 && j->channels > 1) {
    for (size_t b = (size_t)k; b < d->nb; b += (size_t)n)
      row_blocks(j, b, d->sums, d->nb, rowx, rowd);
    return;
  }
  size_t units = j->channels * d->nb;
  for (size_t u = (size_t)k; u < units; u += (size_t)n)
    d->sums[u] = plane_block(j, u / d->nb, u % d->nb);
}

static void copy_terms(const void *arg, size_t j0, size_t n, float *v) {
  memcpy(v, (const float *)arg + j0, n * sizeof *v);
}

/* dslope[c] for every channel; OUT_OF_MEMORY without room for the sums. */
static clrelu_status dslope_sum(const prelu_job *j, float *dslope) {
  size_t nb = clrelu__sum_blocks(j->outer * j->inner);
  float *sums = malloc(j->channels * nb * sizeof *sums),
        *scratch = malloc(clrelu__sum_blocks(nb) * sizeof *scratch);
  if (!sums || !scratch) {
    free(sums);
    free(scratch);
    return CLRELU_ERROR_OUT_OF_MEMORY;
  }
  dslope_job d = {j, sums, nb};
  clrelu__parallel(level1_piece, &d, threads_for(j->total));
  for (size_t c = 0; c < j->channels; ++c) /* the levels above */
    dslope[c] = nb == 1
                    ? sums[c]
                    : clrelu__fixed_sum(copy_terms, sums + c * nb, nb, scratch);
  free(sums);
  free(scratch);
  return CLRELU_SUCCESS;
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
    clrelu__parallel(elements_piece, &j, threads_for(j.total));
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
  if (st == CLRELU_SUCCESS && dslope && j.total > 0) {
    /* the sum first: dx may overwrite dy or x */
    st = dslope_sum(&j, dslope);
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
