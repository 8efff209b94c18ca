/* Shared definitions for clrelu's kernels.
 *
 * The host prepends the launch shape as #defines:
 *   CLRELU_VEC     elements per vector (2, 4, 8 or 16)
 *   CLRELU_ITEMS   vectors per work-item
 *   CLRELU_CONTIG  1: a work-item's vectors are adjacent; 0: strided by the
 *                  global size (adjacent work-items touch adjacent vectors)
 *   CLRELU_NT      1: streaming stores where the output is vector-aligned
 *
 * Semantics: NaN in x always gives NaN; comparisons do the selecting (never
 * fmax/max, never x * (x > 0)); arithmetic is the op's own single rounding.
 * 16-bit data (F16, BF16) is computed in float32 and rounded once to nearest
 * even on store, with conversions written in integer operations (exact on
 * every device, no cl_khr_fp16 needed); ReLU, its derivative and backward
 * pass need no arithmetic and work on the bits directly.
 */
#pragma OPENCL FP_CONTRACT OFF

/* The activations and the 16-bit conversions are written once, in
 * kernels/act.cl (the public source, in front of this file); here they are
 * stamped for the kernels' float vectors. */

/* Whether this build stamps the kernels of family F (CLRELU_FAMILY_* in
 * src/internal.h: 0 elementwise, 1 bias, 2 slope and reductions) in dtype D
 * (0 F32, 1 F16, 2 BF16); the host defines CLRELU_FAMILY and CLRELU_DTYPE. */
#define CLRELU_STAMPS(F, D) (CLRELU_FAMILY == (F) && CLRELU_DTYPE == (D))
/* The kernel name suffix of each dtype. */
#define DTYPE_SFX_F32
#define DTYPE_SFX_F16 _f16
#define DTYPE_SFX_BF16 _bf16

#define CLRELU_CAT_(a, b) a##b
#define CLRELU_CAT(a, b) CLRELU_CAT_(a, b)
#define floatV CLRELU_CAT(float, CLRELU_VEC)
#define intV CLRELU_CAT(int, CLRELU_VEC)
#define uintV CLRELU_CAT(uint, CLRELU_VEC)
#define shortV CLRELU_CAT(short, CLRELU_VEC)
#define ushortV CLRELU_CAT(ushort, CLRELU_VEC)
#define AS_FLOATV CLRELU_CAT(as_float, CLRELU_VEC)
#define AS_INTV CLRELU_CAT(as_int, CLRELU_VEC)
#define AS_UINTV CLRELU_CAT(as_uint, CLRELU_VEC)
#define AS_USHORTV CLRELU_CAT(as_ushort, CLRELU_VEC)
#define AS_SHORTV CLRELU_CAT(as_short, CLRELU_VEC)
#define TO_FLOATV CLRELU_CAT(convert_float, CLRELU_VEC)
#define VLOAD CLRELU_CAT(vload, CLRELU_VEC)
#define VSTORE CLRELU_CAT(vstore, CLRELU_VEC)

CLRELU__ACTIVATIONS(floatV, _v)
CLRELU__CONVERSIONS(floatV, uintV, intV, _v, TO_FLOATV, AS_FLOATV, AS_UINTV,
                    AS_INTV)

#if CLRELU_NT && defined(__has_builtin)
#if __has_builtin(__builtin_nontemporal_store)
#define CLRELU_HAVE_NT 1
#endif
#endif

/* Streaming store of vector v (of type VT) to vector index i of p, which is
 * aligned for it. */
#ifdef CLRELU_HAVE_NT
#define STORE_NT(VT, v, i, p)                                                  \
  __builtin_nontemporal_store((v), ((global VT *)(p)) + (i))
#else
#define STORE_NT(VT, v, i, p) (((global VT *)(p))[i] = (v))
#endif

/* Whether p is aligned for a whole-vector store of VT. */
#define VEC_ALIGNED(VT, p) ((((ulong)(p)) & (sizeof(VT) - 1)) == 0)

/* Elements of ET from p to the next VT boundary (0 when aligned). With
 * streaming stores on, kernels do these apart, so that the rest of the
 * output is aligned and streams, whatever the view's offset. */
