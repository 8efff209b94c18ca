/* Training passes on the host: the CPU twins of kernels/train.cl, bit for
 * bit (the mask words included), in float32 runs split among threads. */
#include "internal.h"

#include <stdlib.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

/* The pass-through branch of each activation of t (a the parameter), as
 * in kernels/train.cl. */
#define PASS_IDENTITY(t, a) ((void)(t), 1u)
#define PASS_RELU(t, a) (uint32_t)((t) > 0.0f)
#define PASS_LEAKY_RELU(t, a) (uint32_t)((t) > 0.0f)
#define PASS_CLIPPED_RELU(t, a) (uint32_t)((t) > 0.0f && (t) < (a))
#define PASS_THRESHOLDED_RELU(t, a) (uint32_t)((t) > (a))

/* The same on four lanes of t: all ones or zero a lane. */
#define PASSV_IDENTITY(t, a) (((t) == (t)) | ((t) != (t)))
#define PASSV_RELU(t, a) ((t) > 0.0f)
#define PASSV_LEAKY_RELU(t, a) ((t) > 0.0f)
#define PASSV_CLIPPED_RELU(t, a) (((t) > 0.0f) & ((t) < (a)))
#define PASSV_THRESHOLDED_RELU(t, a) ((t) > (a))

static const clrelu_v4 zero4 = {0.0f, 0.0f, 0.0f, 0.0f};

static clrelu_v4 load4(const float *p) {
  clrelu_v4 v;
  memcpy(&v, p, sizeof v);
  return v;
}

static void store4(clrelu_v4 v, float *p) { memcpy(p, &v, sizeof v); }

/* Lane l of m (all ones or zero) as bit l. */
static uint32_t lane_bits(clrelu_v4i m) {
#ifdef __SSE2__
  return (uint32_t)_mm_movemask_ps((__m128)m);
#else
  return (uint32_t)((m[0] & 1) | (m[1] & 2) | (m[2] & 4) | (m[3] & 8));
#endif
}

#define MASK_CHUNK 2048 /* elements a step of the mask: 64 words */

/* The channel array as float32 (-0.0 without one, so that x + b is x):
 * NULL when out of memory. */
static float *channel_floats(clrelu_dtype dtype, const void *bias,
                             size_t channels) {
  float *f = malloc((channels ? channels : 1) * sizeof *f);
  if (!f)
    return NULL;
  if (!bias)
    for (size_t c = 0; c < channels; ++c)
      f[c] = -0.0f;
  else if (dtype == CLRELU_F32)
    memcpy(f, bias, channels * sizeof *f);
  else
    clrelu__to_f32(dtype, bias, f, channels);
  return f;
}

/* ---- forward: the mask ---- */

typedef void pack_fn(const float *t, size_t n, float a, uint32_t *w);

/* Words of the mask of t[0 .. n); the last word's bits past n are 0. */
#define PACK_FN(C, ID, name, param)                                            \
  static void pack_##name(const float *t, size_t n, float a, uint32_t *w) {    \
    (void)a;                                                                   \
    size_t q = 0;                                                              \
    for (; q + 32 <= n; q += 32) {                                             \
      uint32_t word = 0;                                                       \
      for (size_t g = 0; g < 32; g += 4)                                       \
        word |= lane_bits(PASSV_##ID(load4(t + q + g), a)) << g;               \
      w[q / 32] = word;                                                        \
    }                                                                          \
    if (q < n) {                                                               \
      uint32_t word = 0;                                                       \
      for (size_t k = q; k < n; ++k)                                           \
        word |= PASS_##ID(t[k], a) << (k - q);                                 \
      w[q / 32] = word;                                                        \
    }                                                                          \
  }
CLRELU_BIAS_ACTS(PACK_FN, 0)
#define PACK_ENTRY(C, ID, name, param) [CLRELU_ACT_##ID] = pack_##name,
static pack_fn *const pack_fns[] = {CLRELU_BIAS_ACTS(PACK_ENTRY, 0)};

/* y = a(t) on four lanes at a time, n a multiple of 4: the expressions of
 * src/cpu.c's bias ops, so that y has clrelu_cpu_bias_act's bits (NaN kept,
 * ReLU's +0.0, the cap taken at t >= cap). */
