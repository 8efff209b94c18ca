/* Shared definitions for clrelu's kernels.
 *
 * The host prepends the launch shape as #defines:
 *   CLRELU_VEC     floats per vector (2, 4, 8 or 16)
 *   CLRELU_ITEMS   vectors per work-item
 *   CLRELU_CONTIG  1: a work-item's vectors are adjacent; 0: strided by the
 *                  global size (adjacent work-items touch adjacent vectors)
 *   CLRELU_NT      1: streaming stores where the output is vector-aligned
 *
 * Semantics: NaN in x always gives NaN; comparisons do the selecting (never
 * fmax/max, never x * (x > 0)); arithmetic is the op's own single rounding.
 */
#pragma OPENCL FP_CONTRACT OFF

#define CLRELU_CAT_(a, b) a##b
#define CLRELU_CAT(a, b) CLRELU_CAT_(a, b)
#define floatV CLRELU_CAT(float, CLRELU_VEC)
#define intV CLRELU_CAT(int, CLRELU_VEC)
#define AS_FLOATV CLRELU_CAT(as_float, CLRELU_VEC)
#define AS_INTV CLRELU_CAT(as_int, CLRELU_VEC)
#define VLOAD CLRELU_CAT(vload, CLRELU_VEC)
#define VSTORE CLRELU_CAT(vstore, CLRELU_VEC)

#if CLRELU_NT && defined(__has_builtin)
#if __has_builtin(__builtin_nontemporal_store)
#define CLRELU_HAVE_NT 1
#endif
#endif

/* Streaming store of vector v to vector index i of p (p vector-aligned). */
#ifdef CLRELU_HAVE_NT
#define STORE_NT(v, i, p)                                                      \
  __builtin_nontemporal_store((v), ((global floatV *)(p)) + (i))
#else
#define STORE_NT(v, i, p) (((global floatV *)(p))[i] = (v))
#endif

/* Whether p is aligned for a whole-vector store. */
#define VEC_ALIGNED(p) ((((ulong)(p)) & (sizeof(floatV) - 1)) == 0)

/* The vectors a work-item handles: i runs over up to CLRELU_ITEMS vector
 * indices below nvec. */
#if CLRELU_CONTIG
#define FOR_MY_VECTORS(i, nvec)                                                \
  for (ulong i = (ulong)get_global_id(0) * CLRELU_ITEMS,                       \
             i##_end = min(i + CLRELU_ITEMS, (ulong)(nvec));                   \
       i < i##_end; ++i)
#else
#define FOR_MY_VECTORS(i, nvec)                                                \
  for (ulong i = get_global_id(0), i##_k = 0; i##_k < CLRELU_ITEMS && i < (nvec); \
       ++i##_k, i += get_global_size(0))
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

/* Loads elements [t0, n) of p into a vector (other lanes 0). */
inline floatV load_tail(global const float *p, ulong t0, ulong n) {
  float t[CLRELU_VEC];
  for (int j = 0; j < CLRELU_VEC; ++j)
    t[j] = (t0 + j < n) ? p[t0 + j] : 0.0f;
  return VLOAD(0, t);
}

/* Stores the lanes of v that fall in [t0, n) to p. */
inline void store_tail(floatV v, global float *p, ulong t0, ulong n) {
  float t[CLRELU_VEC];
  VSTORE(v, 0, t);
  for (int j = 0; j < CLRELU_VEC; ++j)
    if (t0 + j < n)
      p[t0 + j] = t[j];
}

/* ---- the ops, lane by lane ---- */

/* x > 0 ? x : +0; NaN kept: clear the bits where x <= 0 (false for NaN). */
inline floatV op_relu(floatV x) { return AS_FLOATV(AS_INTV(x) & ~(x <= 0.0f)); }

/* x > 0 ? 1 : 0; NaN kept. */
inline floatV op_relu_derivative(floatV x) {
  return AS_FLOATV(((x > 0.0f) & 0x3f800000) | (isnan(x) & AS_INTV(x)));
}

/* x > 0 ? dy : +0; NaN where x is NaN. */
inline floatV op_relu_backward(floatV dy, floatV x) {
  return AS_FLOATV(((x > 0.0f) & AS_INTV(dy)) | (isnan(x) & AS_INTV(x)));
}

/* x > 0 ? x : a * x (NaN stays NaN through the product). */
inline floatV op_leaky_relu(floatV x, float a) { return select(a * x, x, x > 0.0f); }

/* x > 0 ? dy : a * dy; NaN where x is NaN. */
inline floatV op_leaky_relu_backward(floatV dy, floatV x, float a) {
  return select(select(a * dy, x, isnan(x)), dy, x > 0.0f);
}
