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

/* The biases of the vector starting at row position *pos, and the position
 * of the next vector. BIAS(c) is bias c as float. */
#define ROW_BIAS_FUNCTION(D, BIAS)                                             \
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
      t[j] = BIAS(*pos);                                                       \
      if (++*pos == channels)                                                  \
        *pos = 0;                                                              \
    }                                                                          \
    return ORDER_##D(VLOAD(0, t));                                             \
  }

/* The bias of the vector starting at plane position *pos of channel *c, whose
 * bias is *bc, and the position, channel and bias of the next vector.
 * BIAS(c) is bias c as float. */
#define PLANE_BIAS_FUNCTION(D, BIAS)                                           \
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
      const float b2 = BIAS(c2);                                               \
      const floatV bv =                                                        \
          select((floatV)(b2), (floatV)(*bc), LANES_##D < (intV)(int)rem);     \
      *pos = CLRELU_VEC - rem;                                                 \
      *c = c2;                                                                 \
      *bc = b2;                                                                \
      return bv;                                                               \
    }                                                                          \
    float t[CLRELU_VEC]; /* small planes: lane by lane */                      \
    for (int j = 0; j < CLRELU_VEC; ++j) {                                     \
      t[j] = BIAS(*c);                                                         \
      if (++*pos == inner) {                                                   \
        *pos = 0;                                                              \
        *c = *c + 1 == channels ? 0 : *c + 1;                                  \
      }                                                                        \
    }                                                                          \
    *bc = BIAS(*c);                                                            \
    return ORDER_##D(VLOAD(0, t));                                             \
  }
#define BIAS_F32(c) b[c]
#define BIAS_F16(c) f16_to_f32_1(b[c])
#define BIAS_BF16(c) as_float((uint)b[c] << 16)
PLANE_BIAS_FUNCTION(F32, BIAS_F32)
PLANE_BIAS_FUNCTION(F16, BIAS_F16)
PLANE_BIAS_FUNCTION(BF16, BIAS_BF16)
ROW_BIAS_FUNCTION(F32, BIAS_F32)
ROW_BIAS_FUNCTION(F16, BIAS_F16)
ROW_BIAS_FUNCTION(BF16, BIAS_BF16)

