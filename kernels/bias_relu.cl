/* Fused bias + activation: y = act(x + bias), one pass over memory.
 *
 * Two kernels per activation:
 * - rows: `rows` rows of `len` elements, every row adding bias[0 .. len)
 *   (dense and NHWC: inner == 1). Each row is cut into chunks of
 *   CLRELU_VEC * CLRELU_ITEMS elements and one work-item does one chunk, so
 *   finding its row costs one division per chunk, not one per element.
 * - planes: planes of `inner` elements, plane p adding bias[p % channels]
 *   (NCHW; channels == 1 is one plane of everything). Work-items take
 *   CLRELU_ITEMS vectors of the flat array, as the elementwise kernels do;
 *   a work-item finds its plane once and then steps the plane boundary along,
 *   selecting per lane where a vector straddles one. */

#define CLRELU_CHUNK (CLRELU_VEC * CLRELU_ITEMS)

#define BIAS_ROWS_KERNEL(NAME, EXPR)                                           \
  kernel void NAME(global const float *x, ulong xo, global const float *b,     \
                   ulong bo, global float *y, ulong yo, ulong rows, ulong len, \
                   ulong chunks, float a) {                                    \
    const ulong g = get_global_id(0);                                          \
    const ulong r = g / chunks;                                                \
    if (r >= rows)                                                             \
      return;                                                                  \
    const ulong start = (g - r * chunks) * CLRELU_CHUNK;                       \
    const ulong cnt = min((ulong)CLRELU_CHUNK, len - start);                   \
    const ulong nvec = cnt / CLRELU_VEC;                                       \
    global const float *xp = x + xo + r * len + start;                         \
    global float *yp = y + yo + r * len + start;                               \
    global const float *bp = b + bo + start;                                   \
    if (CLRELU_NT && VEC_ALIGNED(yp)) {                                        \
      for (ulong i = 0; i < nvec; ++i) {                                       \
        floatV t = VLOAD(i, xp) + VLOAD(i, bp);                                \
        STORE_NT(EXPR, i, yp);                                                 \
      }                                                                        \
    } else {                                                                   \
      for (ulong i = 0; i < nvec; ++i) {                                       \
        floatV t = VLOAD(i, xp) + VLOAD(i, bp);                                \
        VSTORE(EXPR, i, yp);                                                   \
      }                                                                        \
    }                                                                          \
    if (nvec * CLRELU_VEC < cnt) {                                             \
      floatV t = load_tail(xp, nvec * CLRELU_VEC, cnt) +                       \
                 load_tail(bp, nvec * CLRELU_VEC, cnt);                        \
      store_tail(EXPR, yp, nvec * CLRELU_VEC, cnt);                            \
    }                                                                          \
  }

/* The bias of the vector starting at plane position *pos of channel *c, and
 * the position and channel of the next vector. */
inline floatV plane_bias(global const float *b, ulong inner, ulong channels,
                         ulong *pos, ulong *c) {
  const ulong rem = inner - *pos; /* elements left in this plane, >= 1 */
  if (rem > CLRELU_VEC) {
    *pos += CLRELU_VEC;
    return (floatV)(b[*c]);
  }
  if (inner >= CLRELU_VEC) { /* at most one boundary in the vector */
    const ulong c2 = *c + 1 == channels ? 0 : *c + 1;
    const floatV bv = select((floatV)(b[c2]), (floatV)(b[*c]),
                             CLRELU_LANES < (intV)(int)rem);
    *pos = CLRELU_VEC - rem;
    *c = c2;
    return bv;
  }
  float t[CLRELU_VEC]; /* small planes: lane by lane */
  for (int j = 0; j < CLRELU_VEC; ++j) {
    t[j] = b[*c];
    if (++*pos == inner) {
      *pos = 0;
      *c = *c + 1 == channels ? 0 : *c + 1;
    }
  }
  return VLOAD(0, t);
}

#define BIAS_PLANES_KERNEL(NAME, EXPR)                                         \
  kernel void NAME(global const float *x, ulong xo, global const float *b,     \
                   ulong bo, global float *y, ulong yo, ulong n, ulong inner,  \
                   ulong channels, float a) {                                  \
    x += xo;                                                                   \
    y += yo;                                                                   \
    b += bo;                                                                   \
    const ulong nvec = (n + CLRELU_VEC - 1) / CLRELU_VEC;                      \
    const ulong first = FIRST_VECTOR;                                          \
    if (first >= nvec)                                                         \
      return;                                                                  \
    const ulong p = first * CLRELU_VEC / inner;                                \
    ulong pos = first * CLRELU_VEC - p * inner;                                \
    ulong c = p % channels;                                                    \
    const ulong full = n / CLRELU_VEC;                                         \
    const ulong end = min(first + CLRELU_ITEMS, full);                         \
    ulong i = first;                                                           \
    if (CLRELU_NT && VEC_ALIGNED(y)) {                                         \
      for (; i < end; ++i) {                                                   \
        floatV t = VLOAD(i, x) + plane_bias(b, inner, channels, &pos, &c);     \
        STORE_NT(EXPR, i, y);                                                  \
      }                                                                        \
    } else {                                                                   \
      for (; i < end; ++i) {                                                   \
        floatV t = VLOAD(i, x) + plane_bias(b, inner, channels, &pos, &c);     \
        VSTORE(EXPR, i, y);                                                    \
      }                                                                        \
    }                                                                          \
    if (i == full && full < nvec && i < first + CLRELU_ITEMS) {                \
      const ulong t0 = full * CLRELU_VEC;                                      \
      floatV t = load_tail(x, t0, n) + plane_bias(b, inner, channels, &pos, &c); \
      store_tail(EXPR, y, t0, n);                                              \
    }                                                                          \
  }

BIAS_ROWS_KERNEL(clrelu_bias_relu_rows, op_relu(t))
BIAS_ROWS_KERNEL(clrelu_bias_leaky_relu_rows, op_leaky_relu(t, a))
BIAS_PLANES_KERNEL(clrelu_bias_relu_planes, op_relu(t))
BIAS_PLANES_KERNEL(clrelu_bias_leaky_relu_planes, op_leaky_relu(t, a))