typedef void act_fn(const float *t, size_t n, float a, float *y);
#define ACTV_IDENTITY(t, av) (t)
#define ACTV_RELU(t, av) ((clrelu_v4)((clrelu_v4i)(t) & ~((t) <= 0.0f)))
#define ACTV_LEAKY_RELU(t, av) CLRELU_SEL((t) > 0.0f, (t), (av) * (t))
#define ACTV_CLIPPED_RELU(t, av)                                               \
  ACTV_RELU(CLRELU_SEL((t) >= (av), (av), (t)), av)
#define ACTV_THRESHOLDED_RELU(t, av)                                           \
  ((clrelu_v4)((clrelu_v4i)(t) & (((t) > (av)) | ((t) != (t)))))
#define ACT_FN(C, ID, name, param)                                             \
  static void act_##name(const float *t, size_t n, float a, float *y) {        \
    const clrelu_v4 av = zero4 + a;                                            \
    (void)av;                                                                  \
    for (size_t k = 0; k < n; k += 4)                                          \
      store4(ACTV_##ID(load4(t + k), av), y + k);                              \
  }
CLRELU_BIAS_ACTS(ACT_FN, 0)
#define ACT_ENTRY(C, ID, name, param) [CLRELU_ACT_##ID] = act_##name,
static act_fn *const act_fns[] = {CLRELU_BIAS_ACTS(ACT_ENTRY, 0)};

typedef struct mask_job {
  clrelu_dtype dtype;
  const void *x;
  const float *bias; /* float32, channels */
  void *y;
  uint32_t *mask;
  size_t total, channels, inner;
  int kind;
  float a;
  int nt; /* float32 y past the caches */
} mask_job;

/* t = x + bias[c] over elements [p, p + n) (b: room for n floats). */
static void biased(const mask_job *j, size_t p, size_t n, float *t, float *b) {
  const float *x = t;
  if (j->dtype == CLRELU_F32)
    x = (const float *)j->x + p;
  else
    clrelu__to_f32(j->dtype, (const uint16_t *)j->x + p, t, n);
  clrelu__channel_values(j->bias, j->channels, j->inner, p, n, b);
  for (size_t k = 0; k < n; ++k)
    t[k] = x[k] + b[k];
}

/* Piece k of n: a range of whole chunks, so that no two share a word; a
 * chunk's x is read before its y is written (y may be x). */
static void mask_piece(void *arg, int k, int n) {
  const mask_job *j = arg;
  float t[MASK_CHUNK], b[MASK_CHUNK];
  const size_t chunks = (j->total + MASK_CHUNK - 1) / MASK_CHUNK;
  const size_t q0 = chunks * (size_t)k / (size_t)n,
               q1 = chunks * ((size_t)k + 1) / (size_t)n;
  for (size_t q = q0; q < q1; ++q) {
    const size_t p = q * MASK_CHUNK;
    const size_t m = j->total - p < MASK_CHUNK ? j->total - p : MASK_CHUNK;
    biased(j, p, m, t, b);
    pack_fns[j->kind](t, m, j->a, j->mask + p / 32);
    if (!j->y)
      continue;
    const size_t m4 = (m + 3) / 4 * 4;
    for (size_t i = m; i < m4; ++i)
      t[i] = 0.0f; /* lanes past the end, computed and dropped */
    act_fns[j->kind](t, m4, j->a, b);
    float *y = (float *)j->y + p;
    size_t i = 0;
    for (; i + 4 <= m; i += 4)
      clrelu__store4(load4(b + i), y + i, j->nt);
    for (; i < m; ++i)
      y[i] = b[i];
  }
  if (j->nt)
    clrelu__store_fence();
}

/* The mask, and float32 y in the same sweep (y NULL: the mask alone): fn
 * has checked everything but the mask pointer; total > 0. */
static clrelu_status bias_act_mask(const char *fn, clrelu_dtype dtype,
                                   const void *x, const void *bias, void *y,
                                   uint32_t *mask, size_t total,
                                   size_t channels, size_t inner,
                                   const clrelu_act *act) {
  if (!mask)
    return clrelu__fail(CLRELU_ERROR_INVALID_ARGUMENT, "%s: mask is NULL", fn);
  float *fb = channel_floats(dtype, bias, channels);
  if (!fb)
    return clrelu__fail(CLRELU_ERROR_OUT_OF_MEMORY, "%s: out of host memory",
                        fn);
  /* one channel is one plane: no run ends before the chunk does */
  mask_job j = {dtype,
                x,
                fb,
                y,
                mask,
                total,
                channels,
                channels == 1 ? total : inner,
                (int)act->kind,
                act->alpha,
                dtype == CLRELU_F32 && total >= CLRELU_STREAM_MIN};
  clrelu__parallel(mask_piece, &j, clrelu__cpu_threads(total));
  free(fb);
  return CLRELU_SUCCESS;
}