#define HEAD_TO_ALIGN(VT, ET, p)                                               \
  (CLRELU_NT ? ((sizeof(VT) - ((ulong)(p) & (sizeof(VT) - 1))) &               \
                (sizeof(VT) - 1)) / sizeof(ET)                                 \
             : 0)

/* The vectors a work-item handles: i runs over up to CLRELU_ITEMS vector
 * indices below nvec. */
#if CLRELU_CONTIG
#define FOR_MY_VECTORS(i, nvec)                                                \
  for (ulong i = (ulong)get_global_id(0) * CLRELU_ITEMS,                       \
             i##_end = min(i + CLRELU_ITEMS, (ulong)(nvec));                   \
       i < i##_end; ++i)
#else
#define FOR_MY_VECTORS(i, nvec)                                                \
  for (ulong i = get_global_id(0), i##_k = 0;                                  \
       i##_k < CLRELU_ITEMS && i < (nvec); ++i##_k, i += get_global_size(0))
#endif

/* The first vector index of a work-item that takes CLRELU_ITEMS adjacent
 * vectors. */
#define FIRST_VECTOR ((ulong)get_global_id(0) * CLRELU_ITEMS)

/* Lane numbers 0, 1, ... as a vector. */
#if CLRELU_VEC == 2
#define CLRELU_LANES ((int2)(0, 1))
#elif CLRELU_VEC == 4
#define CLRELU_LANES ((int4)(0, 1, 2, 3))
#elif CLRELU_VEC == 8
#define CLRELU_LANES ((int8)(0, 1, 2, 3, 4, 5, 6, 7))
#else
#define CLRELU_LANES                                                           \
  ((int16)(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15))
#endif

/* Loads elements [t0, n) of p into a vector (other lanes 0); stores the
 * lanes of v that fall in [t0, n). */
#define TAIL_FUNCTIONS(T, TV)                                                  \
  inline TV load_tail_##T(global const T *p, ulong t0, ulong n) {              \
    T t[CLRELU_VEC];                                                           \
    for (int j = 0; j < CLRELU_VEC; ++j)                                       \
      t[j] = (t0 + j < n) ? p[t0 + j] : (T)0;                                  \
    return VLOAD(0, t);                                                        \
  }                                                                            \
  inline void store_tail_##T(TV v, global T *p, ulong t0, ulong n) {           \
    T t[CLRELU_VEC];                                                           \
    VSTORE(v, 0, t);                                                           \
    for (int j = 0; j < CLRELU_VEC; ++j)                                       \
      if (t0 + j < n)                                                          \
        p[t0 + j] = t[j];                                                      \
  }
TAIL_FUNCTIONS(float, floatV)
TAIL_FUNCTIONS(ushort, ushortV)

/* ---- 16-bit conversions, exact, round to nearest even ---- */

/* Widening 16-bit lanes to 32 and back, by reinterpreting pairs of lanes:
 * PoCL turns convert_uintN / convert_ushortN into a loop over the lanes. */
#if CLRELU_VEC == 2
#define uintH uint
#define AS_UINTH as_uint
#define AS_FLOATH as_float
#elif CLRELU_VEC == 4
#define uintH uint2
#define AS_UINTH as_uint2
#define AS_FLOATH as_float2
#elif CLRELU_VEC == 8
#define uintH uint4
#define AS_UINTH as_uint4
#define AS_FLOATH as_float4
#else
#define uintH uint8
#define AS_UINTH as_uint8
#define AS_FLOATH as_float8
#endif
inline uintV TO_UINTV(ushortV h) {
  const uintH pairs = AS_UINTH(h);
  uintV r;
  r.even = pairs & 0xffffu;
  r.odd = pairs >> 16;
  return r;
}
inline ushortV TO_USHORTV(uintV r) {
  const uintH lo = r.even, hi = r.odd;
  return AS_USHORTV((hi << 16) | (lo & 0xffffu));
}

#if defined(__F16C__) && (CLRELU_VEC == 8 || CLRELU_VEC == 16)
/* x86 CPUs (PoCL): the F16C instructions convert 8 lanes at once, exactly,
 * rounding to nearest even (immediate 0). 16-lane vectors go in halves,
 * copied to locals first: PoCL 3.1 miscompiled bit casts of the halves of a
 * 16-lane vector in place. */
