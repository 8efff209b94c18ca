/* Fused bias + activation: y = act(x + bias), one pass over memory; the sum
 * is rounded to float32 once, the result once to the dtype.
 *
 * Every bias kernel walks the flat array like the elementwise kernels: a
 * work-item takes CLRELU_ITEMS adjacent vectors, finds where the first one
 * sits in the bias pattern once (one division), then steps along. Element k
 * of the view is element phase + k of the pattern (phase: where element 0
 * sits, e.g. in a chunk of a larger array that starts mid-plane or mid-row):
 * - rows (dense, NHWC: inner == 1): pattern element k adds
 *   bias[k % channels]; a vector loads its biases whole, lane by lane only
 *   where it straddles the end of a row;
 * - planes (NCHW; channels == 1 is one plane of everything): plane p adds
 *   bias[p % channels]; a vector broadcasts one bias, or selects per lane
 *   where it straddles a plane boundary.
 * With streaming stores, work-item 0 first does the elements before the
 * output's vector boundary, so the rest streams whatever the view's offset.
 * Biases come back in the dtype's lane order (see bf16_order and LANES_D);
 * a broadcast needs no reordering. */

/* a / b, in 32 bits when both fit (a 64-bit division costs several times
 * as much on some CPUs, and each work-item does two). */
inline ulong div64(ulong a, ulong b) {
  return (a | b) >> 32 ? a / b : (ulong)((uint)a / (uint)b);
}

/* Where pattern element e sits: *pos within its plane (or row) of inner
 * elements, *c its channel. */
inline void bias_place(ulong e, ulong inner, ulong channels, ulong *pos,
                       ulong *c) {
  const ulong p = div64(e, inner); /* plane or row */
  *pos = e - p * inner;
  *c = p - div64(p, channels) * channels;
}

/* The channel values (biases, slopes) of the vector starting at row
 * position *pos, and the position of the next vector. CH(b, c) is value c
 * of b as float. */
#define ROW_BIAS_FUNCTION(D, CH)                                               \
  inline floatV row_bias_##D(global const ET_##D *b, ulong inner,              \
                             ulong channels, ulong *pos, ulong *c,             \
                             float *bc) {                                      \
    (void)inner;                                                               \
    (void)c;                                                                   \
    (void)bc;                                                                  \
    if (*pos + CLRELU_VEC <= channels) {                                       \
      const floatV bv = LDF_##D(0, b + *pos);                                  \
      *pos += CLRELU_VEC;                                                      \
      if (*pos == channels)                                                    \
        *pos = 0;                                                              \
      return bv;                                                               \
    }                                                                          \
    float t[CLRELU_VEC]; /* the end of a row inside the vector */              \
    for (int j = 0; j < CLRELU_VEC; ++j) {                                     \
      t[j] = CH(b, *pos);                                                      \
      if (++*pos == channels)                                                  \
        *pos = 0;                                                              \
    }                                                                          \
    return ORDER_##D(VLOAD(0, t));                                             \
  }

/* The channel value of the vector starting at plane position *pos of
 * channel *c, whose value is *bc, and the position, channel and value of
 * the next vector. CH(b, c) is value c of b as float. */