clrelu_status clrelu_cpu_bias_act_mask(const float *x, const float *bias,
                                       float *y, uint32_t *mask, size_t outer,
                                       size_t channels, size_t inner,
                                       const clrelu_act *act) {
  static const char fn[] = "clrelu_cpu_bias_act_mask";
  size_t total;
  clrelu_status st = clrelu__check_cpu_bias_act(fn, CLRELU_F32, x, y, outer,
                                                channels, inner, act, &total);
  if (st == CLRELU_SUCCESS && total > 0)
    st = bias_act_mask(fn, CLRELU_F32, x, bias, y, mask, total, channels, inner,
                       act);
  return st;
}

clrelu_status clrelu_cpu_bias_act_mask_16(clrelu_dtype dtype, const uint16_t *x,
                                          const uint16_t *bias, uint16_t *y,
                                          uint32_t *mask, size_t outer,
                                          size_t channels, size_t inner,
                                          const clrelu_act *act) {
  static const char fn[] = "clrelu_cpu_bias_act_mask_16";
  size_t total;
  clrelu_status st = clrelu__check_cpu_bias_act(fn, dtype, x, y, outer,
                                                channels, inner, act, &total);
  /* the mask first (y may be x), then y by clrelu_cpu_bias_act_16, whose
   * conversions beat a rounding pass over the chunks (BF16 by a fifth) */
  if (st == CLRELU_SUCCESS && total > 0)
    st = bias_act_mask(fn, dtype, x, bias, NULL, mask, total, channels, inner,
                       act);
  if (st != CLRELU_SUCCESS || total == 0)
    return st;
  return clrelu_cpu_bias_act_16(dtype, x, bias, y, outer, channels, inner, act);
}

/* ---- backward: dx, and dbias in the fixed order of fixed_sum.c ---- */

/* The backward loops write dx to v (dbias's terms) and, in float32, to the
 * array itself (out: NULL for 16-bit data, converted afterwards; large ones
 * past the caches). */
static void put4(clrelu_v4 r, float *v, float *out, size_t k, int nt) {
  store4(r, v + k);
  if (out)
    clrelu__store4(r, out + k, nt);
}

static void put1(float r, float *v, float *out, size_t k) {
  v[k] = r;
  if (out)
    out[k] = r;
}

/* dx from the mask over n elements from element e (d: their dy). */
static void dx_mask(const float *d, const uint32_t *mask, size_t e, size_t n,
                    int leaky, float a, float *v, float *out, int nt) {
  static const clrelu_v4i lane = {1, 2, 4, 8};
  size_t k = 0;
  for (; k + 4 <= n; k += 4) {
    const size_t i = e + k, sh = i % 32;
    uint32_t nib = mask[i / 32] >> sh;
    if (sh > 28) /* the four straddle two words */
      nib |= mask[i / 32 + 1] << (32 - sh);
    const clrelu_v4i on =
        (((clrelu_v4i){0, 0, 0, 0} + (int32_t)nib) & lane) != 0;
    const clrelu_v4 dv = load4(d + k);
    put4(CLRELU_SEL(on, dv, leaky ? a * dv : zero4), v, out, k, nt);
  }
  for (; k < n; ++k) {
    const size_t i = e + k;
    put1((mask[i / 32] >> (i % 32)) & 1u ? d[k]
         : leaky                         ? a * d[k]
                                         : 0.0f,
         v, out, k);
  }
}

/* dx from the input: t = x + b, NaN where t is, dy on the pass-through
 * branch, else alpha * dy (LEAKY_RELU) or +0.0. b: one value along a plane,
 * one a channel along a row. */
typedef void dx_fn(const float *d, const float *x, const float *b, size_t n,
                   float a, float *v, float *out, int nt);
#define LEAKY(ID) (CLRELU_ACT_##ID == CLRELU_ACT_LEAKY_RELU)
#define DX_OF(ID, t, d, a)                                                     \
  ((t) != (t)) ? (t) : PASS_##ID(t, a) ? (d) : LEAKY(ID) ? (a) * (d) : 0.0f