inline float8 f16c_to_f32(ushort8 h) {
  return __builtin_ia32_vcvtph2ps256(as_short8(h));
}
inline ushort8 f16c_to_f16(float8 f) {
  return as_ushort8(__builtin_ia32_vcvtps2ph256(f, 0));
}
inline floatV f16_to_f32(ushortV h) {
#if CLRELU_VEC == 8
  return f16c_to_f32(h);
#else
  const ushort8 lo = h.s01234567, hi = h.s89abcdef;
  floatV r;
  r.s01234567 = f16c_to_f32(lo);
  r.s89abcdef = f16c_to_f32(hi);
  return r;
#endif
}
inline ushortV f32_to_f16(floatV f) {
#if CLRELU_VEC == 8
  return f16c_to_f16(f);
#else
  const float8 lo = f.s01234567, hi = f.s89abcdef;
  ushortV r;
  r.s01234567 = f16c_to_f16(lo);
  r.s89abcdef = f16c_to_f16(hi);
  return r;
#endif
}
/* Whole vectors from memory, 8 lanes at a time: converting straight from
 * memory, with no 16-lane shuffle in between. */
inline floatV ldf_f16(ulong i, global const ushort *p) {
#if CLRELU_VEC == 8
  return f16c_to_f32(vload8(i, p));
#else
  floatV r;
  r.lo = f16c_to_f32(vload8(2 * i, p));
  r.hi = f16c_to_f32(vload8(2 * i + 1, p));
  return r;
#endif
}
#define CLRELU_F16_MEMORY 1
#else
inline floatV f16_to_f32(ushortV h) { return clrelu__h2f_v(TO_UINTV(h)); }
inline ushortV f32_to_f16(floatV f) { return TO_USHORTV(clrelu__f2h_v(f)); }
#endif

/* One binary16 value to float32 (biases): the same conversion, on one lane. */
inline float f16_to_f32_1(ushort h) {
#ifdef CLRELU_F16_MEMORY
  return f16c_to_f32((ushort8)(h)).s0;
#else
  return clrelu_f16_to_f32(h);
#endif
}

/* One float32 to binary16's bits: the same conversion, on one lane. */
inline ushort f32_to_f16_1(float f) {
#ifdef CLRELU_F16_MEMORY
  return f16c_to_f16((float8)(f)).s0;
#else
  return clrelu_f32_to_f16(f);
#endif
}

/* Element i of p (of dtype D) as float32. */
#define LD1_F32(p, i) (p)[i]
#define LD1_F16(p, i) f16_to_f32_1((p)[i])
#define LD1_BF16(p, i) as_float((uint)(p)[i] << 16)

/* bfloat16 is the upper half of a float32. Its lanes are computed in a
 * permuted order: the low half of a float vector holds the even elements,
 * the high half the odd ones, since a pair of bfloat16 is one 32-bit lane
 * and splitting it takes only a shift and a mask. Elementwise math does not
 * mind the order; what is built lane by lane in natural order (plane
 * biases) goes through bf16_order. */
inline floatV bf16_to_f32(ushortV h) {
  const uintH pairs = AS_UINTH(h);
  floatV r;
  r.lo = AS_FLOATH(pairs << 16);
  r.hi = AS_FLOATH(pairs & 0xffff0000u);
  return r;
}

/* float32 to bfloat16, round to nearest even; NaN stays NaN.
 * Kernels only round values computed from 16-bit operands. On x86 a NaN
 * that arithmetic returns is an operand's NaN, quieted, or the default NaN
 * 0xffc00000; either way its low 16 bits are zero, so the rounding below
 * cannot carry it out of NaN and the NaN test can be left out (it is a
 * quarter of a 16-bit Leaky ReLU's instructions there). Other devices may
 * return a NaN with low bits set (0x7fffffff), so they test. */
#if defined(__x86_64__) || defined(__i386__)
#define BF16_KEEP_NAN 0
#else
#define BF16_KEEP_NAN 1
#endif
inline ushortV f32_to_bf16(floatV f) {
  const uintV r = clrelu__f2bf_v(f, BF16_KEEP_NAN);
  const uintH even = r.lo, odd = r.hi;
  return AS_USHORTV((odd & 0xffff0000u) | (even >> 16));
}

