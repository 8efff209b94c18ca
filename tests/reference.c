#include "reference.h"

#include <math.h>
#include <stdlib.h>

float ref_relu(float x) {
  if (isnan(x))
    return x;
  return x > 0.0f ? x : 0.0f;
}

float ref_relu_derivative(float x) {
  if (isnan(x))
    return x;
  return x > 0.0f ? 1.0f : 0.0f;
}

float ref_relu_backward(float dy, float x) {
  if (isnan(x))
    return x;
  return x > 0.0f ? dy : 0.0f;
}

float ref_leaky_relu(float x, float alpha) {
  if (isnan(x))
    return x;
  return x > 0.0f ? x : alpha * x;
}

float ref_leaky_relu_backward(float dy, float x, float alpha) {
  if (isnan(x))
    return x;
  return x > 0.0f ? dy : alpha * dy;
}

float ref_clipped_relu(float x, float cap) {
  if (isnan(x))
    return x;
  if (!(x > 0.0f))
    return 0.0f;
  return x < cap ? x : cap;
}

float ref_clipped_relu_backward(float dy, float x, float cap) {
  if (isnan(x))
    return x;
  return x > 0.0f && x < cap ? dy : 0.0f;
}

float ref_thresholded_relu(float x, float theta) {
  if (isnan(x))
    return x;
  return x > theta ? x : 0.0f;
}

float ref_thresholded_relu_backward(float dy, float x, float theta) {
  if (isnan(x))
    return x;
  return x > theta ? dy : 0.0f;
}

float ref_bias_relu(float x, float bias, float alpha) {
  float t = x + bias; /* rounded to float once */
  return alpha == 0.0f ? ref_relu(t) : ref_leaky_relu(t, alpha);
}

#define REF_NAME(C, ID, name, ...) [REF_##ID] = #name,
const char *const ref_op_names[REF_NOPS] = {CLRELU_ELTWISE_OPS(REF_NAME, 0)};

#define REF_BINARY(C, ID, name, inputs, ...) [REF_##ID] = (inputs) == 2,
int ref_op_binary(enum ref_op op) {
  static const int binary[REF_NOPS] = {CLRELU_ELTWISE_OPS(REF_BINARY, 0)};
  return binary[op];
}

