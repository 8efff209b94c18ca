/* clrelu's activations and 16-bit conversions, in OpenCL C 1.2.
 *
 * This text is public: clrelu_act_source() returns it, after one
 * "#define CLRELU_ACT_<KIND> <value>" line per clrelu_act_kind, for callers
 * to put in front of their own kernels; the library's kernels are built on
 * it too, so a caller's epilogue gives the library's bits. It needs no
 * extension. Every name it defines begins with clrelu_ or CLRELU_ (its own
 * helpers with clrelu__ or CLRELU__), so it cannot clash with the caller's.
 *
 * The public functions:
 *   float  clrelu_act(int kind, float alpha, float t)   a(t), as
 *          clrelu_bias_act computes it (alpha: leaky slope, cap or theta)
 *   float  clrelu_prelu_act(float slope, float t)       t > 0 ? t : slope * t
 *   float  clrelu_f16_to_f32(ushort h)                  exact
 *   ushort clrelu_f32_to_f16(float f)                   nearest even, NaN kept
 *   float  clrelu_bf16_to_f32(ushort h)                 exact
 *   ushort clrelu_f32_to_bf16(float f)                  nearest even, NaN kept
 *
 * Each activation is written once, as a function stamped per type (float
 * here, the kernels' float vectors in common.cl): the comparisons and
 * select() below mean the same on scalars and on vectors. Comparisons do
 * the selecting, so NaN in gives NaN out (never fmax, never t * (t > 0)). */
#pragma OPENCL FP_CONTRACT OFF

/* clrelu__<kind>##S(t, a) for T, float or a float vector; the parameter a
 * is a float32 (alpha, cap or theta), the slope of PReLU a T. */
#define CLRELU__ACTIVATIONS(T, S)                                              \
  static inline T clrelu__relu##S(T t) {                                       \
    return select(t, (T)(0.0f), t <= 0.0f);                                    \
  }                                                                            \
  static inline T clrelu__leaky_relu##S(T t, float a) {                        \
    return select(a * t, t, t > 0.0f);                                         \
  }                                                                            \
  /* t >= cap is false for NaN, which ReLU keeps */                            \
  static inline T clrelu__clipped_relu##S(T t, float cap) {                    \
    return clrelu__relu##S(select(t, (T)(cap), t >= cap));                     \
  }                                                                            \
  static inline T clrelu__thresholded_relu##S(T t, float theta) {              \
    return select((T)(0.0f), t, (t > theta) | (t != t));                       \
  }                                                                            \
  static inline T clrelu__prelu##S(T t, T slope) {                             \
    return select(slope * t, t, t > 0.0f);                                     \
  }

/* 16-bit conversions on the bits, in integer operations (exact on every
 * device, no cl_khr_fp16), stamped for F (float or a float vector) with U,
 * I its unsigned and signed integers; 16-bit values sit in the low half of
 * each U lane. clrelu__f2bf##S gives the rounded float32's bits (the
 * bfloat16 in the high half); keep_nan 0 leaves out the NaN test where
 * every NaN to round is known to have its low 16 bits zero. */
#define CLRELU__CONVERSIONS(F, U, I, S, TO_F, AS_F, AS_U, AS_I)                \
  /* binary16 to float32: every value, denormals, infinities and NaN */        \
  static inline F clrelu__h2f##S(U h) {                                        \
    const U sign = (h & 0x8000u) << 16;                                        \
    const U em = h & 0x7fffu;                                                  \
    U r = (em << 13) + 0x38000000u;                /* rebias 15 -> 127 */      \
    r = select(r, r + 0x38000000u, em >= 0x7c00u); /* inf, NaN: 255 */         \
    r = select(r, r | 0x400000u, em > 0x7c00u);    /* NaN quiet, as F16C */    \
    const F den = TO_F(em) * 0x1p-24f;             /* zero, denormals */       \
    r = select(r, AS_U(den), em < 0x400u);                                     \
    return AS_F(r | sign);                                                     \
  }                                                                            \
  /* float32 to binary16, round to nearest even; NaN stays NaN */              \
  static inline U clrelu__f2h##S(F f) {                                        \
    const U x = AS_U(f);                                                       \
    const U sign = (x >> 16) & 0x8000u;                                        \
    const U ax = x & 0x7fffffffu;                                              \
    /* normal results: rebias and round on the 13 dropped bits */              \
    U r = (ax + 0xc8000fffu + ((ax >> 13) & 1u)) >> 13;                        \
    /* denormal results: let the float adder round, against 0.5 */             \
    const F d = AS_F(ax) + 0.5f;                                               \
    r = select(r, AS_U(d) - 0x3f000000u, ax < 0x38800000u);                    \
    r = select(r, (U)(0x7c00u), ax >= 0x47800000u); /* overflow: inf */        \
    /* NaN: quiet, with the payload's top bits, as F16C converts */           \
    r = select(r, ((ax >> 13) & 0x3ffu) | 0x7e00u, ax > 0x7f800000u);          \
    return r | sign;                                                           \
  }                                                                            \
  /* float32 to bfloat16 (the high half), round to nearest even */             \
  static inline U clrelu__f2bf##S(F f, int keep_nan) {                         \
    const U x = AS_U(f);                                                       \
    const U r = x + 0x7fffu + ((x >> 16) & 1u);                                \
    /* NaN test as a signed compare: both sides are below 2^31 */              \
    return keep_nan ? select(r, x | 0x400000u,                                 \
                             AS_I(x & 0x7fffffffu) > 0x7f800000)               \
                    : r;                                                       \
  }

CLRELU__ACTIVATIONS(float, _1)
CLRELU__CONVERSIONS(float, uint, int, _1, convert_float, as_float, as_uint,
                    as_int)

static inline float clrelu_act(int kind, float alpha, float t) {
  switch (kind) {
  case CLRELU_ACT_IDENTITY:
    return t;
  case CLRELU_ACT_RELU:
    return clrelu__relu_1(t);
  case CLRELU_ACT_LEAKY_RELU:
    return clrelu__leaky_relu_1(t, alpha);
  case CLRELU_ACT_CLIPPED_RELU:
    return clrelu__clipped_relu_1(t, alpha);
  case CLRELU_ACT_THRESHOLDED_RELU:
    return clrelu__thresholded_relu_1(t, alpha);
  default: /* not a kind: NaN, so the mistake shows */
    return as_float(0x7fc00000u);
  }
}

static inline float clrelu_prelu_act(float slope, float t) {
  return clrelu__prelu_1(t, slope);
}

static inline float clrelu_f16_to_f32(ushort h) {
  return clrelu__h2f_1((uint)h);
}

static inline ushort clrelu_f32_to_f16(float f) {
  return (ushort)clrelu__f2h_1(f);
}

static inline float clrelu_bf16_to_f32(ushort h) {
  return as_float((uint)h << 16);
}

static inline ushort clrelu_f32_to_bf16(float f) {
  return (ushort)(clrelu__f2bf_1(f, 1) >> 16);
}
