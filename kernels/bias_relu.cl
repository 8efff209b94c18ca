/* Fused bias + activation: y = act(x + bias), one pass over memory; the sum
 * is rounded to float32 once, the result once to the dtype.
 *
 * Two kernels per activation and dtype:
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

/* One run of cnt elements: x0, b0, y0 (pointers), the row's head to the
 * output's vector boundary first. */
#define BIAS_ROW(D, EXPR, x0, b0, y0, cnt0)                                    \
  {                                                                            \
    global const ET_##D *xp = (x0), *bp = (b0);                                \
    global ET_##D *yp = (y0);                                                  \
    ulong cnt = (cnt0);                                                        \
    const ulong h = min(cnt, (ulong)HEAD_TO_ALIGN(VT_##D, ET_##D, yp));       \
    if (h > 0) {                                                               \
      const floatV t = LDFT_##D(xp, 0, h) + LDFT_##D(bp, 0, h);                \
      STFT_##D(EXPR, yp, 0, h);                                                \
      xp += h;                                                                 \
      bp += h;                                                                 \
      yp += h;                                                                 \
      cnt -= h;                                                                \
    }                                                                          \
    const ulong nvec = cnt / CLRELU_VEC;                                       \
    if (CLRELU_NT && VEC_ALIGNED(VT_##D, yp)) {                                \
      for (ulong i = 0; i < nvec; ++i) {                                       \
        const floatV t = LDF_##D(i, xp) + LDF_##D(i, bp);                      \
        STFNT_##D(EXPR, i, yp);                                                \
      }                                                                        \
    } else {                                                                   \
      for (ulong i = 0; i < nvec; ++i) {                                       \
        const floatV t = LDF_##D(i, xp) + LDF_##D(i, bp);                      \
        STF_##D(EXPR, i, yp);                                                  \
      }                                                                        \
    }                                                                          \
    if (nvec * CLRELU_VEC < cnt) {                                             \
      const floatV t = LDFT_##D(xp, nvec * CLRELU_VEC, cnt) +                  \
                       LDFT_##D(bp, nvec * CLRELU_VEC, cnt);                   \
      STFT_##D(EXPR, yp, nvec * CLRELU_VEC, cnt);                              \
    }                                                                          \
  }

/* Work-item g does chunk g % chunks of row g / chunks; when a row fits in
 * one chunk (chunks == 1), it does rows [g * rpi, g * rpi + rpi) instead. */
#define BIAS_ROWS_KERNEL(NAME, D, EXPR)                                        \
  kernel void NAME(global const ET_##D *x, ulong xo, global const ET_##D *b,   \
                   ulong bo, global ET_##D *y, ulong yo, ulong rows,           \
                   ulong len, ulong chunks, ulong rpi, float a) {              \
    const ulong g = get_global_id(0);                                          \
    x += xo;                                                                   \
    y += yo;                                                                   \
    b += bo;                                                                   \
    if (chunks == 1) {                                                         \
      const ulong r0 = g * rpi, r1 = min(r0 + rpi, rows);                      \
      for (ulong r = r0; r < r1; ++r)                                          \
        BIAS_ROW(D, EXPR, (x + r * len), b, (y + r * len), len)                \
      return;                                                                  \
    }                                                                          \
    const ulong r = g / chunks;                                                \
    if (r >= rows)                                                             \
      return;                                                                  \
    const ulong start = (g - r * chunks) * CLRELU_CHUNK;                       \
    BIAS_ROW(D, EXPR, (x + r * len + start), (b + start),                      \
             (y + r * len + start), min((ulong)CLRELU_CHUNK, len - start))     \
  }

/* The bias of the vector starting at plane position *pos of channel *c, and
 * the position and channel of the next vector. BIAS(c) is bias c as float. */
#define PLANE_BIAS_FUNCTION(D, BIAS)                                           \
  inline floatV plane_bias_##D(global const ET_##D *b, ulong inner,            \
                               ulong channels, ulong *pos, ulong *c) {         \
    const ulong rem = inner - *pos; /* elements left in the plane, >= 1 */     \
    if (rem > CLRELU_VEC) {                                                    \
      *pos += CLRELU_VEC;                                                      \
      return (floatV)(BIAS(*c));                                               \
    }                                                                          \
    if (inner >= CLRELU_VEC) { /* at most one boundary in the vector */        \
      const ulong c2 = *c + 1 == channels ? 0 : *c + 1;                        \
      const floatV bv = select((floatV)(BIAS(c2)), (floatV)(BIAS(*c)),         \
                               CLRELU_LANES < (intV)(int)rem);                 \
      *pos = CLRELU_VEC - rem;                                                 \
      *c = c2;                                                                 \
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
    return VLOAD(0, t);                                                        \
  }
#define BIAS_F32(c) b[c]
#define BIAS_F16(c) f16_to_f32((ushortV)(b[c])).s0
#define BIAS_BF16(c) as_float((uint)b[c] << 16)
PLANE_BIAS_FUNCTION(F32, BIAS_F32)
PLANE_BIAS_FUNCTION(F16, BIAS_F16)
PLANE_BIAS_FUNCTION(BF16, BIAS_BF16)

/* The next vector's biases, in the dtype's lane order. */
#define PLANE_BIAS(D)                                                          \
  ORDER_##D(plane_bias_##D(b, inner, channels, &pos, &c))

#define BIAS_PLANES_KERNEL(NAME, D, EXPR)                                      \
  kernel void NAME(global const ET_##D *x, ulong xo, global const ET_##D *b,   \
                   ulong bo, global ET_##D *y, ulong yo, ulong n, ulong inner, \
                   ulong channels, float a) {                                  \
    x += xo;                                                                   \
    y += yo;                                                                   \
    b += bo;                                                                   \
    /* the head to y's vector boundary: work-item 0, from plane 0 */          \
    const ulong h = min(n, (ulong)HEAD_TO_ALIGN(VT_##D, ET_##D, y));           \
    if (get_global_id(0) == 0 && h > 0) {                                      \
      ulong pos = 0, c = 0;                                                    \
      const floatV t = LDFT_##D(x, 0, h) + PLANE_BIAS(D);                      \
      STFT_##D(EXPR, y, 0, h);                                                 \
    }                                                                          \
    x += h;                                                                    \
    y += h;                                                                    \
    n -= h;                                                                    \
    const ulong nvec = (n + CLRELU_VEC - 1) / CLRELU_VEC;                      \
    const ulong first = FIRST_VECTOR;                                          \
    if (first >= nvec)                                                         \
      return;                                                                  \
    const ulong p = (h + first * CLRELU_VEC) / inner;                          \
    ulong pos = h + first * CLRELU_VEC - p * inner;                            \
    ulong c = p % channels;                                                    \
    const ulong full = n / CLRELU_VEC;                                         \
    const ulong end = min(first + CLRELU_ITEMS, full);                         \
    ulong i = first;                                                           \
    if (CLRELU_NT && VEC_ALIGNED(VT_##D, y)) {                                 \
      for (; i < end; ++i) {                                                   \
        const floatV t = LDF_##D(i, x) + PLANE_BIAS(D);                        \
        STFNT_##D(EXPR, i, y);                                                 \
      }                                                                        \
    } else {                                                                   \
      for (; i < end; ++i) {                                                   \
        const floatV t = LDF_##D(i, x) + PLANE_BIAS(D);                        \
        STF_##D(EXPR, i, y);                                                   \
      }                                                                        \
    }                                                                          \
    if (i == full && full < nvec && i < first + CLRELU_ITEMS) {                \
      const ulong t0 = full * CLRELU_VEC;                                      \
      const floatV t = LDFT_##D(x, t0, n) + PLANE_BIAS(D);                     \
      STFT_##D(EXPR, y, t0, n);                                                \
    }                                                                          \
  }

#define BIAS_KERNELS(SUFFIX, D)                                                \
  BIAS_ROWS_KERNEL(clrelu_bias_relu_rows##SUFFIX, D, op_relu(t))               \
  BIAS_ROWS_KERNEL(clrelu_bias_leaky_relu_rows##SUFFIX, D,                     \
                   op_leaky_relu(t, a))                                        \
  BIAS_PLANES_KERNEL(clrelu_bias_relu_planes##SUFFIX, D, op_relu(t))           \
  BIAS_PLANES_KERNEL(clrelu_bias_leaky_relu_planes##SUFFIX, D,                 \
                     op_leaky_relu(t, a))

BIAS_KERNELS(, F32)
BIAS_KERNELS(_f16, F16)
BIAS_KERNELS(_bf16, BF16)