#define DXV_OF(ID, t, d, a)                                                    \
  CLRELU_SEL((t) != (t), t,                                                    \
             CLRELU_SEL(PASSV_##ID(t, a), d, LEAKY(ID) ? (a) * (d) : zero4))
#define DX_FNS(C, ID, name, param)                                             \
  static void dx_##name##_plane(const float *d, const float *x,                \
                                const float *b, size_t n, float a, float *v,   \
                                float *out, int nt) {                          \
    const float bc = b[0];                                                     \
    size_t k = 0;                                                              \
    for (; k + 4 <= n; k += 4) {                                               \
      const clrelu_v4 t = load4(x + k) + bc, dv = load4(d + k);                \
      put4(DXV_OF(ID, t, dv, a), v, out, k, nt);                               \
    }                                                                          \
    for (; k < n; ++k) {                                                       \
      const float t = x[k] + bc;                                               \
      put1(DX_OF(ID, t, d[k], a), v, out, k);                                  \
    }                                                                          \
  }                                                                            \
  static void dx_##name##_row(const float *d, const float *x, const float *b,  \
                              size_t n, float a, float *v, float *out,         \
                              int nt) {                                        \
    size_t k = 0;                                                              \
    for (; k + 4 <= n; k += 4) {                                               \
      const clrelu_v4 t = load4(x + k) + load4(b + k), dv = load4(d + k);      \
      put4(DXV_OF(ID, t, dv, a), v, out, k, nt);                               \
    }                                                                          \
    for (; k < n; ++k) {                                                       \
      const float t = x[k] + b[k];                                             \
      put1(DX_OF(ID, t, d[k], a), v, out, k);                                  \
    }                                                                          \
  }
