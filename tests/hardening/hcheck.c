#include "hcheck.h"

#include "reference.h"

#include <float.h>
#include <math.h>
#include <string.h>

#define HC_NAME(C, ID, name, ...) [HC_##ID] = #name,
#define HC_BIAS_NAME(C, ID, name, ...) [HC_BIAS_##ID] = "bias_act_" #name,
const char *const hc_op_names[HC_NOPS] = {
    CLRELU_ELTWISE_OPS(HC_NAME, 0)[HC_BIAS] = "bias_relu",
    CLRELU_BIAS_ACTS(HC_BIAS_NAME, 0)[HC_PRELU] = "prelu"};

int hc_is_bias(enum hc_op op) { return op >= HC_BIAS; }

int hc_bias_optional(enum hc_op op) { return op > HC_BIAS && op < HC_PRELU; }
const char *const hc_dtype_names[3] = {"f32", "f16", "bf16"};

int hc_binary(enum hc_op op) {
  return hc_is_bias(op) || ref_op_binary((enum ref_op)op);
}

static int param_kind(enum hc_op op);

int hc_has_alpha(enum hc_op op) {
  return param_kind(op) != CLRELU_PARAM_KIND_NONE;
}

size_t hc_size(clrelu_dtype d) { return d == CLRELU_F32 ? 4 : 2; }

float hc_load(clrelu_dtype d, const void *p, size_t i) {
  if (d == CLRELU_F32) {
    float f;
    memcpy(&f, (const char *)p + 4 * i, 4);
    return f;
  }
  uint16_t h;
  memcpy(&h, (const char *)p + 2 * i, 2);
  return ref_16_to_f32((int)d, h);
}

void hc_store(clrelu_dtype d, void *p, size_t i, float v) {
  if (d == CLRELU_F32) {
    memcpy((char *)p + 4 * i, &v, 4);
    return;
  }
  uint16_t h = ref_f32_to_16((int)d, v);
  memcpy((char *)p + 2 * i, &h, 2);
}

/* The elementwise ops are numbered as the reference's. */
static float ref_one(enum hc_op op, float a, float x, float alpha) {
  if (op == HC_BIAS)
    return ref_bias_relu(x, a, alpha);
  if (op == HC_PRELU)
    return ref_prelu(x, a);
  if (hc_is_bias(op))
    return ref_act((enum ref_act)(op - HC_BIAS - 1), alpha, x + a);
  return ref_op((enum ref_op)op, a, x, alpha);
}

void hc_expect(enum hc_op op, clrelu_dtype d, const void *a, const void *x,
               void *y, size_t n, size_t channels, size_t inner, float alpha) {
  for (size_t i = 0; i < n; ++i) {
    size_t ai = hc_is_bias(op) ? (i / inner) % channels : i;
    /* no bias: x + -0.0 is x */
    float av = !hc_binary(op) ? 0.0f : a ? hc_load(d, a, ai) : -0.0f;
    hc_store(d, y, i, ref_one(op, av, hc_load(d, x, i), alpha));
  }
}

int hc_same(clrelu_dtype d, const void *got, const void *want, size_t i,
            int flush_ok) {
  if (d == CLRELU_F32) {
    uint32_t g, w;
    memcpy(&g, (const char *)got + 4 * i, 4);
    memcpy(&w, (const char *)want + 4 * i, 4);
    if (g == w)
      return 1;
    if ((g & 0x7fffffffu) > 0x7f800000u && (w & 0x7fffffffu) > 0x7f800000u)
      return 1; /* both NaN */
    return flush_ok && (w & 0x7f800000u) == 0 && (g & 0x7fffffffu) == 0 &&
           (g & 0x80000000u) == (w & 0x80000000u);
  }
  uint16_t g, w;
  memcpy(&g, (const char *)got + 2 * i, 2);
  memcpy(&w, (const char *)want + 2 * i, 2);
  if (g == w)
    return 1;
  if (ref_16_is_nan((int)d, g) && ref_16_is_nan((int)d, w))
    return 1;
  /* a device that flushes float32 denormals: a result that is one (bfloat16
   * has float32's exponent range) may come back as a zero of its sign */
  float wf = ref_16_to_f32((int)d, w);
  return flush_ok && wf != 0.0f && fabsf(wf) < 0x1p-126f && (g & 0x7fff) == 0 &&
         (g & 0x8000) == (w & 0x8000);
}

#define HC_CASE(C, ID, name, inputs, param, ...)                               \
  case HC_##ID:                                                                \
    return clrelu_##name##_ev(ctx, CLRELU_IN_ARGS_##inputs(a, x), y,           \
                              n CLRELU_PARAM_ARG_##param(alpha), ev);