/* Element i of p (of dtype D) set to float32 v, rounded once. */
#define ST1_F32(p, i, v) ((p)[i] = (v))
#define ST1_F16(p, i, v) ((p)[i] = f32_to_f16_1(v))
#define ST1_BF16(p, i, v)                                                      \
  ((p)[i] = (ushort)(clrelu__f2bf_1((v), BF16_KEEP_NAN) >> 16))

/* A natural-order vector in bfloat16's lane order. */
inline floatV bf16_order(floatV v) {
  floatV r;
  r.lo = v.even;
  r.hi = v.odd;
  return r;
}

/* Each lane's element number within its vector, in the dtype's lane order. */
#define LANES_F32 CLRELU_LANES
#define LANES_F16 CLRELU_LANES
#if CLRELU_VEC == 2
#define LANES_BF16 CLRELU_LANES
#elif CLRELU_VEC == 4
#define LANES_BF16 ((int4)(0, 2, 1, 3))
#elif CLRELU_VEC == 8
#define LANES_BF16 ((int8)(0, 2, 4, 6, 1, 3, 5, 7))
#else
#define LANES_BF16                                                             \
  ((int16)(0, 2, 4, 6, 8, 10, 12, 14, 1, 3, 5, 7, 9, 11, 13, 15))
#endif

/* ---- the ops, lane by lane, in float32 ----
 * x != x is the NaN test: a plain vector compare (PoCL's isnan is slower). */

/* The forward activations, written once in kernels/act.cl. */
#define op_relu clrelu__relu_v
#define op_leaky_relu clrelu__leaky_relu_v
#define op_clipped_relu clrelu__clipped_relu_v
#define op_thresholded_relu clrelu__thresholded_relu_v
#define op_prelu clrelu__prelu_v

/* x > 0 ? 1 : 0; NaN kept. */
inline floatV op_relu_derivative(floatV x) {
  return AS_FLOATV(((x > 0.0f) & 0x3f800000) | ((x != x) & AS_INTV(x)));
}

/* x > 0 ? dy : +0; NaN where x is NaN. */
inline floatV op_relu_backward(floatV dy, floatV x) {
  return AS_FLOATV(((x > 0.0f) & AS_INTV(dy)) | ((x != x) & AS_INTV(x)));
}

/* x > 0 ? dy : a * dy; NaN where x is NaN. */
inline floatV op_leaky_relu_backward(floatV dy, floatV x, float a) {
  return select(select(a * dy, x, x != x), dy, x > 0.0f);
}

/* x > 0 && x < cap ? dy : +0; NaN where x is NaN. */
inline floatV op_clipped_relu_backward(floatV dy, floatV x, float cap) {
  return AS_FLOATV(((x > 0.0f) & (x < cap) & AS_INTV(dy)) |
                   ((x != x) & AS_INTV(x)));
}

/* x > theta ? dy : +0; NaN where x is NaN. */
inline floatV op_thresholded_relu_backward(floatV dy, floatV x, float theta) {
  return AS_FLOATV(((x > theta) & AS_INTV(dy)) | ((x != x) & AS_INTV(x)));
}

/* x > 0 ? dy : s * dy, with a slope per lane; NaN where x is NaN. */
inline floatV op_prelu_backward(floatV dy, floatV x, floatV s) {
  return select(select(s * dy, x, x != x), dy, x > 0.0f);
}

/* ---- the same on 16-bit bits, no arithmetic ----
 * inf: the bits of +infinity (0x7c00 for F16, 0x7f80 for BF16), above which
 * the magnitude bits are a NaN; one: the bits of 1.0. */
inline ushortV nan16(ushortV h, ushort inf) {
  return AS_USHORTV((h & (ushort)0x7fff) > inf);
}
/* x > 0: positive sign, not zero, not NaN. */
inline ushortV positive16(ushortV h, ushort inf) {
  return AS_USHORTV((h < (ushort)0x8000) & (h != (ushort)0)) & ~nan16(h, inf);
}
/* Kept: as signed 16-bit numbers, everything above -infinity's bits, which
 * is +0, the positives and positive NaNs, and the negative NaNs (-inf + 1
 * to -1); cleared: -0 to -inf. */