CLRELU_BIAS_ACTS(DX_FNS, 0)
#define DX_ENTRY(C, ID, name, param)                                           \
  [CLRELU_ACT_##ID] = {dx_##name##_plane, dx_##name##_row},
static dx_fn *const dx_fns[][2] = {CLRELU_BIAS_ACTS(DX_ENTRY, 0)};

/* One backward call. */
typedef struct backward_job {
  clrelu_dtype dtype;
  const void *dy, *x;   /* x: from the input */
  const uint32_t *mask; /* from the mask (x is NULL) */
  void *dx;
  size_t channels, inner;
  const float *bias; /* float32, channels; -0.0 without a bias */
  int kind;
  float a;
  int nt; /* float32 dx past the caches */
} backward_job;

/* A run of elements (fixed_sum.c): dx in float32 into v (dbias's terms)
 * and into dx; dy, x and dx may be one array, each element being read
 * before it is written. */
static void backward_run(const void *arg, size_t e, size_t n, size_t c,
                         float *v) {
  const backward_job *j = arg;
  float xb[CLRELU_SUM_BLOCK];
  const int f32 = j->dtype == CLRELU_F32;
  const float *d = v, *x = xb;
  if (f32) {
    d = (const float *)j->dy + e;
    x = j->x ? (const float *)j->x + e : NULL;
  } else {
    clrelu__to_f32(j->dtype, (const uint16_t *)j->dy + e, v, n);
    if (j->x)
      clrelu__to_f32(j->dtype, (const uint16_t *)j->x + e, xb, n);
  }
  float *out = f32 ? (float *)j->dx + e : NULL;
  const int nt = j->nt && n >= CLRELU_STREAM_RUN;
  if (j->mask)
    dx_mask(d, j->mask, e, n, j->kind == CLRELU_ACT_LEAKY_RELU, j->a, v, out,
            nt);
  else
    dx_fns[j->kind][j->inner == 1 && j->channels > 1](d, x, j->bias + c, n,
                                                      j->a, v, out, nt);
  if (!f32)
    clrelu__from_f32(j->dtype, v, (uint16_t *)j->dx + e, n);
}

/* The _16 functions take the 16-bit dtypes. */
static clrelu_status check_dtype16(const char *fn, clrelu_dtype dtype) {
  if (dtype != CLRELU_F16 && dtype != CLRELU_BF16)
    return clrelu__fail(CLRELU_ERROR_INVALID_ARGUMENT,
                        "%s: dtype %d is not CLRELU_F16 or CLRELU_BF16", fn,
                        (int)dtype);
  return CLRELU_SUCCESS;
}

/* Checks (the source is mask or x), then dx and dbias in one sweep (its
 * sums thrown away without dbias). */
static clrelu_status backward(const char *fn, backward_job *j, size_t outer,
                              const void *bias, float *dbias,
                              const clrelu_act *act) {
  clrelu_status st = clrelu__check_act(fn, act);
  if (st != CLRELU_SUCCESS)
    return st;
  size_t total = 0;
  if (outer && j->channels && j->inner &&
      (st = clrelu__check_shape(fn, outer, j->channels, j->inner,
                                j->dtype == CLRELU_F32 ? 4 : 2, &total)) !=
          CLRELU_SUCCESS)
    return st;
  if (total > 0 && (!j->dy || !j->dx || (!j->mask && !j->x)))
    return clrelu__fail(CLRELU_ERROR_INVALID_ARGUMENT, "%s: a pointer is NULL",
                        fn);
  if (j->channels == 0 || (total == 0 && !dbias))
    return CLRELU_SUCCESS;
  float *fb = channel_floats(j->dtype, j->mask ? NULL : bias, j->channels);
  float *sums = dbias ? dbias : malloc(j->channels * sizeof *sums);
  j->bias = fb;
  j->kind = (int)act->kind;
  j->a = act->alpha;
  j->nt = j->dtype == CLRELU_F32 && total >= CLRELU_STREAM_MIN;
  if (fb && sums)
    st = clrelu__channel_sums(backward_run, j, outer, j->channels, j->inner,
                              sums);
  if (!fb || !sums || st != CLRELU_SUCCESS)
    st = clrelu__fail(CLRELU_ERROR_OUT_OF_MEMORY, "%s: out of host memory", fn);
  free(fb);
  if (sums != dbias)
    free(sums);
  return st;
}

/* The _16 forms: a 16-bit dtype, then as the float32 ones. */
static clrelu_status backward16(const char *fn, backward_job *j, size_t outer,
                                const void *bias, float *dbias,
                                const clrelu_act *act) {
  const clrelu_status st = check_dtype16(fn, j->dtype);
  return st != CLRELU_SUCCESS ? st : backward(fn, j, outer, bias, dbias, act);
}

clrelu_status clrelu_cpu_act_backward_mask(const float *dy,
                                           const uint32_t *mask, float *dx,
                                           float *dbias, size_t outer,
                                           size_t channels, size_t inner,
                                           const clrelu_act *act) {
  backward_job j = {.dtype = CLRELU_F32,
                    .dy = dy,
                    .mask = mask,
                    .dx = dx,
                    .channels = channels,
                    .inner = inner};
  return backward("clrelu_cpu_act_backward_mask", &j, outer, NULL, dbias, act);
}

clrelu_status
clrelu_cpu_act_backward_mask_16(clrelu_dtype dtype, const uint16_t *dy,
                                const uint32_t *mask, uint16_t *dx,
                                float *dbias, size_t outer, size_t channels,
                                size_t inner, const clrelu_act *act) {
  static const char fn[] = "clrelu_cpu_act_backward_mask_16";
  backward_job j = {.dtype = dtype,
                    .dy = dy,
                    .mask = mask,
                    .dx = dx,
                    .channels = channels,
                    .inner = inner};
  return backward16(fn, &j, outer, NULL, dbias, act);
}

clrelu_status clrelu_cpu_bias_act_backward(const float *dy, const float *x,
                                           const float *bias, float *dx,
                                           float *dbias, size_t outer,
                                           size_t channels, size_t inner,
                                           const clrelu_act *act) {
  backward_job j = {.dtype = CLRELU_F32,
                    .dy = dy,
                    .x = x,
                    .dx = dx,
                    .channels = channels,
                    .inner = inner};
  return backward("clrelu_cpu_bias_act_backward", &j, outer, bias, dbias, act);
}

clrelu_status clrelu_cpu_bias_act_backward_16(
    clrelu_dtype dtype, const uint16_t *dy, const uint16_t *x,
    const uint16_t *bias, uint16_t *dx, float *dbias, size_t outer,
    size_t channels, size_t inner, const clrelu_act *act) {
  static const char fn[] = "clrelu_cpu_bias_act_backward_16";
  backward_job j = {.dtype = dtype,
                    .dy = dy,
                    .x = x,
                    .dx = dx,
                    .channels = channels,
                    .inner = inner};
  return backward16(fn, &j, outer, bias, dbias, act);
}
