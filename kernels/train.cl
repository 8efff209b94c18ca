/* Training passes: the forward bias + activation that also saves a 1-bit
 * mask of the branch each element took.
 *
 * A mask word gathers 32 neighbouring elements, so a work-item owns whole
 * words: MASK_WORDS of them in a row (as many elements as the other
 * kernels' work-items take, at least one word), walking them a vector at a
 * time with the bias kernels' channel walk (kernels/bias_relu.cl). No two
 * work-items share a word and no subgroup operation is needed. The last
 * word's bits past n are 0. */

#define MASK_VECS (32 / CLRELU_VEC) /* vectors a word */
#define MASK_WORDS_ (CLRELU_ITEMS * CLRELU_VEC / 32)
#define MASK_WORDS (MASK_WORDS_ > 0 ? MASK_WORDS_ : 1)

/* The pass-through branch of each activation of float32 t (a the
 * parameter), as lanes of -1 (taken) or 0: RELU, LEAKY_RELU: t > 0;
 * CLIPPED_RELU: t > 0 && t < cap; THRESHOLDED_RELU: t > theta; IDENTITY:
 * every lane, NaN included. */
#define PASS_IDENTITY(t) (CLRELU_LANES == CLRELU_LANES)
#define PASS_RELU(t) ((t) > 0.0f)
#define PASS_LEAKY_RELU(t) ((t) > 0.0f)
#define PASS_CLIPPED_RELU(t) (((t) > 0.0f) & ((t) < a))
#define PASS_THRESHOLDED_RELU(t) ((t) > a)

/* The OR of a vector's lanes. */
inline uint or_lanes(uintV v) {
#if CLRELU_VEC == 16
  const uint8 v8 = v.lo | v.hi;
  const uint4 v4 = v8.lo | v8.hi;
#elif CLRELU_VEC == 8
  const uint4 v4 = v.lo | v.hi;
#endif
#if CLRELU_VEC >= 8
  const uint2 v2 = v4.lo | v4.hi;
#elif CLRELU_VEC == 4
  const uint2 v2 = v.lo | v.hi;
#else
  const uint2 v2 = v;
#endif
  return v2.x | v2.y;
}

/* pass's lanes as bits of a word: the lane holding element l of the
 * vector (lanes: the dtype's lane order, LANES_D) at bit l. */
inline uint pass_bits(intV pass, intV lanes) {
  return or_lanes(AS_UINTV(pass) & ((uintV)(1u) << AS_UINTV(lanes)));
}

#define MASK_KERNEL(NAME, D, KIND, ST, STT, EXPR, PASS)                        \
  kernel void NAME(global const ET_##D *x, ulong xo, global const ET_##D *b,   \
                   ulong bo, global ET_##D *y, ulong yo, global uint *m,       \
                   ulong mo, ulong n, ulong inner, ulong channels, float a) {  \
    x += xo;                                                                   \
    b += bo;                                                                   \
    y += yo;                                                                   \
    m += mo;                                                                   \
    CH_SETUP_##KIND(D, b)                                                      \
    const ulong nw = (n + 31) / 32;                                            \
    const ulong w0 = (ulong)get_global_id(0) * MASK_WORDS;                     \
    if (w0 >= nw)                                                              \
      return;                                                                  \
    ulong pos, c;                                                              \
    bias_place(w0 * 32, inner, channels, &pos, &c);                            \
    CH_STATE(D, b, pos, c);                                                    \
    const ulong wend = min(w0 + MASK_WORDS, nw);                               \
    for (ulong w = w0; w < wend; ++w) {                                        \
      uint word = 0;                                                           \
      for (int j = 0; j < MASK_VECS; ++j) {                                    \
        const ulong i = w * MASK_VECS + j, t0 = i * CLRELU_VEC;                \
        if (t0 + CLRELU_VEC <= n) {                                            \
          IN_LOAD_1(D, i);                                                     \
          CH_VALUES_1(D, KIND);                                                \
          ST(EXPR, i, y);                                                      \
          word |= pass_bits(PASS(xv + bv), LANES_##D) << (j * CLRELU_VEC);     \
        } else if (t0 < n) {                                                   \
          IN_LOADT_1(D, t0, n);                                                \
          CH_VALUES_1(D, KIND);                                                \
          STT(EXPR, y, t0, n);                                                 \
          const intV in = LANES_##D < (intV)(int)(n - t0);                     \
          word |= pass_bits(PASS(xv + bv) & in, LANES_##D) << (j * CLRELU_VEC); \
        }                                                                      \
      }                                                                        \
      m[w] = word;                                                             \
    }                                                                          \
  }

#define MASK(NAME, D, KIND, ST, STT, EXPR, PASS)                               \
  MASK_KERNEL(NAME, D, KIND, ST, STT, EXPR, PASS)
#define MASK_KERNELS(D, ID, name, param)                                       \
  MASK(PASTE(clrelu_bias_##name##_mask_rows, DTYPE_SFX_##D), D,                \
       BIAS_ROW_##D, BIAS_ST_##D, BIAS_STT_##D, BIAS_ACT_##D(ID), PASS_##ID)   \
  MASK(PASTE(clrelu_bias_##name##_mask_planes, DTYPE_SFX_##D), D, plane,       \
       BIAS_ST_##D, BIAS_STT_##D, BIAS_ACT_##D(ID), PASS_##ID)
#if CLRELU_STAMPS(3, 0)
CLRELU_BIAS_ACTS(MASK_KERNELS, F32)
#elif CLRELU_STAMPS(3, 1)
CLRELU_BIAS_ACTS(MASK_KERNELS, F16)
#elif CLRELU_STAMPS(3, 2)
CLRELU_BIAS_ACTS(MASK_KERNELS, BF16)
#endif
