/* Fused bias + activation: y = act(x + bias), one pass over memory.
 *
 * The host describes the tensor as `rows` rows of `len` elements:
 *   per_elem = 1: every row adds bias[0 .. len) (dense and NHWC: inner == 1);
 *   per_elem = 0: row r adds bias[r % channels] (NCHW planes, or one row when
 *                 channels == 1).
 * Each row is cut into chunks of CLRELU_VEC * CLRELU_ITEMS elements; one
 * work-item does one chunk, so finding its row costs one division per chunk,
 * not one per element. */

#define CLRELU_CHUNK (CLRELU_VEC * CLRELU_ITEMS)

#define BIAS_KERNEL(NAME, EXPR)                                                \
  kernel void NAME(global const float *x, ulong xo, global const float *b,     \
                   ulong bo, global float *y, ulong yo, ulong rows, ulong len, \
                   ulong chunks, ulong channels, int per_elem, float a) {      \
    const ulong g = get_global_id(0);                                          \
    const ulong r = g / chunks;                                                \
    if (r >= rows)                                                             \
      return;                                                                  \
    const ulong start = (g - r * chunks) * CLRELU_CHUNK;                       \
    const ulong cnt = min((ulong)CLRELU_CHUNK, len - start);                   \
    const ulong nvec = cnt / CLRELU_VEC;                                       \
    global const float *xp = x + xo + r * len + start;                         \
    global float *yp = y + yo + r * len + start;                               \
    b += bo;                                                                   \
    if (per_elem) {                                                            \
      global const float *bp = b + start;                                      \
      if (CLRELU_NT && VEC_ALIGNED(yp)) {                                      \
        for (ulong i = 0; i < nvec; ++i) {                                     \
          floatV t = VLOAD(i, xp) + VLOAD(i, bp);                              \
          STORE_NT(EXPR, i, yp);                                               \
        }                                                                      \
      } else {                                                                 \
        for (ulong i = 0; i < nvec; ++i) {                                     \
          floatV t = VLOAD(i, xp) + VLOAD(i, bp);                              \
          VSTORE(EXPR, i, yp);                                                 \
        }                                                                      \
      }                                                                        \
      if (nvec * CLRELU_VEC < cnt) {                                           \
        floatV t = load_tail(xp, nvec * CLRELU_VEC, cnt) +                     \
                   load_tail(bp, nvec * CLRELU_VEC, cnt);                      \
        store_tail(EXPR, yp, nvec * CLRELU_VEC, cnt);                          \
      }                                                                        \
    } else {                                                                   \
      const float bs = b[r % channels];                                        \
      if (CLRELU_NT && VEC_ALIGNED(yp)) {                                      \
        for (ulong i = 0; i < nvec; ++i) {                                     \
          floatV t = VLOAD(i, xp) + bs;                                        \
          STORE_NT(EXPR, i, yp);                                               \
        }                                                                      \
      } else {                                                                 \
        for (ulong i = 0; i < nvec; ++i) {                                     \
          floatV t = VLOAD(i, xp) + bs;                                        \
          VSTORE(EXPR, i, yp);                                                 \
        }                                                                      \
      }                                                                        \
      if (nvec * CLRELU_VEC < cnt) {                                           \
        floatV t = load_tail(xp, nvec * CLRELU_VEC, cnt) + bs;                 \
        store_tail(EXPR, yp, nvec * CLRELU_VEC, cnt);                          \
      }                                                                        \
    }                                                                          \
  }

BIAS_KERNEL(clrelu_bias_relu, op_relu(t))
BIAS_KERNEL(clrelu_bias_leaky_relu, op_leaky_relu(t, a))