#define PLANE_BIAS_FUNCTION(D, CH)                                             \
  inline floatV plane_bias_##D(global const ET_##D *b, ulong inner,            \
                               ulong channels, ulong *pos, ulong *c,           \
                               float *bc) {                                    \
    const ulong rem = inner - *pos; /* elements left in the plane, >= 1 */     \
    if (rem > CLRELU_VEC) {                                                    \
      *pos += CLRELU_VEC;                                                      \
      return (floatV)(*bc);                                                    \
    }                                                                          \
    if (inner >= CLRELU_VEC) { /* at most one boundary in the vector */        \
      const ulong c2 = *c + 1 == channels ? 0 : *c + 1;                        \
      const float b2 = CH(b, c2);                                              \
      const floatV bv =                                                        \
          select((floatV)(b2), (floatV)(*bc), LANES_##D < (intV)(int)rem);     \
      *pos = CLRELU_VEC - rem;                                                 \
      *c = c2;                                                                 \
      *bc = b2;                                                                \
      return bv;                                                               \
    }                                                                          \
    float t[CLRELU_VEC]; /* small planes: lane by lane */                      \
    for (int j = 0; j < CLRELU_VEC; ++j) {                                     \
      t[j] = CH(b, *c);                                                        \
      if (++*pos == inner) {                                                   \
        *pos = 0;                                                              \
        *c = *c + 1 == channels ? 0 : *c + 1;                                  \
      }                                                                        \
    }                                                                          \
    *bc = CH(b, *c);                                                           \
    return ORDER_##D(VLOAD(0, t));                                             \
  }
PLANE_BIAS_FUNCTION(F32, LD1_F32)
PLANE_BIAS_FUNCTION(F16, LD1_F16)
PLANE_BIAS_FUNCTION(BF16, LD1_BF16)
ROW_BIAS_FUNCTION(F32, LD1_F32)
ROW_BIAS_FUNCTION(F16, LD1_F16)
ROW_BIAS_FUNCTION(BF16, LD1_BF16)

/* F16 rows: converting the channel values costs as much as converting x,
 * so a work-group converts them once into local memory (when they fit) and
 * its work-items, which cover many rows, read them from there. */
#define CLRELU_BIAS_LOCAL 4096
inline floatV rowl_bias_F16(global const ushort *b, ulong inner,
                            ulong channels, ulong *pos, ulong *c, float *bc,
                            local const float *lb, int cached) {
  if (!cached)
    return row_bias_F16(b, inner, channels, pos, c, bc);
  if (*pos + CLRELU_VEC <= channels) {
    const floatV bv = VLOAD(0, lb + *pos);
    *pos += CLRELU_VEC;
    if (*pos == channels)
      *pos = 0;
    return bv;
  }
  float t[CLRELU_VEC];
  for (int j = 0; j < CLRELU_VEC; ++j) {
    t[j] = lb[*pos];
    if (++*pos == channels)
      *pos = 0;
  }
  return VLOAD(0, t);
}

/* Per channel array A (b: biases, s: slopes): what the kernel does at its
 * start, before any work-item returns; the walking state A##_pos, A##_c
 * (the channel) and A##_bc (that channel's value); the next vector's
 * values. */
#define CH_SETUP_row(D, A)
#define CH_SETUP_plane(D, A)
#define CH_SETUP_rowl(D, A)                                                    \
  local float A##_lb[CLRELU_BIAS_LOCAL];                                       \
  const int A##_cached = channels <= CLRELU_BIAS_LOCAL;                        \
  if (A##_cached) {                                                            \
    for (ulong k = get_local_id(0) * CLRELU_VEC; k < channels;                 \
         k += get_local_size(0) * CLRELU_VEC) {                                \
      if (k + CLRELU_VEC <= channels)                                          \
        VSTORE(LDF_##D(0, A + k), 0, A##_lb + k);                              \
      else                                                                     \
        for (ulong j = k; j < channels; ++j)                                   \
          A##_lb[j] = LD1_##D(A, j);                                            \
    }                                                                          \
    barrier(CLK_LOCAL_MEM_FENCE);                                              \
  }
#define CH_EXTRA_row(A)
#define CH_EXTRA_plane(A)
#define CH_EXTRA_rowl(A) , A##_lb, A##_cached
#define CH_STATE(D, A, pos, c)                                                 \
  ulong A##_pos = (pos), A##_c = (c);                                          \
  float A##_bc = LD1_##D(A, A##_c)
#define CH_NEXT(D, KIND, A)                                                    \
  KIND##_bias_##D(A, inner, channels, &A##_pos, &A##_c,                        \
                  &A##_bc CH_EXTRA_##KIND(A))

/* By the number of channel arrays (1: b; 2: b and s): the kernel's
 * parameters, their offsets, and the per-array steps above. EXPR sees xv
 * (x as float32), bv (b's values) and sv (s's values). */
#define CH_PARAMS_1(D) global const ET_##D *b, ulong bo
#define CH_PARAMS_2(D) CH_PARAMS_1(D), global const ET_##D *s, ulong so
#define CH_OFFSET_1 b += bo
#define CH_OFFSET_2 b += bo, s += so
#define CH_SETUP_1(D, KIND) CH_SETUP_##KIND(D, b)
#define CH_SETUP_2(D, KIND) CH_SETUP_##KIND(D, b) CH_SETUP_##KIND(D, s)
#define CH_STATE_1(D, pos, c) CH_STATE(D, b, pos, c)
#define CH_STATE_2(D, pos, c)                                                  \
  CH_STATE(D, b, pos, c);                                                      \
  CH_STATE(D, s, pos, c)
#define CH_VALUES_1(D, KIND) const floatV bv = CH_NEXT(D, KIND, b)
#define CH_VALUES_2(D, KIND)                                                   \
  const floatV bv = CH_NEXT(D, KIND, b);                                       \
  const floatV sv = CH_NEXT(D, KIND, s)

/* By the number of data inputs (1: x; 2: dy, x): the kernel's parameters,
 * their offsets, a step forward, and the loads of vector i (or a tail
 * [t0, n)) as float32 dv (dy) and xv (x). */
#define IN_PARAMS_1(D) global const ET_##D *x, ulong xo
#define IN_PARAMS_2(D) global const ET_##D *dy, ulong dyo, IN_PARAMS_1(D)
#define IN_OFFSET_1 x += xo
#define IN_OFFSET_2 dy += dyo, x += xo
#define IN_ADVANCE_1(h) x += (h)
#define IN_ADVANCE_2(h) dy += (h), x += (h)
#define IN_LOAD_1(D, i) const floatV xv = LDF_##D(i, x)
#define IN_LOAD_2(D, i)                                                        \
  const floatV dv = LDF_##D(i, dy);                                            \
  IN_LOAD_1(D, i)
#define IN_LOADT_1(D, t0, n) const floatV xv = LDFT_##D(x, t0, n)
#define IN_LOADT_2(D, t0, n)                                                   \
  const floatV dv = LDFT_##D(dy, t0, n);                                       \
  IN_LOADT_1(D, t0, n)

#define CHANNEL_KERNEL(NAME, D, KIND, NIN, NARR, ST, STNT, STT, EXPR)          \
  kernel void NAME(IN_PARAMS_##NIN(D), CH_PARAMS_##NARR(D), global ET_##D *y,  \
                   ulong yo, ulong n, ulong inner, ulong channels,             \
                   ulong phase, float a) {                                     \
    IN_OFFSET_##NIN;                                                           \
    y += yo;                                                                   \
    CH_OFFSET_##NARR;                                                          \
    CH_SETUP_##NARR(D, KIND)                                                   \
    /* the head to y's vector boundary: work-item 0, from element 0 */         \
    const ulong h = min(n, (ulong)HEAD_TO_ALIGN(VT_##D, ET_##D, y));           \
    if (get_global_id(0) == 0 && h > 0) {                                      \
      ulong pos, c;                                                            \
      bias_place(phase, inner, channels, &pos, &c);                            \
      CH_STATE_##NARR(D, pos, c);                                              \
      IN_LOADT_##NIN(D, 0, h);                                                 \
      CH_VALUES_##NARR(D, KIND);                                               \
      STT(EXPR, y, 0, h);                                                      \
    }                                                                          \
    IN_ADVANCE_##NIN(h);                                                       \
    y += h;                                                                    \
    n -= h;                                                                    \
    const ulong nvec = (n + CLRELU_VEC - 1) / CLRELU_VEC;                      \
    const ulong first = FIRST_VECTOR;                                          \
    if (first >= nvec)                                                         \
      return;                                                                  \
    ulong pos, c; /* of the first element */                                   \
    bias_place(phase + h + first * CLRELU_VEC, inner, channels, &pos, &c);     \
    CH_STATE_##NARR(D, pos, c);                                                \
    const ulong full = n / CLRELU_VEC;                                         \
    const ulong end = min(first + CLRELU_ITEMS, full);                         \
    ulong i = first;                                                           \
    if (CLRELU_NT && VEC_ALIGNED(VT_##D, y)) {                                 \
      for (; i < end; ++i) {                                                   \
        IN_LOAD_##NIN(D, i);                                                   \
        CH_VALUES_##NARR(D, KIND);                                             \
        STNT(EXPR, i, y);                                                      \
      }                                                                        \
    } else {                                                                   \
      for (; i < end; ++i) {                                                   \
        IN_LOAD_##NIN(D, i);                                                   \
        CH_VALUES_##NARR(D, KIND);                                             \
        ST(EXPR, i, y);                                                        \
      }                                                                        \
    }                                                                          \
    if (i == full && full < nvec && i < first + CLRELU_ITEMS) {                \
      const ulong t0 = full * CLRELU_VEC;                                      \
      IN_LOADT_##NIN(D, t0, n);                                                \
      CH_VALUES_##NARR(D, KIND);                                               \
      STT(EXPR, y, t0, n);                                                     \
    }                                                                          \
  }

/* The rows and planes kernels in every dtype D: its name suffix, row
 * access and stores. */
#define BIAS_ROW_F32 row
#define BIAS_ROW_F16 rowl
#define BIAS_ROW_BF16 row
#define BIAS_ST_F32 STF_F32
#define BIAS_ST_F16 STB
#define BIAS_ST_BF16 STB
#define BIAS_STNT_F32 STFNT_F32
#define BIAS_STNT_F16 STBNT
#define BIAS_STNT_BF16 STBNT
#define BIAS_STT_F32 STFT_F32
#define BIAS_STT_F16 STBT
#define BIAS_STT_BF16 STBT
/* Expands its arguments (CHANNEL_KERNEL pastes KIND) before the kernel. */
#define CHANNEL(NAME, D, KIND, NIN, NARR, ST, STNT, STT, EXPR)                 \
  CHANNEL_KERNEL(NAME, D, KIND, NIN, NARR, ST, STNT, STT, EXPR)
#define CHANNEL_KERNELS(D, name, NIN, NARR, EXPR)                              \
  CHANNEL(PASTE(clrelu_##name##_rows, DTYPE_SFX_##D), D, BIAS_ROW_##D, NIN,     \
          NARR, BIAS_ST_##D, BIAS_STNT_##D, BIAS_STT_##D, EXPR)                \
  CHANNEL(PASTE(clrelu_##name##_planes, DTYPE_SFX_##D), D, plane, NIN, NARR,    \
          BIAS_ST_##D, BIAS_STNT_##D, BIAS_STT_##D, EXPR)

/* Every row of CLRELU_BIAS_ACTS (src/optable.h): t = x + bias, a(t). */
#define BIAS_ACT_F32(ID) ACTF_##ID(xv + bv)
#define BIAS_ACT_F16(ID) ACTH_##ID(xv + bv, F16)
#define BIAS_ACT_BF16(ID) ACTH_##ID(xv + bv, BF16)
#define BIAS_KERNELS(D, ID, name, param)                                       \
  CHANNEL_KERNELS(D, bias_##name, 1, 1, BIAS_ACT_##D(ID))
#if CLRELU_STAMPS(1, 0)
CLRELU_BIAS_ACTS(BIAS_KERNELS, F32)
#elif CLRELU_STAMPS(1, 1)
CLRELU_BIAS_ACTS(BIAS_KERNELS, F16)
#elif CLRELU_STAMPS(1, 2)
CLRELU_BIAS_ACTS(BIAS_KERNELS, BF16)
#endif

/* Every row of CLRELU_SLOPE_OPS: PReLU of x (the slopes in b), of
 * t = x + bias (the slopes in s), and PReLU's dx (the slopes in b). */
#define SLOPE_PRELU(D) R16_##D(op_prelu(xv, bv))
#define SLOPE_BIAS_PRELU(D) R16_##D(op_prelu(xv + bv, sv))
#define SLOPE_PRELU_BACKWARD(D) R16_##D(op_prelu_backward(dv, xv, bv))
#define SLOPE_KERNELS(D, ID, name, inputs, arrays)                             \
  CHANNEL_KERNELS(D, name, inputs, arrays, SLOPE_##ID(D))
#if CLRELU_STAMPS(2, 0)
CLRELU_SLOPE_OPS(SLOPE_KERNELS, F32)
#elif CLRELU_STAMPS(2, 1)
CLRELU_SLOPE_OPS(SLOPE_KERNELS, F16)
#elif CLRELU_STAMPS(2, 2)
CLRELU_SLOPE_OPS(SLOPE_KERNELS, BF16)
#endif