#define REF_ALPHA(C, ID, name, inputs, param, ...)                             \
  [REF_##ID] = CLRELU_PARAM_HAS_##param,
int ref_op_has_alpha(enum ref_op op) {
  static const int has[REF_NOPS] = {CLRELU_ELTWISE_OPS(REF_ALPHA, 0)};
  return has[op];
}

#define REF_KIND(C, ID, name, inputs, param, ...)                              \
  [REF_##ID] = CLRELU_PARAM_KIND_##param,
static int param_kind(enum ref_op op) {
  static const int kind[REF_NOPS] = {CLRELU_ELTWISE_OPS(REF_KIND, 0)};
  return kind[op];
}
#define REF_ACT_KIND(C, ID, name, param)                                       \
  [REF_ACT_##ID] = CLRELU_PARAM_KIND_##param,
static int act_param_kind(enum ref_act act) {
  static const int kind[REF_NACTS] = {CLRELU_BIAS_ACTS(REF_ACT_KIND, 0)};
  return kind[act];
}

/* The k-th valid and refused value of a parameter of kind (optable.h). */
static float param_value(int kind, int k) {
  static const float alphas[REF_NPARAMS] = {0.01f, 0.0f, -0.5f, 3.0f, 1e-40f};
  static const float caps[REF_NPARAMS] = {6.0f, 0.5f, INFINITY, 1e-40f, 3e38f};
  static const float thetas[REF_NPARAMS] = {1.0f, 0.0f, -0.5f, 6.0f, -1e-40f};
  k %= REF_NPARAMS;
  switch (kind) {
  case CLRELU_PARAM_KIND_ALPHA:
    return alphas[k];
  case CLRELU_PARAM_KIND_CAP:
    return caps[k];
  case CLRELU_PARAM_KIND_THETA:
    return thetas[k];
  default:
    return 0.0f;
  }
}
static float bad_param_value(int kind, int k) {
  static const float nonfinite[REF_NBAD_PARAMS] = {NAN, INFINITY, -INFINITY};
  static const float caps[REF_NBAD_PARAMS] = {NAN, 0.0f, -1.0f};
  k %= REF_NBAD_PARAMS;
  switch (kind) {
  case CLRELU_PARAM_KIND_CAP:
    return caps[k];
  case CLRELU_PARAM_KIND_NONE:
    return NAN;
  default:
    return nonfinite[k];
  }
}

float ref_op_param(enum ref_op op, int k) {
  return param_value(param_kind(op), k);
}
float ref_op_bad_param(enum ref_op op, int k) {
  return bad_param_value(param_kind(op), k);
}
int ref_act_has_param(enum ref_act act) {
  return act_param_kind(act) != CLRELU_PARAM_KIND_NONE;
}
float ref_act_param(enum ref_act act, int k) {
  return param_value(act_param_kind(act), k);
}
float ref_act_bad_param(enum ref_act act, int k) {
  return bad_param_value(act_param_kind(act), k);
}

#define REF_ACT_NAME(C, ID, name, ...) [REF_ACT_##ID] = #name,
const char *const ref_act_names[REF_NACTS] = {
    CLRELU_BIAS_ACTS(REF_ACT_NAME, 0)};

float ref_act(enum ref_act act, float alpha, float t) {
  switch (act) {
  case REF_ACT_IDENTITY:
    return t;
  case REF_ACT_RELU:
    return ref_relu(t);
  case REF_ACT_LEAKY_RELU:
    return ref_leaky_relu(t, alpha);
  case REF_ACT_CLIPPED_RELU:
    return ref_clipped_relu(t, alpha);
  case REF_ACT_THRESHOLDED_RELU:
    return ref_thresholded_relu(t, alpha);
  default:
    return NAN;
  }
}

int ref_act_pass(enum ref_act act, float alpha, float t) {
  switch (act) {
  case REF_ACT_IDENTITY:
    return 1;
  case REF_ACT_RELU:
  case REF_ACT_LEAKY_RELU:
    return t > 0.0f;
  case REF_ACT_CLIPPED_RELU:
    return t > 0.0f && t < alpha;
  case REF_ACT_THRESHOLDED_RELU:
    return t > alpha;
  default:
    return -1;
  }
}

void ref_bias_act_mask(const float *x, const float *bias, uint32_t *mask,
                       size_t outer, size_t channels, size_t inner,
                       enum ref_act act, float alpha) {
  const size_t n = outer * channels * inner;
  for (size_t w = 0; w < (n + 31) / 32; ++w)
    mask[w] = 0;
  for (size_t o = 0; o < outer; ++o)
    for (size_t c = 0; c < channels; ++c)
      for (size_t i = 0; i < inner; ++i) {
        size_t k = (o * channels + c) * inner + i;
        float t = bias ? x[k] + bias[c] : x[k];
        if (ref_act_pass(act, alpha, t))
          mask[k / 32] |= 1u << (k % 32);
      }
}

void ref_bias_act_array(const float *x, const float *bias, float *y,
                        size_t outer, size_t channels, size_t inner,
                        enum ref_act act, float alpha) {
  for (size_t o = 0; o < outer; ++o)
    for (size_t c = 0; c < channels; ++c)
      for (size_t i = 0; i < inner; ++i) {
        size_t k = (o * channels + c) * inner + i;
        float t = bias ? x[k] + bias[c] : x[k]; /* rounded to float once */
        y[k] = ref_act(act, alpha, t);
      }
}

/* Each op's reference function ref_<name>, by the table's inputs and
 * parameter. */
#define REF_CASE(C, ID, name, inputs, param, ...)                              \
  case REF_##ID:                                                               \
    return ref_##name(CLRELU_IN_ARGS_##inputs(dy, x)                           \
                          CLRELU_PARAM_ARG_##param(alpha));
float ref_op(enum ref_op op, float dy, float x, float alpha) {
  switch (op) {
    CLRELU_ELTWISE_OPS(REF_CASE, 0)
  default:
    break;
  }
  (void)dy;
  (void)alpha;
  return NAN;
}

void ref_bias_relu_array(const float *x, const float *bias, float *y,
                         size_t outer, size_t channels, size_t inner,
                         float alpha) {
  for (size_t o = 0; o < outer; ++o)
    for (size_t c = 0; c < channels; ++c)
      for (size_t i = 0; i < inner; ++i) {
        size_t k = (o * channels + c) * inner + i;
        y[k] = ref_bias_relu(x[k], bias[c], alpha);
      }
}

#include <stdint.h>
#include <string.h>

/* Format parameters: mantissa bits and exponent bias. */
static int mbits(int dtype) { return dtype == 1 ? 10 : 7; }
static int ebias(int dtype) { return dtype == 1 ? 15 : 127; }
static int emax_field(int dtype) { return dtype == 1 ? 31 : 255; }

float ref_16_to_f32(int dtype, unsigned short h) {
  int m = mbits(dtype), e = (h >> m) & emax_field(dtype);
  unsigned frac = h & ((1u << m) - 1);
  double sign = (h & 0x8000) ? -1.0 : 1.0;
  if (e == emax_field(dtype))
    return frac ? NAN : (float)(sign * INFINITY);
  double v = e == 0 ? ldexp((double)frac, 1 - ebias(dtype) - m)
                    : ldexp((double)((1u << m) | frac), e - ebias(dtype) - m);
  return (float)(sign * v); /* exact: every 16-bit value is a float */
}

int ref_16_is_nan(int dtype, unsigned short h) {
  int m = mbits(dtype);
  return ((h >> m) & emax_field(dtype)) == emax_field(dtype) &&
         (h & ((1u << m) - 1)) != 0;
}

unsigned short ref_f32_to_16(int dtype, float f) {
  int m = mbits(dtype), bias = ebias(dtype), emax = emax_field(dtype);
  unsigned short sign = signbit(f) ? 0x8000 : 0;
  if (isnan(f))
    return (unsigned short)(sign | (emax << m) | (1u << (m - 1)));
  double a = fabs((double)f);
  if (isinf(f))
    return (unsigned short)(sign | (emax << m));
  if (a == 0.0)
    return sign;
  int e;
  frexp(a, &e); /* a = f * 2^e, f in [0.5, 1): exponent e - 1 */
  int E = e - 1;
  if (E < 1 - bias) /* denormal: units of 2^(1 - bias - m) */
    E = 1 - bias;
  double q = nearbyint(ldexp(a, m - E)); /* rounds to nearest even */
  if (q >= ldexp(1.0, m + 1)) {          /* rounded up to the next binade */
    q /= 2;
    ++E;
  }
  if (q < ldexp(1.0, m)) /* stayed denormal */
    return (unsigned short)(sign | (unsigned)q);
  if (E + bias >= emax)
    return (unsigned short)(sign | (emax << m)); /* overflow: infinity */
  return (unsigned short)(sign | ((unsigned)(E + bias) << m) |
                          ((unsigned)q - (1u << m)));
}

float ref_prelu(float x, float s) {
  if (isnan(x))
    return x;
  return x > 0.0f ? x : s * x;
}

float ref_prelu_backward(float dy, float x, float s) {
  if (isnan(x))
    return x;
  return x > 0.0f ? dy : s * dy;
}

/* One level: terms t[0 .. m) into ceil(m / 256) block sums (in place). */
static size_t ref_level(float *t, size_t m) {
  size_t nb = (m + 255) / 256;
  for (size_t b = 0; b < nb; ++b) {
    float v[256];
    for (size_t k = 0; k < 256; ++k)
      v[k] = b * 256 + k < m ? t[b * 256 + k] : +0.0f;
    for (size_t s = 128; s >= 1; s /= 2)
      for (size_t i = 0; i < s; ++i)
        v[i] = v[i] + v[i + s];
    t[b] = v[0];
  }
  return nb;
}

void ref_prelu_dslope(const float *dy, const float *x, size_t outer,
                      size_t channels, size_t inner, float *dslope) {
  size_t m = outer * inner;
  float *t = malloc((m ? m : 1) * sizeof *t);
  for (size_t c = 0; c < channels && t; ++c) {
    size_t n = 0;
    for (size_t o = 0; o < outer; ++o)
      for (size_t i = 0; i < inner; ++i) {
        size_t e = (o * channels + c) * inner + i;
        t[n++] = x[e] > 0.0f ? +0.0f : dy[e] * x[e];
      }
    if (n == 0) {
      dslope[c] = +0.0f;
      continue;
    }
    do /* the first level even for one term: its padding counts */
      n = ref_level(t, n);
    while (n > 1);
    dslope[c] = t[0];
  }
  free(t);
}

void ref_channel_sums(const float *v, size_t outer, size_t channels,
                      size_t inner, float *sums) {
  size_t m = outer * inner;
  float *t = malloc((m ? m : 1) * sizeof *t);
  for (size_t c = 0; c < channels && t; ++c) {
    size_t n = 0;
    for (size_t o = 0; o < outer; ++o)
      for (size_t i = 0; i < inner; ++i)
        t[n++] = v[(o * channels + c) * inner + i];
    if (n == 0) {
      sums[c] = +0.0f;
      continue;
    }
    do /* the first level even for one term: its padding counts */
      n = ref_level(t, n);
    while (n > 1);
    sums[c] = t[0];
  }
  free(t);
}

float ref_backward_mask(enum ref_act act, float alpha, int bit, float dy) {
  if (bit)
    return dy;
  return act == REF_ACT_LEAKY_RELU ? alpha * dy : +0.0f;
}

float ref_bias_act_backward(enum ref_act act, float alpha, float t, float dy) {
  if (isnan(t))
    return t;
  return ref_backward_mask(act, alpha, ref_act_pass(act, alpha, t), dy);
}