/* F16 rows: converting the biases costs as much as converting x, so a
 * work-group converts them once into local memory (when they fit) and its
 * work-items, which cover many rows, read them from there. */
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
/* At the kernel's start, before any work-item returns. */
#define BIAS_SETUP_row(D)
#define BIAS_SETUP_plane(D)
#define BIAS_SETUP_rowl(D)                                                     \
  local float lb[CLRELU_BIAS_LOCAL];                                           \
  const int lcached = channels <= CLRELU_BIAS_LOCAL;                           \
  if (lcached) {                                                               \
    for (ulong k = get_local_id(0) * CLRELU_VEC; k < channels;                 \
         k += get_local_size(0) * CLRELU_VEC) {                                \
      if (k + CLRELU_VEC <= channels)                                          \
        VSTORE(LDF_##D(0, b + k), 0, lb + k);                                  \
      else                                                                     \
        for (ulong j = k; j < channels; ++j)                                   \
          lb[j] = BIAS_##D(j);                                                 \
    }                                                                          \
    barrier(CLK_LOCAL_MEM_FENCE);                                              \
  }
#define BIAS_EXTRA_row
#define BIAS_EXTRA_plane
#define BIAS_EXTRA_rowl , lb, lcached

/* The next vector's biases, in the dtype's lane order. */
#define NEXT_BIAS(D, KIND)                                                     \
  KIND##_bias_##D(b, inner, channels, &pos, &c, &bc BIAS_EXTRA_##KIND)

#define BIAS_FLAT_KERNEL(NAME, D, KIND, ST, STNT, STT, EXPR)                   \
  kernel void NAME(global const ET_##D *x, ulong xo, global const ET_##D *b,   \
                   ulong bo, global ET_##D *y, ulong yo, ulong n, ulong inner, \
                   ulong channels, ulong phase, float a) {                     \
    x += xo;                                                                   \
    y += yo;                                                                   \
    b += bo;                                                                   \
    BIAS_SETUP_##KIND(D)                                                       \
    /* the head to y's vector boundary: work-item 0, from element 0 */         \
    const ulong h = min(n, (ulong)HEAD_TO_ALIGN(VT_##D, ET_##D, y));           \
    if (get_global_id(0) == 0 && h > 0) {                                      \
      ulong pos, c;                                                            \
      bias_place(phase, inner, channels, &pos, &c);                            \
      float bc = BIAS_##D(c);                                                  \
      const floatV t = LDFT_##D(x, 0, h) + NEXT_BIAS(D, KIND);                 \
      STT(EXPR, y, 0, h);                                                      \
    }                                                                          \
    x += h;                                                                    \
    y += h;                                                                    \
    n -= h;                                                                    \
    const ulong nvec = (n + CLRELU_VEC - 1) / CLRELU_VEC;                      \
    const ulong first = FIRST_VECTOR;                                          \
    if (first >= nvec)                                                         \
      return;                                                                  \
    ulong pos, c; /* of the first element */                                   \
    bias_place(phase + h + first * CLRELU_VEC, inner, channels, &pos, &c);     \
    float bc = BIAS_##D(c); /* the bias of channel c */                        \
    const ulong full = n / CLRELU_VEC;                                         \
    const ulong end = min(first + CLRELU_ITEMS, full);                         \
    ulong i = first;                                                           \
    if (CLRELU_NT && VEC_ALIGNED(VT_##D, y)) {                                 \
      for (; i < end; ++i) {                                                   \
        const floatV t = LDF_##D(i, x) + NEXT_BIAS(D, KIND);                   \
        STNT(EXPR, i, y);                                                      \
      }                                                                        \
    } else {                                                                   \
      for (; i < end; ++i) {                                                   \
        const floatV t = LDF_##D(i, x) + NEXT_BIAS(D, KIND);                   \
        ST(EXPR, i, y);                                                        \
      }                                                                        \
    }                                                                          \
    if (i == full && full < nvec && i < first + CLRELU_ITEMS) {                \
      const ulong t0 = full * CLRELU_VEC;                                      \
      const floatV t = LDFT_##D(x, t0, n) + NEXT_BIAS(D, KIND);                \
      STT(EXPR, y, t0, n);                                                     \
    }                                                                          \
  }

/* The rows and planes kernels of every row of CLRELU_BIAS_ACTS
 * (src/optable.h) in every dtype D: its name suffix, row access, stores and
 * activation. */
#define BIAS_SFX_F32
#define BIAS_SFX_F16 _f16
#define BIAS_SFX_BF16 _bf16
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
#define BIAS_ACT_F32(ID) ACTF_##ID(t)
#define BIAS_ACT_F16(ID) ACTH_##ID(t, F16)
#define BIAS_ACT_BF16(ID) ACTH_##ID(t, BF16)
/* Expands its arguments (BIAS_FLAT_KERNEL pastes KIND) before the kernel. */
#define BIAS_FLAT(NAME, D, KIND, ST, STNT, STT, EXPR)                          \
  BIAS_FLAT_KERNEL(NAME, D, KIND, ST, STNT, STT, EXPR)
#define BIAS_KERNELS(D, ID, name, param)                                       \
  BIAS_FLAT(PASTE(clrelu_bias_##name##_rows, BIAS_SFX_##D), D, BIAS_ROW_##D,   \
            BIAS_ST_##D, BIAS_STNT_##D, BIAS_STT_##D, BIAS_ACT_##D(ID))        \
  BIAS_FLAT(PASTE(clrelu_bias_##name##_planes, BIAS_SFX_##D), D, plane,        \
            BIAS_ST_##D, BIAS_STNT_##D, BIAS_STT_##D, BIAS_ACT_##D(ID))

CLRELU_BIAS_ACTS(BIAS_KERNELS, F32)
CLRELU_BIAS_ACTS(BIAS_KERNELS, F16)
CLRELU_BIAS_ACTS(BIAS_KERNELS, BF16)
