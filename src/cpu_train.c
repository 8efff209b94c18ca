/* Training passes on the host: the CPU twins of kernels/train.cl, bit for
 * bit (the mask words included). */
#include "internal.h"

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
