/* Training passes on the host: the CPU twins of kernels/train.cl, bit for
 * bit (the mask words included). */
#include "internal.h"

#include <stdlib.h>

/* The pass-through branch of each activation of t (a the parameter), as
 * in kernels/train.cl. */
#define PASS_IDENTITY(t, a) ((void)(t), 1u)
#define PASS_RELU(t, a) (uint32_t)((t) > 0.0f)
#define PASS_LEAKY_RELU(t, a) (uint32_t)((t) > 0.0f)
#define PASS_CLIPPED_RELU(t, a) (uint32_t)((t) > 0.0f && (t) < (a))
#define PASS_THRESHOLDED_RELU(t, a) (uint32_t)((t) > (a))

/* Element i of p, of a data dtype, as float32. */
static inline float load(clrelu_dtype dtype, const void *p, size_t i) {
  switch (dtype) {
  case CLRELU_F16:
    return clrelu__f16_to_f32(((const uint16_t *)p)[i]);
  case CLRELU_BF16:
    return clrelu__bf16_to_f32(((const uint16_t *)p)[i]);
  default:
    return ((const float *)p)[i];
  }
}

typedef void mask_fn(clrelu_dtype dtype, const void *x, const void *bias,
                     uint32_t *mask, size_t outer, size_t channels,
                     size_t inner, float a);

/* The mask of t = x + bias[c] (bias NULL: -0.0) over the shape, word by
 * word in memory order; the last word's bits past the end are 0. */
#define MASK_FN(C, ID, name, param)                                            \
  static void mask_##name(clrelu_dtype dtype, const void *x, const void *bias, \
                          uint32_t *mask, size_t outer, size_t channels,       \
                          size_t inner, float a) {                             \
    (void)a;                                                                   \
    size_t e = 0;                                                              \
    uint32_t word = 0;                                                         \
    for (size_t o = 0; o < outer; ++o)                                         \
      for (size_t c = 0; c < channels; ++c) {                                  \
        const float b = bias ? load(dtype, bias, c) : -0.0f;                   \
        for (size_t i = 0; i < inner; ++i, ++e) {                              \
          const float t = load(dtype, x, e) + b;                               \
          word |= PASS_##ID(t, a) << (e % 32);                                 \
          if (e % 32 == 31) {                                                  \
            mask[e / 32] = word;                                               \
            word = 0;                                                          \
          }                                                                    \
        }                                                                      \
      }                                                                        \
    if (e % 32)                                                                \
      mask[e / 32] = word;                                                     \
  }
CLRELU_BIAS_ACTS(MASK_FN, 0)
#define MASK_ENTRY(C, ID, name, param) [CLRELU_ACT_##ID] = mask_##name,
static mask_fn *const mask_fns[] = {CLRELU_BIAS_ACTS(MASK_ENTRY, 0)};

/* The mask first (y may be x), then y as clrelu_cpu_bias_act: fn has
 * checked everything but the mask pointer. */
static clrelu_status bias_act_mask(const char *fn, clrelu_dtype dtype,
                                   const void *x, const void *bias,
                                   uint32_t *mask, size_t outer,
                                   size_t channels, size_t inner,
                                   const clrelu_act *act) {
  if (!mask)
    return clrelu__fail(CLRELU_ERROR_INVALID_ARGUMENT, "%s: mask is NULL", fn);
  mask_fns[act->kind](dtype, x, bias, mask, outer, channels, inner, act->alpha);
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
    st = bias_act_mask(fn, CLRELU_F32, x, bias, mask, outer, channels, inner,
                       act);
  if (st != CLRELU_SUCCESS || total == 0)
    return st;
  return clrelu_cpu_bias_act(x, bias, y, outer, channels, inner, act);
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
  if (st == CLRELU_SUCCESS && total > 0)
    st = bias_act_mask(fn, dtype, x, bias, mask, outer, channels, inner, act);
  if (st != CLRELU_SUCCESS || total == 0)
    return st;
  return clrelu_cpu_bias_act_16(dtype, x, bias, y, outer, channels, inner, act);
}

/* ---- backward: dx, and dbias in the fixed order of fixed_sum.c ---- */

static int pass(int kind, float t, float a) {
#define PASS_CASE(C, ID, name, param)                                          \
  case CLRELU_ACT_##ID:                                                        \
    return (int)PASS_##ID(t, a);
  /* RELU and LEAKY_RELU share their branch */
  switch (kind) {
    CLRELU_BIAS_ACTS(PASS_CASE, 0) // NOLINT(bugprone-branch-clone)
  default:
    return 0;
  }
#undef PASS_CASE
}

static inline void store(clrelu_dtype dtype, void *p, size_t i, float v) {
  switch (dtype) {
  case CLRELU_F16:
    ((uint16_t *)p)[i] = clrelu__f32_to_f16(v);
    break;
  case CLRELU_BF16:
    ((uint16_t *)p)[i] = clrelu__f32_to_bf16(v);
    break;
  default:
    ((float *)p)[i] = v;
  }
}

/* One backward call, and the channel whose terms are being summed. */
typedef struct backward_job {
  clrelu_dtype dtype;
  const void *dy, *x, *bias; /* x, bias: from the input (bias may be NULL) */
  const uint32_t *mask;      /* from the mask (x is NULL) */
  void *dx;
  size_t outer, channels, inner;
  int kind;
  float a;
  size_t c; /* the channel */
  float bc; /* its bias */
} backward_job;

