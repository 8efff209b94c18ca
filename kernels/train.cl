/* Training passes: the forward bias + activation that also saves a 1-bit
 * mask of the branch each element took, and the backward passes (from the
 * mask or from the forward input) that give dx and the first level of the
 * bias gradient's fixed-order sum (kernels/reduce.cl) in one sweep.
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
 * every lane, NaN included. They serve scalars too (1 or 0). */
#define PASS_IDENTITY(t) (((t) == (t)) | ((t) != (t)))
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

#define MASK_KERNEL(NAME, D, KIND, ST, STNT, STT, EXPR, PASS)                  \
  kernel void NAME(global const ET_##D *x, ulong xo, global const ET_##D *b,   \
                   ulong bo, global ET_##D *y, ulong yo, global uint *m,       \
                   ulong mo, ulong n, ulong inner, ulong channels, float a) {  \
    x += xo;                                                                   \
    b += bo;                                                                   \
    y += yo;                                                                   \
    m += mo;                                                                   \
    CH_SETUP_##KIND(D, b)                                                      \
    const int nt = CLRELU_NT && VEC_ALIGNED(VT_##D, y);                        \
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
          if (nt)                                                              \
            STNT(EXPR, i, y);                                                  \
          else                                                                 \
            ST(EXPR, i, y);                                                    \
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

#define MASK(NAME, D, KIND, ST, STNT, STT, EXPR, PASS)                         \
  MASK_KERNEL(NAME, D, KIND, ST, STNT, STT, EXPR, PASS)
#define MASK_KERNELS(D, ID, name, param)                                       \
  MASK(PASTE(clrelu_bias_##name##_mask_rows, DTYPE_SFX_##D), D,                \
       BIAS_ROW_##D, BIAS_ST_##D, BIAS_STNT_##D, BIAS_STT_##D,                 \
       BIAS_ACT_##D(ID), PASS_##ID)                                            \
  MASK(PASTE(clrelu_bias_##name##_mask_planes, DTYPE_SFX_##D), D, plane,       \
       BIAS_ST_##D, BIAS_STNT_##D, BIAS_STT_##D, BIAS_ACT_##D(ID), PASS_##ID)
#if CLRELU_STAMPS(3, 0)
CLRELU_BIAS_ACTS(MASK_KERNELS, F32)
#elif CLRELU_STAMPS(3, 1)
CLRELU_BIAS_ACTS(MASK_KERNELS, F16)
#elif CLRELU_STAMPS(3, 2)
CLRELU_BIAS_ACTS(MASK_KERNELS, BF16)
#endif

/* ---- backward ----
 * dx = pass ? dy : (LEAKY_RELU ? a * dy : +0.0), in float32: from the mask
 * (pass: its bit), or from the forward input (pass of t = x + bias[c];
 * NaN where t is NaN). These float32 values are the terms of dbias[c]'s
 * sum; dx is them rounded to the dtype. PReLU's backward pass is a third
 * source: dx = x > 0 ? dy : slope[c] * dy (NaN where x is), the terms of
 * dslope[c] x > 0 ? +0.0 : dy * x. Each kernel writes dx and, when out is
 * not NULL, channel c's block sums to out[oo + c * nb + b] (the first
 * level; SUM_BLOCKS does the rest). Scalar code: a CPU's OpenCL
 * vectorizes across work-items, a GPU runs them as its lanes. */

/* pass of kind at float32 t, as 1 or 0 */
#define PASS_CASE(C, ID, name, param)                                          \
  case CLRELU_ACT_##ID:                                                        \
    return PASS_##ID(t) != 0;
inline int pass1(int kind, float t, float a) {
  switch (kind) {
    CLRELU_BIAS_ACTS(PASS_CASE, 0)
  default:
    return 0;
  }
}

inline float dx_of(int pass, float d, int leaky, float a) {
  return pass ? d : leaky ? a * d : 0.0f;
}

/* By source: parameters, the value a channel needs once (bc: its bias or
 * its slope), dx of element e (dyf: dy[e] as float32), and the term it
 * adds to the channel's sum (dxf: that dx). */
#define SRC_PARAMS_mask(D) global const uint *m, ulong mo
#define SRC_OFFSET_mask m += mo
#define SRC_CHANNEL_mask(D, c)
#define SRC_TERM_mask(D, e, dyf)                                               \
  dx_of((m[(e) >> 5] >> ((e)&31)) & 1u, dyf, leaky, a)
#define SRC_PARAMS_input(D)                                                    \
  global const ET_##D *x, ulong xo, global const ET_##D *b, ulong bo,          \
      int has_bias
#define SRC_OFFSET_input x += xo, b += bo
#define SRC_CHANNEL_input(D, c) const float bc = has_bias ? LD1_##D(b, c) : -0.0f
#define SRC_TERM_input(D, e, dyf) term_input(LD1_##D(x, e) + bc, dyf, kind, leaky, a)
inline float term_input(float t, float d, int kind, int leaky, float a) {
  return t != t ? t : dx_of(pass1(kind, t, a), d, leaky, a);
}
/* x of element e, read before dx is written (dx may be x) */
#define SRC_X_mask(D, e) 0.0f
#define SRC_X_input(D, e) LD1_##D(x, e)
#define SRC_X_prelu(D, e) LD1_##D(x, e)
#define SRC_SUM_mask(D, xf, dyf, dxf) (dxf)
#define SRC_SUM_input(D, xf, dyf, dxf) (dxf)
#define SRC_PARAMS_prelu(D)                                                    \
  global const ET_##D *x, ulong xo, global const ET_##D *s, ulong so
#define SRC_OFFSET_prelu x += xo, s += so
#define SRC_CHANNEL_prelu(D, c) const float bc = LD1_##D(s, c)
#define SRC_TERM_prelu(D, e, dyf) dx_prelu(LD1_##D(x, e), dyf, bc)
#define SRC_SUM_prelu(D, xf, dyf, dxf) sum_prelu(xf, dyf)
inline float dx_prelu(float x, float d, float s) {
  return x > 0.0f ? d : x != x ? x : s * d;
}
inline float sum_prelu(float x, float d) { return x > 0.0f ? 0.0f : d * x; }

/* Blocks: a work-group per block of 256 terms of one channel (g = c * nb +
 * b), summed by halving in local memory. Any layout. */
#define BACKWARD_BLOCKS_KERNEL(NAME, D, SRC)                                   \
  kernel void NAME(global const ET_##D *dy, ulong dyo, SRC_PARAMS_##SRC(D),    \
                   global ET_##D *dx, ulong dxo, global float *out, ulong oo,  \
                   ulong outer, ulong channels, ulong inner, ulong nb,         \
                   int kind, float a) {                                        \
    dy += dyo;                                                                 \
    dx += dxo;                                                                 \
    SRC_OFFSET_##SRC;                                                          \
    const int leaky = kind == CLRELU_ACT_LEAKY_RELU;                           \
    local float v[SUM_BLOCK];                                                  \
    const ulong g = get_group_id(0), c = div64(g, nb), blk = g - c * nb;       \
    const ulong nterms = outer * inner;                                        \
    SRC_CHANNEL_##SRC(D, c);                                                   \
    for (uint k = get_local_id(0); k < SUM_BLOCK; k += get_local_size(0)) {    \
      const ulong j = blk * SUM_BLOCK + k;                                     \
      float term = 0.0f;                                                       \
      if (j < nterms) {                                                        \
        const ulong o = div64(j, inner);                                       \
        const ulong e = (o * channels + c) * inner + (j - o * inner);          \
        const float dyf = LD1_##D(dy, e), xf = SRC_X_##SRC(D, e);              \
        const float dxf = SRC_TERM_##SRC(D, e, dyf);                           \
        term = SRC_SUM_##SRC(D, xf, dyf, dxf);                                 \
        ST1_##D(dx, e, dxf);                                                   \
      }                                                                        \
      v[k] = term;                                                             \
    }                                                                          \
    if (out) {                                                                 \
      barrier(CLK_LOCAL_MEM_FENCE);                                            \
      sum_block(v);                                                            \
      if (get_local_id(0) == 0)                                                \
        out[oo + c * nb + blk] = v[0];                                         \
    }                                                                          \
  }

/* Columns (inner == 1): a work-item per channel, a work-group per block of
 * 256 rows and get_local_size(0) channels (g = b * ngc + channel group), so
 * a row's channels are read side by side. The halving order, v[i] + v[i +
 * s] for s = 128 down to 1, is a pairwise sum that takes index bit 7
 * first, bit 0 last: eight nested loops over the index bits, bit 0
 * outermost, keep the partial sums in registers. */
#define COLUMN_BIT(q, s, inner_sum, BODY)                                      \
  float s = 0.0f;                                                              \
  for (uint q = 0; q < 2; ++q) {                                               \
    BODY                                                                       \
    s = q ? s + inner_sum : inner_sum;                                         \
  }
#define BACKWARD_COLUMNS_KERNEL(NAME, D, SRC)                                  \
  kernel void NAME(global const ET_##D *dy, ulong dyo, SRC_PARAMS_##SRC(D),    \
                   global ET_##D *dx, ulong dxo, global float *out, ulong oo,  \
                   ulong outer, ulong channels, ulong inner, ulong nb,         \
                   int kind, float a) {                                        \
    (void)inner;                                                               \
    dy += dyo;                                                                 \
    dx += dxo;                                                                 \
    SRC_OFFSET_##SRC;                                                          \
    const int leaky = kind == CLRELU_ACT_LEAKY_RELU;                           \
    const ulong ngc = (channels + get_local_size(0) - 1) / get_local_size(0);  \
    const ulong g = get_group_id(0), blk = div64(g, ngc);                      \
    const ulong c = (g - blk * ngc) * get_local_size(0) + get_local_id(0);     \
    if (c >= channels)                                                         \
      return;                                                                  \
    SRC_CHANNEL_##SRC(D, c);                                                   \
    const ulong r0 = blk * SUM_BLOCK;                                          \
    COLUMN_BIT(q0, s0, s1, COLUMN_BIT(q1, s1, s2, COLUMN_BIT(q2, s2, s3,       \
      COLUMN_BIT(q3, s3, s4, COLUMN_BIT(q4, s4, s5, COLUMN_BIT(q5, s5, s6,     \
      COLUMN_BIT(q6, s6, s7, COLUMN_BIT(q7, s7, term,                          \
        const ulong r = r0 + (q0 | q1 << 1 | q2 << 2 | q3 << 3 | q4 << 4 |     \
                              q5 << 5 | q6 << 6 | q7 << 7);                    \
        float term = 0.0f;                                                     \
        if (r < outer) {                                                       \
          const ulong e = r * channels + c;                                    \
          const float dyf = LD1_##D(dy, e);                                    \
          const float xf = SRC_X_##SRC(D, e); /* no comma: a macro argument */ \
          const float dxf = SRC_TERM_##SRC(D, e, dyf);                         \
          term = SRC_SUM_##SRC(D, xf, dyf, dxf);                               \
          ST1_##D(dx, e, dxf);                                                 \
        })))))))) \
    if (out)                                                                   \
      out[oo + c * nb + blk] = s0;                                             \
  }

/* ---- the same in vectors, a work-item a block (CLRELU_CONTIG: CPUs) ----
 * A CPU's OpenCL runs a work-group's work-items as a loop, where the
 * barriers of a sum in local memory cost more than the sweep: here each
 * work-item sums a whole block in registers. A block of 256 terms is 256 /
 * CLRELU_VEC vectors; halving it is adding vector k + s to vector k while s
 * spans vectors, then each vector's high half to its low half. */
#define BLOCK_VECS (SUM_BLOCK / CLRELU_VEC)

/* v's lanes summed by halving */
inline float halve_lanes(floatV v) {
#if CLRELU_VEC == 16
  const float8 v8 = v.lo + v.hi;
  const float4 v4 = v8.lo + v8.hi;
#elif CLRELU_VEC == 8
  const float4 v4 = v.lo + v.hi;
#endif
#if CLRELU_VEC >= 8
  const float2 v2 = v4.lo + v4.hi;
#elif CLRELU_VEC == 4
  const float2 v2 = v.lo + v.hi;
#else
  const float2 v2 = v;
#endif
  return v2.x + v2.y;
}

/* A block of BLOCK_VECS vectors summed by halving. */
inline float halve_block(floatV *acc) {
  for (int s = BLOCK_VECS / 2; s > 0; s >>= 1)
    for (int k = 0; k < s; ++k)
      acc[k] = acc[k] + acc[k + s];
  return halve_lanes(acc[0]);
}

/* A vector in the dtype's lane order (ORDER_D) back in natural order. */
inline floatV bf16_unorder(floatV v) {
  floatV r;
  r.even = v.lo;
  r.odd = v.hi;
  return r;
}
#define UNORDER_F32(v) (v)
#define UNORDER_F16(v) (v)
#define UNORDER_BF16(v) bf16_unorder(v)

/* Vector loads at element e of p (whole, or the tail [e, end)) and the
 * matching stores of float32 v rounded to D. */
#define VLD(D, p, e) LDF_##D(0, (p) + (e))
#define VLDT(D, p, e, end) LDFT_##D(p, e, end)
#define VST_F32(v, p, e) vst_float(v, (p) + (e))
#define VST_F16(v, p, e) vst_ushort(R16_F16(v), (p) + (e))
#define VST_BF16(v, p, e) vst_ushort(R16_BF16(v), (p) + (e))
/* dx streams past the caches, as the other kernels' outputs do, where a
 * store is vector-aligned (a streaming store must be). */
#define VST_FUNCTION(T, TV)                                                    \
  inline void vst_##T(TV v, global T *p) {                                     \
    if (CLRELU_NT && VEC_ALIGNED(TV, p))                                       \
      STORE_NT(TV, v, 0, p);                                                   \
    else                                                                       \
      VSTORE(v, 0, p);                                                         \
  }
VST_FUNCTION(float, floatV)
VST_FUNCTION(ushort, ushortV)
#define VSTT_F32(v, p, e, end) STFT_F32(v, p, e, end)
#define VSTT_F16(v, p, e, end) STBT(R16_F16(v), p, e, end)
#define VSTT_BF16(v, p, e, end) STBT(R16_BF16(v), p, e, end)

#define PASSV_CASE(C, ID, name, param)                                         \
  case CLRELU_ACT_##ID:                                                        \
    return PASS_##ID(t);
inline intV passv(int kind, floatV t, float a) {
  switch (kind) {
    CLRELU_BIAS_ACTS(PASSV_CASE, 0)
  default:
    return (intV)(0);
  }
}

inline floatV dxv_of(intV pass, floatV d, int leaky, float a) {
  return select(leaky ? a * d : (floatV)(0.0f), d, pass);
}

/* The mask bits of the vector at element e (lanes: the dtype's order), as
 * lanes of -1 or 0; n: the elements of the call (the mask's words). */
inline intV mask_lanes(global const uint *m, ulong e, ulong n, intV lanes) {
  const ulong w = e >> 5;
  const uint sh = (uint)(e & 31);
  ulong both = m[w];
  if (sh + CLRELU_VEC > 32 && ((e + CLRELU_VEC - 1) >> 5) <= ((n - 1) >> 5))
    both |= (ulong)m[w + 1] << 32;
  const uint bits = (uint)(both >> sh);
  return -AS_INTV(((uintV)(bits) >> AS_UINTV(lanes)) & 1u);
}

/* By source: the vector term of the elements at e, dv their dy, XV their
 * x (loaded only from the input), BV the bias (a scalar or a vector). */
#define SRCV_TERM_mask(D, e, XV, BV, dv)                                       \
  dxv_of(mask_lanes(m, e, nall, LANES_##D), dv, leaky, a)
#define SRCV_TERM_input(D, e, XV, BV, dv) termv_input((XV) + (BV), dv, kind, leaky, a)
inline floatV termv_input(floatV t, floatV d, int kind, int leaky, float a) {
  return select(dxv_of(passv(kind, t, a), d, leaky, a), t, t != t);
}
/* x's vector at e (a whole one, or the tail [e, end)) */
#define SRCV_X_mask(D, e) ((floatV)(0.0f))
#define SRCV_X_input(D, e) VLD(D, x, e)
#define SRCV_X_prelu(D, e) VLD(D, x, e)
#define SRCV_XT_mask(D, e, end) ((floatV)(0.0f))
#define SRCV_XT_input(D, e, end) VLDT(D, x, e, end)
#define SRCV_XT_prelu(D, e, end) VLDT(D, x, e, end)
#define SRCV_SUM_mask(D, XV, dv, dxv) (dxv)
#define SRCV_SUM_input(D, XV, dv, dxv) (dxv)
/* BV * 1: the slope as a vector whether BV is a scalar or one (exactly) */
#define SRCV_TERM_prelu(D, e, XV, BV, dv)                                      \
  op_prelu_backward(dv, XV, (BV) * (floatV)(1.0f))
#define SRCV_SUM_prelu(D, XV, dv, dxv)                                         \
  select(dv * (XV), (floatV)(0.0f), (XV) > 0.0f)
/* The bias (or slope) of nv vectors of channels from cg, as bv[u] */
#define SRCV_BIASES_mask(D, cg, nv)
#define SRCV_CHANNEL_VECS(D, p, has, none, cg, nv)                             \
  floatV bv[COLUMN_VECS];                                                      \
  for (uint u = 0; u < nv; ++u) {                                              \
    const ulong c0 = (cg) + u * CLRELU_VEC;                                    \
    const ulong cend = min(c0 + CLRELU_VEC, channels);                         \
    bv[u] = !(has)                       ? (floatV)(none)                      \
            : cend - c0 == CLRELU_VEC ? VLD(D, p, c0)                          \
                                      : VLDT(D, p, c0, cend);                  \
  }
#define SRCV_BIASES_input(D, cg, nv)                                           \
  SRCV_CHANNEL_VECS(D, b, has_bias, -0.0f, cg, nv)
#define SRCV_BIASES_prelu(D, cg, nv) SRCV_CHANNEL_VECS(D, s, 1, 0.0f, cg, nv)

/* A block is walked plane by plane (one run of contiguous elements per
 * plane it touches), in vectors with a scalar tail per run; its terms go to
 * t in natural order, then are halved. */
#define BACKWARD_BLOCKS_ITEM_KERNEL(NAME, D, SRC)                              \
  kernel void NAME(global const ET_##D *dy, ulong dyo, SRC_PARAMS_##SRC(D),    \
                   global ET_##D *dx, ulong dxo, global float *out, ulong oo,  \
                   ulong outer, ulong channels, ulong inner, ulong nb,         \
                   int kind, float a) {                                        \
    dy += dyo;                                                                 \
    dx += dxo;                                                                 \
    SRC_OFFSET_##SRC;                                                          \
    const int leaky = kind == CLRELU_ACT_LEAKY_RELU;                           \
    const ulong g = get_global_id(0), nall = outer * channels * inner;         \
    (void)nall;                                                                \
    if (g >= channels * nb)                                                    \
      return;                                                                  \
    /* planes shorter than a block: neighbouring work-items take           \
       neighbouring channels, whose runs lie side by side in memory */         \
    const int by_block = inner < SUM_BLOCK;                                    \
    const ulong q = div64(g, by_block ? channels : nb);                        \
    const ulong c = by_block ? g - q * channels : q;                           \
    const ulong blk = by_block ? q : g - q * nb;                               \
    const ulong j0 = blk * SUM_BLOCK, j1 = min(j0 + SUM_BLOCK, outer * inner); \
    SRC_CHANNEL_##SRC(D, c);                                                   \
    floatV acc[BLOCK_VECS];                                                    \
    /* one channel: its planes lie end to end, one run */                      \
    const ulong run = channels == 1 ? outer * inner : inner;                   \
    const ulong o0 = div64(j0, run);                                           \
    ulong i0 = j0 - o0 * run;                                                  \
    if (j1 - j0 == SUM_BLOCK && i0 + SUM_BLOCK <= run) {                       \
      /* a whole block in one run: in registers */                             \
      const ulong e0 = (o0 * channels + c) * run + i0;                         \
      for (int k = 0; k < BLOCK_VECS; ++k) {                                   \
        const ulong e = e0 + (ulong)k * CLRELU_VEC;                            \
        const floatV dv = VLD(D, dy, e), xv = SRCV_X_##SRC(D, e);              \
        const floatV dxv = SRCV_TERM_##SRC(D, e, xv, bc, dv);                  \
        acc[k] = UNORDER_##D(SRCV_SUM_##SRC(D, xv, dv, dxv));                  \
        VST_##D(dxv, dx, e);                                                   \
      }                                                                        \
      if (out)                                                                 \
        out[oo + c * nb + blk] = halve_block(acc);                             \
      return;                                                                  \
    }                                                                          \
    float t[SUM_BLOCK];                                                        \
    for (ulong j = j0, o = o0; j < j1; ++o, i0 = 0) {                          \
      const ulong len = min(j1 - j, run - i0);                                 \
      const ulong e0 = (o * channels + c) * run + i0;                          \
      float *tq = t + (j - j0);                                                \
      ulong k = 0;                                                             \
      for (; k + CLRELU_VEC <= len; k += CLRELU_VEC) {                         \
        const ulong e = e0 + k;                                                \
        const floatV dv = VLD(D, dy, e), xv = SRCV_X_##SRC(D, e);              \
        const floatV dxv = SRCV_TERM_##SRC(D, e, xv, bc, dv);                  \
        VSTORE(UNORDER_##D(SRCV_SUM_##SRC(D, xv, dv, dxv)), 0, tq + k);        \
        VST_##D(dxv, dx, e);                                                   \
      }                                                                        \
      for (; k < len; ++k) {                                                   \
        const ulong e = e0 + k;                                                \
        const float dyf = LD1_##D(dy, e), xf = SRC_X_##SRC(D, e);              \
        const float dxf = SRC_TERM_##SRC(D, e, dyf);                           \
        tq[k] = SRC_SUM_##SRC(D, xf, dyf, dxf);                                \
        ST1_##D(dx, e, dxf);                                                   \
      }                                                                        \
      j += len;                                                                \
    }                                                                          \
    if (!out)                                                                  \
      return;                                                                  \
    for (ulong q = j1 - j0; q < SUM_BLOCK; ++q)                                \
      t[q] = 0.0f; /* the padding */                                           \
    for (int k = 0; k < BLOCK_VECS; ++k)                                       \
      acc[k] = VLOAD(k, t);                                                    \
    out[oo + c * nb + blk] = halve_block(acc);                                 \
  }

/* Columns in vectors: a work-item per run of up to COLUMN_VECS vectors of
 * channels (a lane each) in a block of 256 rows, so that each row is read
 * as whole cache lines (a page, for 1024 float32 channels), never one line
 * a row. Two orders give the halving's sum, whose first pairs are rows r
 * and r + 128 (index bit 7) and whose last is even rows + odd rows (bit
 * 0):
 * - up to NARROW_VECS vectors of channels (the rows of a block lie side by
 *   side): rows in order, r + 128 added to r as it arrives, then the 128
 *   sums halved (128 partial sums a lane);
 * - wider: rows in bit-reversed order, where the halving is the plain
 *   pairwise sum, kept as a binary counter of one partial sum a level (a
 *   completed pair goes up a level; 9 a lane). */
#define COLUMN_VECS 64
#define NARROW_VECS 4
/* k's 8 bits reversed (spread by a multiply, gathered by the modulo; the
 * shift-and-mask form becomes llvm.bitreverse, which Oclgrind lacks) */
inline uint reverse8(uint k) {
  return (uint)((k * 0x0202020202UL & 0x010884422010UL) % 1023);
}
#define BACKWARD_COLUMNS_ITEM_KERNEL(NAME, D, SRC)                             \
  kernel void NAME(global const ET_##D *dy, ulong dyo, SRC_PARAMS_##SRC(D),    \
                   global ET_##D *dx, ulong dxo, global float *out, ulong oo,  \
                   ulong outer, ulong channels, ulong inner, ulong nb,         \
                   int kind, float a) {                                        \
    (void)inner;                                                               \
    dy += dyo;                                                                 \
    dx += dxo;                                                                 \
    SRC_OFFSET_##SRC;                                                          \
    const int leaky = kind == CLRELU_ACT_LEAKY_RELU;                           \
    const ulong nall = outer * channels;                                       \
    (void)nall;                                                                \
    const ulong width = COLUMN_VECS * CLRELU_VEC;                              \
    const ulong ngc = (channels + width - 1) / width;                          \
    const ulong g = get_global_id(0);                                          \
    if (g >= nb * ngc)                                                         \
      return;                                                                  \
    const ulong blk = div64(g, ngc), cg = (g - blk * ngc) * width;             \
    const uint nv = (uint)min((ulong)COLUMN_VECS,                              \
                              (channels - cg + CLRELU_VEC - 1) / CLRELU_VEC);  \
    const int narrow = nv <= NARROW_VECS;                                      \
    SRCV_BIASES_##SRC(D, cg, nv);                                              \
    floatV acc[9 * COLUMN_VECS]; /* >= 128 * NARROW_VECS */                    \
    for (uint k = 0; k < SUM_BLOCK; ++k) {                                     \
      const ulong r = blk * SUM_BLOCK + (narrow ? k : reverse8(k));            \
      /* narrow: where this row's terms go; wide: the counter's level */       \
      uint l = 0;                                                              \
      if (!narrow)                                                             \
        while ((k >> l) & 1u)                                                  \
          ++l;                                                                 \
      for (uint u = 0; u < nv; ++u) {                                          \
        const ulong c0 = cg + u * CLRELU_VEC;                                  \
        const ulong cend = min(c0 + CLRELU_VEC, channels);                     \
        floatV term = (floatV)(0.0f); /* the padding past the last row */      \
        if (r < outer) {                                                       \
          const ulong e = r * channels + c0, end = r * channels + cend;        \
          if (cend - c0 == CLRELU_VEC) {                                       \
            const floatV dv = VLD(D, dy, e), xv = SRCV_X_##SRC(D, e);          \
            const floatV dxv = SRCV_TERM_##SRC(D, e, xv, bv[u], dv);           \
            term = SRCV_SUM_##SRC(D, xv, dv, dxv);                             \
            VST_##D(dxv, dx, e);                                               \
          } else {                                                             \
            const floatV dv = VLDT(D, dy, e, end);                             \
            const floatV xv = SRCV_XT_##SRC(D, e, end);                        \
            const floatV dxv = SRCV_TERM_##SRC(D, e, xv, bv[u], dv);           \
            term = SRCV_SUM_##SRC(D, xv, dv, dxv);                             \
            VSTT_##D(dxv, dx, e, end);                                         \
          }                                                                    \
        }                                                                      \
        if (narrow) {                                                          \
          floatV *p = acc + (k % (SUM_BLOCK / 2)) * NARROW_VECS + u;           \
          *p = k < SUM_BLOCK / 2 ? term : *p + term;                           \
        } else {                                                               \
          for (uint q = 0; q < l; ++q)                                         \
            term = acc[q * COLUMN_VECS + u] + term;                            \
          acc[l * COLUMN_VECS + u] = term;                                     \
        }                                                                      \
      }                                                                        \
    }                                                                          \
    if (!out)                                                                  \
      return;                                                                  \
    if (narrow)                                                                \
      for (uint s = SUM_BLOCK / 4; s > 0; s >>= 1)                             \
        for (uint k = 0; k < s; ++k)                                           \
          for (uint u = 0; u < nv; ++u)                                        \
            acc[k * NARROW_VECS + u] =                                         \
                acc[k * NARROW_VECS + u] + acc[(k + s) * NARROW_VECS + u];     \
    const floatV *sums = narrow ? acc : acc + 8 * COLUMN_VECS;                 \
    for (uint u = 0; u < nv; ++u) {                                            \
      const ulong c0 = cg + u * CLRELU_VEC;                                    \
      float t[CLRELU_VEC];                                                     \
      VSTORE(UNORDER_##D(sums[u]), 0, t);                                      \
      for (ulong c = c0; c < min(c0 + CLRELU_VEC, channels); ++c)              \
        out[oo + c * nb + blk] = t[c - c0];                                    \
    }                                                                          \
  }

#define BACKWARD(KERNEL, NAME, D, SRC) KERNEL(NAME, D, SRC)
#if CLRELU_CONTIG
#define BACKWARD_BLOCKS BACKWARD_BLOCKS_ITEM_KERNEL
#define BACKWARD_COLUMNS BACKWARD_COLUMNS_ITEM_KERNEL
#else
#define BACKWARD_BLOCKS BACKWARD_BLOCKS_KERNEL
#define BACKWARD_COLUMNS BACKWARD_COLUMNS_KERNEL
#endif
#define BACKWARD_KERNELS(D)                                                    \
  BACKWARD(BACKWARD_BLOCKS,                                                    \
           PASTE(clrelu_act_backward_mask_blocks, DTYPE_SFX_##D), D, mask)     \
  BACKWARD(BACKWARD_COLUMNS,                                                   \
           PASTE(clrelu_act_backward_mask_columns, DTYPE_SFX_##D), D, mask)    \
  BACKWARD(BACKWARD_BLOCKS,                                                    \
           PASTE(clrelu_bias_act_backward_blocks, DTYPE_SFX_##D), D, input)    \
  BACKWARD(BACKWARD_COLUMNS,                                                   \
           PASTE(clrelu_bias_act_backward_columns, DTYPE_SFX_##D), D, input)  \
  BACKWARD(BACKWARD_BLOCKS,                                                    \
           PASTE(clrelu_prelu_backward_blocks, DTYPE_SFX_##D), D, prelu)       \
  BACKWARD(BACKWARD_COLUMNS,                                                   \
           PASTE(clrelu_prelu_backward_columns, DTYPE_SFX_##D), D, prelu)
#if CLRELU_STAMPS(3, 0)
BACKWARD_KERNELS(F32)
#elif CLRELU_STAMPS(3, 1)
BACKWARD_KERNELS(F16)
#elif CLRELU_STAMPS(3, 2)
BACKWARD_KERNELS(BF16)
#endif