inline ushortV op16_relu(ushortV h, ushort inf) {
  return h & AS_USHORTV(AS_SHORTV(h) > (short)(inf | (ushort)0x8000));
}
inline ushortV op16_relu_derivative(ushortV h, ushort inf, ushort one) {
  return (positive16(h, inf) & one) | (nan16(h, inf) & h);
}
inline ushortV op16_relu_backward(ushortV dy, ushortV h, ushort inf) {
  return (positive16(h, inf) & dy) | (nan16(h, inf) & h);
}

/* 16-bit Leaky ReLU of v (a v16: the bits h and their float32 f): the
 * input's bits where they are above +0 as signed numbers (positives and
 * positive NaNs, which need no rounding), else a * x rounded by R16
 * (negative NaNs stay NaN through the product). */
typedef struct v16 {
  ushortV h;
  floatV f;
} v16;
#define OP16_LEAKY_RELU(v, a, R16)                                             \
  select(R16((a) * (v).f), (v).h, AS_USHORTV(AS_SHORTV((v).h) > (short)0))
/* 16-bit Leaky ReLU backward: x > 0 ? dy : a * dy rounded by R16; x's bits
 * where x is NaN. */
#define OP16_LEAKY_RELU_BACKWARD(d, v, a, inf, R16)                            \
  select(select(R16((a) * (d).f), (v).h, nan16((v).h, inf)), (d).h,            \
         positive16((v).h, inf))

/* ---- the table's expressions (src/optable.h) ----
 * Elementwise: OPF_<ID> on float32 vectors v (x) and d (dy), a the
 * parameter; OPB_<ID>(D) on the bits of dtype D (rows with bits16 = 1);
 * OPH_<ID>(D) on v16 values, rounded by R16_D (bits16 = 0). Bias
 * activations of t = x + bias: ACTF_<ID>(t) in float32, ACTH_<ID>(t, D) to
 * D's bits. */
