/* Elementwise kernels: elements [0, n) of views starting at element offsets
 * xo, yo, ... of their buffers. Work-item 0 also does the elements before the
 * output's first vector boundary (with streaming stores) and the last few
 * that make no whole vector. No work-item touches anything outside [0, n).
 *
 * A kernel is stamped out from its access macros: ET the element type, VT its
 * vector, LD/ST/STNT/LDT/STT as in common.cl, and EXPR the op on loaded
 * vectors v (x) and d (dy), with a the float alpha. */

#define UNARY_KERNEL(NAME, ET, VT, LD, ST, STNT, LDT, STT, EXPR)               \
  kernel void NAME(global const ET *x, ulong xo, global ET *y, ulong yo,       \
                   ulong n, float a) {                                         \
    x += xo;                                                                   \
    y += yo;                                                                   \
    const ulong h = min(n, (ulong)HEAD_TO_ALIGN(VT, ET, y));                   \
    if (get_global_id(0) == 0 && h > 0) {                                      \
      const VT_IN v = LDT(x, 0, h);                                            \
      STT(EXPR, y, 0, h);                                                      \
    }                                                                          \
    x += h;                                                                    \
    y += h;                                                                    \
    n -= h;                                                                    \
    const ulong nvec = n / CLRELU_VEC;                                         \
    if (CLRELU_NT && VEC_ALIGNED(VT, y)) {                                     \
      FOR_MY_VECTORS(i, nvec) {                                                \
        const VT_IN v = LD(i, x);                                              \
        STNT(EXPR, i, y);                                                      \
      }                                                                        \
    } else {                                                                   \
      FOR_MY_VECTORS(i, nvec) {                                                \
        const VT_IN v = LD(i, x);                                              \
        ST(EXPR, i, y);                                                        \
      }                                                                        \
    }                                                                          \
    const ulong t0 = nvec * CLRELU_VEC;                                        \
    if (get_global_id(0) == 0 && t0 < n) {                                     \
      const VT_IN v = LDT(x, t0, n);                                           \
      STT(EXPR, y, t0, n);                                                     \
    }                                                                          \
  }

#define BINARY_KERNEL(NAME, ET, VT, LD, ST, STNT, LDT, STT, EXPR)              \
  kernel void NAME(global const ET *dy, ulong dyo, global const ET *x,         \
                   ulong xo, global ET *dx, ulong dxo, ulong n, float a) {     \
    dy += dyo;                                                                 \
    x += xo;                                                                   \
    dx += dxo;                                                                 \
    const ulong h = min(n, (ulong)HEAD_TO_ALIGN(VT, ET, dx));                  \
    if (get_global_id(0) == 0 && h > 0) {                                      \
      const VT_IN d = LDT(dy, 0, h);                                           \
      const VT_IN v = LDT(x, 0, h);                                            \
      STT(EXPR, dx, 0, h);                                                     \
    }                                                                          \
    dy += h;                                                                   \
    x += h;                                                                    \
    dx += h;                                                                   \
    n -= h;                                                                    \
    const ulong nvec = n / CLRELU_VEC;                                         \
    if (CLRELU_NT && VEC_ALIGNED(VT, dx)) {                                    \
      FOR_MY_VECTORS(i, nvec) {                                                \
        const VT_IN d = LD(i, dy);                                             \
        const VT_IN v = LD(i, x);                                              \
        STNT(EXPR, i, dx);                                                     \
      }                                                                        \
    } else {                                                                   \
      FOR_MY_VECTORS(i, nvec) {                                                \
        const VT_IN d = LD(i, dy);                                             \
        const VT_IN v = LD(i, x);                                              \
        ST(EXPR, i, dx);                                                       \
      }                                                                        \
    }                                                                          \
    const ulong t0 = nvec * CLRELU_VEC;                                        \
    if (get_global_id(0) == 0 && t0 < n) {                                     \
      const VT_IN d = LDT(dy, t0, n);                                          \
      const VT_IN v = LDT(x, t0, n);                                           \
      STT(EXPR, dx, t0, n);                                                    \
    }                                                                          \
  }

/* The kernels of every row of CLRELU_ELTWISE_OPS (src/optable.h), by its
 * inputs: float32, then 16-bit on the bits, then 16-bit in float32. */
#define KERNEL_1 UNARY_KERNEL
#define KERNEL_2 BINARY_KERNEL

#define VT_IN floatV
#define F32_KERNEL(C, ID, name, inputs, param, out, bits16)                    \
  KERNEL_##inputs(clrelu_##name, float, floatV, LDF_F32, STF_F32, STFNT_F32,   \
                  LDFT_F32, STFT_F32, OPF_##ID)
#if CLRELU_STAMPS(0, 0)
CLRELU_ELTWISE_OPS(F32_KERNEL, 0)
#endif
#undef VT_IN

#define VT_IN ushortV
/* C: the dtype (F16 or BF16) */
#define BITS_KERNEL_D(ID, name, inputs, D)                                     \
  KERNEL_##inputs(PASTE(clrelu_##name, DTYPE_SFX_##D), ushort, ushortV, LDB,   \
                  STB, STBNT, LDBT, STBT, OPB_##ID(D))
#define BITS_KERNEL(C, ID, name, inputs, param, out, bits16)                   \
  CLRELU_WHEN_##bits16(BITS_KERNEL_D(ID, name, inputs, C))
#if CLRELU_STAMPS(0, 1)
CLRELU_ELTWISE_OPS(BITS_KERNEL, F16)
#elif CLRELU_STAMPS(0, 2)
CLRELU_ELTWISE_OPS(BITS_KERNEL, BF16)
#endif
#undef VT_IN

#define VT_IN v16
#define HALF_KERNEL_D(ID, name, inputs, D)                                     \
  KERNEL_##inputs(PASTE(clrelu_##name, DTYPE_SFX_##D), ushort, ushortV,        \
                  LDV_##D, STB, STBNT, LDVT_##D, STBT, OPH_##ID(D))
#define HALF_KERNEL(C, ID, name, inputs, param, out, bits16)                   \
  CLRELU_UNLESS_##bits16(HALF_KERNEL_D(ID, name, inputs, C))
#if CLRELU_STAMPS(0, 1)
CLRELU_ELTWISE_OPS(HALF_KERNEL, F16)
#elif CLRELU_STAMPS(0, 2)
CLRELU_ELTWISE_OPS(HALF_KERNEL, BF16)
#endif
#undef VT_IN