clrelu_status hc_call(clrelu_context *ctx, enum hc_op op,
                      const clrelu_buffer *a, const clrelu_buffer *x,
                      clrelu_buffer *y, size_t n, size_t outer, size_t channels,
                      size_t inner, float alpha, const clrelu_events *ev) {
  switch (op) {
    CLRELU_ELTWISE_OPS(HC_CASE, 0)
  case HC_BIAS:
    return clrelu_bias_relu_ev(ctx, x, a, y, outer, channels, inner, alpha, ev);
  case HC_PRELU:
    return clrelu_prelu_ev(ctx, x, a, y, outer, channels, inner, ev);
  default: {
    const clrelu_act act = {(clrelu_act_kind)(op - HC_BIAS - 1), alpha, 0.0f};
    return clrelu_bias_act_ev(ctx, x, a, y, outer, channels, inner, &act, ev);
  }
  }
}

uint64_t hc_rand(uint64_t *s) {
  uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

static float bits_f32(uint32_t u) {
  float f;
  memcpy(&f, &u, 4);
  return f;
}

void hc_fill(clrelu_dtype d, void *p, size_t n, uint64_t *s) {
  for (size_t i = 0; i < n; ++i) {
    uint64_t r = hc_rand(s);
    uint32_t sign = (uint32_t)(r >> 63);
    if (d != CLRELU_F32) {
      /* 16-bit: exponent field 5 (F16) or 8 (BF16) bits below the sign */
      unsigned mb = d == CLRELU_F16 ? 10 : 7;
      uint16_t inf = (uint16_t)(d == CLRELU_F16 ? 0x7c00 : 0x7f80);
      uint16_t frac = (uint16_t)((r >> 8) & ((1u << mb) - 1));
      uint16_t h;
      switch (r % 16) {
      case 0: /* NaN with a payload */
        h = (uint16_t)(inf | frac | 1);
        break;
      case 1:
        h = inf;
        break;
      case 2:
        h = 0;
        break;
      case 3: /* denormal */
        h = (uint16_t)(frac | 1);
        break;
      case 4:
        h = (uint16_t)(r >> 24); /* any pattern */
        break;
      default: {
        double u = (double)((r >> 11) & 0xfffff) / (double)(1 << 20);
        hc_store(d, p, i, (float)((u - 0.5) * 200.0));
        continue;
      }
      }
      h = (uint16_t)(h | (sign << 15));
      memcpy((char *)p + 2 * i, &h, 2);
      continue;
    }
    float f;
    switch (r % 32) {
    case 0: /* NaN with a payload, either sign */
      f = bits_f32(sign << 31 | 0x7f800000u |
                   (uint32_t)(((r >> 8) & 0x7fffff) | 1));
      break;
    case 1:
      f = bits_f32(sign << 31 | 0x7f800000u);
      break;
    case 2:
      f = bits_f32(sign << 31);
      break;
    case 3: /* denormal */
      f = bits_f32(sign << 31 | (uint32_t)(((r >> 8) & 0x7fffff) | 1));
      break;
    case 4:
      f = sign ? -FLT_MAX : FLT_MAX;
      break;
    case 5:
      f = bits_f32((uint32_t)(r >> 16)); /* any pattern */
      break;
    default: {
      double u =
          (double)((r >> 11) & ((1ull << 40) - 1)) / (double)(1ull << 40);
      f = (float)((u - 0.5) * 200.0);
      break;
    }
    }
    memcpy((char *)p + 4 * i, &f, 4);
  }
}

#define HC_KIND(C, ID, name, inputs, param, ...)                               \
  [HC_##ID] = CLRELU_PARAM_KIND_##param,
#define HC_ACT_KIND(C, ID, name, param)                                        \
  [HC_BIAS_##ID] = CLRELU_PARAM_KIND_##param,
static int param_kind(enum hc_op op) {
  static const int kind[HC_NOPS] = {CLRELU_ELTWISE_OPS(HC_KIND, 0)[HC_BIAS] =
                                        CLRELU_PARAM_KIND_ALPHA,
                                    CLRELU_BIAS_ACTS(HC_ACT_KIND, 0)};
  return kind[op];
}

int hc_param_ok(enum hc_op op, float v) {
  switch (param_kind(op)) {
  case CLRELU_PARAM_KIND_CAP:
    return v > 0.0f;
  case CLRELU_PARAM_KIND_NONE:
    return 1;
  default:
    return isfinite(v);
  }
}

float hc_param(enum hc_op op, uint64_t *s) {
  static const float alphas[] = {0.0f, -0.0f,  0.01f, -0.5f,
                                 3.0f, 1e-40f, 1.0f,  -1e30f};
  int k = (int)(hc_rand(s) % REF_NPARAMS);
  if (op == HC_PRELU)
    return 0.0f;
  if (op > HC_BIAS && param_kind(op) != CLRELU_PARAM_KIND_ALPHA)
    return ref_act_param((enum ref_act)(op - HC_BIAS - 1), k);
  if (param_kind(op) != CLRELU_PARAM_KIND_ALPHA)
    return ref_op_param((enum ref_op)op, k);
  return alphas[hc_rand(s) % (sizeof alphas / sizeof alphas[0])];
}