#define OPF_RELU op_relu(v)
#define OPF_RELU_DERIVATIVE op_relu_derivative(v)
#define OPF_LEAKY_RELU op_leaky_relu(v, a)
#define OPF_RELU_BACKWARD op_relu_backward(d, v)
#define OPF_LEAKY_RELU_BACKWARD op_leaky_relu_backward(d, v, a)
#define OPB_RELU(D) op16_relu(v, INF_##D)
#define OPB_RELU_DERIVATIVE(D) op16_relu_derivative(v, INF_##D, ONE_##D)
#define OPB_RELU_BACKWARD(D) op16_relu_backward(d, v, INF_##D)
#define OPH_LEAKY_RELU(D) OP16_LEAKY_RELU(v, a, R16_##D)
#define OPH_LEAKY_RELU_BACKWARD(D)                                             \
  OP16_LEAKY_RELU_BACKWARD(d, v, a, INF_##D, R16_##D)
/* The parameter is a float32 that need not be a 16-bit value (a cap may
 * round), so these compare and select in float32 and round the result. */
#define OPF_CLIPPED_RELU op_clipped_relu(v, a)
#define OPF_CLIPPED_RELU_BACKWARD op_clipped_relu_backward(d, v, a)
#define OPF_THRESHOLDED_RELU op_thresholded_relu(v, a)
#define OPF_THRESHOLDED_RELU_BACKWARD op_thresholded_relu_backward(d, v, a)
#define OPH_CLIPPED_RELU(D) R16_##D(op_clipped_relu(v.f, a))
#define OPH_CLIPPED_RELU_BACKWARD(D)                                           \
  R16_##D(op_clipped_relu_backward(d.f, v.f, a))
#define OPH_THRESHOLDED_RELU(D) R16_##D(op_thresholded_relu(v.f, a))
#define OPH_THRESHOLDED_RELU_BACKWARD(D)                                       \
  R16_##D(op_thresholded_relu_backward(d.f, v.f, a))
/* 16-bit ReLU rounds first and clears on the bits (the same result:
 * rounding keeps the sign, and NaN). */
#define ACTF_IDENTITY(t) (t)
#define ACTF_RELU(t) op_relu(t)
#define ACTF_LEAKY_RELU(t) op_leaky_relu(t, a)
#define ACTF_CLIPPED_RELU(t) op_clipped_relu(t, a)
#define ACTF_THRESHOLDED_RELU(t) op_thresholded_relu(t, a)
#define ACTH_IDENTITY(t, D) R16_##D(t)
#define ACTH_RELU(t, D) op16_relu(R16_##D(t), INF_##D)
#define ACTH_LEAKY_RELU(t, D) R16_##D(op_leaky_relu(t, a))
#define ACTH_CLIPPED_RELU(t, D) R16_##D(op_clipped_relu(t, a))
#define ACTH_THRESHOLDED_RELU(t, D) R16_##D(op_thresholded_relu(t, a))

/* a##b after expanding both (for names built from macros). */
#define PASTE(a, b) PASTE_(a, b)
#define PASTE_(a, b) a##b

/* ---- memory access per dtype ----
 * For each dtype D: ET_D, the element type in memory; VT_D, its vector;
 * LDF_D(i, p) loads vector i of p as float32, LDFT_D(p, t0, n) a tail
 * [t0, n). float32 stores: STF_F32(v, i, p), STFNT_F32 (streaming, p
 * aligned), STFT_F32(v, p, t0, n); 16-bit results are rounded by R16_D and
 * stored as bits (STB and the like). */
#define ET_F32 float
#define VT_F32 floatV
#define LDF_F32(i, p) VLOAD(i, p)
#define STF_F32(v, i, p) VSTORE(v, i, p)
#define STFNT_F32(v, i, p) STORE_NT(floatV, v, i, p)
#define LDFT_F32(p, t0, n) load_tail_float(p, t0, n)
#define STFT_F32(v, p, t0, n) store_tail_float(v, p, t0, n)

#define ET_F16 ushort
#define VT_F16 ushortV
#ifdef CLRELU_F16_MEMORY
#define LDF_F16(i, p) ldf_f16(i, p)
#else
#define LDF_F16(i, p) f16_to_f32(VLOAD(i, p))
#endif
#define LDFT_F16(p, t0, n) f16_to_f32(load_tail_ushort(p, t0, n))
#define INF_F16 ((ushort)0x7c00)
#define ONE_F16 ((ushort)0x3c00)

#define ET_BF16 ushort
#define VT_BF16 ushortV
#define LDF_BF16(i, p) bf16_to_f32(VLOAD(i, p))
#define LDFT_BF16(p, t0, n) bf16_to_f32(load_tail_ushort(p, t0, n))
#define INF_BF16 ((ushort)0x7f80)
#define ORDER_BF16(v) bf16_order(v)
#define ORDER_F32(v) (v)
#define ORDER_F16(v) (v)
#define ONE_BF16 ((ushort)0x3f80)

/* Float32 vectors rounded to a 16-bit dtype's bits, in natural order (and
 * float32 as it is). */
#define R16_F32(v) (v)
#define R16_F16(v) f32_to_f16(v)
#define R16_BF16(v) f32_to_bf16(v)
/* Both bits and float32 of a 16-bit vector (a v16). */
#define LDV_F16(i, p) ((v16){VLOAD(i, p), LDF_F16(i, p)})
#define LDV_BF16(i, p) ((v16){VLOAD(i, p), LDF_BF16(i, p)})
#define LDVT_F16(p, t0, n) ((v16){LDBT(p, t0, n), LDFT_F16(p, t0, n)})
#define LDVT_BF16(p, t0, n) ((v16){LDBT(p, t0, n), LDFT_BF16(p, t0, n)})

/* Bit-level access for 16-bit dtypes (no conversion). */
#define LDB(i, p) VLOAD(i, p)
#define STB(v, i, p) VSTORE(v, i, p)
#define STBNT(v, i, p) STORE_NT(ushortV, v, i, p)
#define LDBT(p, t0, n) load_tail_ushort(p, t0, n)
#define STBT(v, p, t0, n) store_tail_ushort(v, p, t0, n)