/* Terms j0 .. j0 + n - 1 of channel j->c: dx in float32, also stored. */
static void backward_terms(const void *arg, size_t j0, size_t n, float *v) {
  const backward_job *j = arg;
  const int leaky = j->kind == CLRELU_ACT_LEAKY_RELU;
  for (size_t k = 0; k < n; ++k) {
    const size_t t = j0 + k, o = t / j->inner;
    const size_t e = (o * j->channels + j->c) * j->inner + (t - o * j->inner);
    const float d = load(j->dtype, j->dy, e);
    float dx;
    if (j->mask) {
      dx = (j->mask[e / 32] >> (e % 32)) & 1u ? d : leaky ? j->a * d : 0.0f;
    } else {
      const float tv = load(j->dtype, j->x, e) + j->bc;
      dx = tv != tv                  ? tv
           : pass(j->kind, tv, j->a) ? d
           : leaky                   ? j->a * d
                                     : 0.0f;
    }
    v[k] = dx;
    store(j->dtype, j->dx, e, dx);
  }
}

/* The _16 functions take the 16-bit dtypes. */
static clrelu_status check_dtype16(const char *fn, clrelu_dtype dtype) {
  if (dtype != CLRELU_F16 && dtype != CLRELU_BF16)
    return clrelu__fail(CLRELU_ERROR_INVALID_ARGUMENT,
                        "%s: dtype %d is not CLRELU_F16 or CLRELU_BF16", fn,
                        (int)dtype);
  return CLRELU_SUCCESS;
}

/* Checks (the source is mask or x) and the sweep, channel by channel. */
static clrelu_status backward(const char *fn, backward_job *j, float *dbias,
                              const clrelu_act *act) {
  clrelu_status st = clrelu__check_act(fn, act);
  if (st != CLRELU_SUCCESS)
    return st;
  size_t total = 0;
  if (j->outer && j->channels && j->inner &&
      (st = clrelu__check_shape(fn, j->outer, j->channels, j->inner,
                                j->dtype == CLRELU_F32 ? 4 : 2, &total)) !=
          CLRELU_SUCCESS)
    return st;
  if (total > 0 && (!j->dy || !j->dx || (!j->mask && !j->x)))
    return clrelu__fail(CLRELU_ERROR_INVALID_ARGUMENT, "%s: a pointer is NULL",
                        fn);
  if (j->channels == 0 || (total == 0 && !dbias))
    return CLRELU_SUCCESS;
  const size_t m = j->outer * j->inner;
  float *scratch = NULL;
  if (m > 0 && !(scratch = malloc(clrelu__sum_blocks(m) * sizeof *scratch)))
    return clrelu__fail(CLRELU_ERROR_OUT_OF_MEMORY, "%s: out of host memory",
                        fn);
  j->kind = (int)act->kind;
  j->a = act->alpha;
  for (size_t c = 0; c < j->channels; ++c) {
    j->c = c;
    j->bc = j->bias ? load(j->dtype, j->bias, c) : -0.0f;
    const float s =
        m > 0 ? clrelu__fixed_sum(backward_terms, j, m, scratch) : 0.0f;
    if (dbias)
      dbias[c] = s;
  }
  free(scratch);
  return CLRELU_SUCCESS;
}

clrelu_status clrelu_cpu_act_backward_mask(const float *dy,
                                           const uint32_t *mask, float *dx,
                                           float *dbias, size_t outer,
                                           size_t channels, size_t inner,
                                           const clrelu_act *act) {
  backward_job j = {CLRELU_F32, dy,    NULL, NULL, mask, dx,  outer,
                    channels,   inner, 0,    0.0f, 0,    0.0f};
  return backward("clrelu_cpu_act_backward_mask", &j, dbias, act);
}

clrelu_status
clrelu_cpu_act_backward_mask_16(clrelu_dtype dtype, const uint16_t *dy,
                                const uint32_t *mask, uint16_t *dx,
                                float *dbias, size_t outer, size_t channels,
                                size_t inner, const clrelu_act *act) {
  backward_job j = {dtype,    dy,    NULL, NULL, mask, dx,  outer,
                    channels, inner, 0,    0.0f, 0,    0.0f};
  const clrelu_status st =
      check_dtype16("clrelu_cpu_act_backward_mask_16", dtype);
  return st != CLRELU_SUCCESS
             ? st
             : backward("clrelu_cpu_act_backward_mask_16", &j, dbias, act);
}

clrelu_status clrelu_cpu_bias_act_backward(const float *dy, const float *x,
                                           const float *bias, float *dx,
                                           float *dbias, size_t outer,
                                           size_t channels, size_t inner,
                                           const clrelu_act *act) {
  backward_job j = {CLRELU_F32, dy,    x, bias, NULL, dx,  outer,
                    channels,   inner, 0, 0.0f, 0,    0.0f};
  return backward("clrelu_cpu_bias_act_backward", &j, dbias, act);
}

clrelu_status clrelu_cpu_bias_act_backward_16(
    clrelu_dtype dtype, const uint16_t *dy, const uint16_t *x,
    const uint16_t *bias, uint16_t *dx, float *dbias, size_t outer,
    size_t channels, size_t inner, const clrelu_act *act) {
  backward_job j = {dtype,    dy,    x, bias, NULL, dx,  outer,
                    channels, inner, 0, 0.0f, 0,    0.0f};
  const clrelu_status st =
      check_dtype16("clrelu_cpu_bias_act_backward_16", dtype);
  return st != CLRELU_SUCCESS
             ? st
             : backward("clrelu_cpu_bias_act_backward_16", &j, dbias, act);
}
