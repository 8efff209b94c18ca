/* Elementwise kernels: elements [0, n) of views starting at element offsets
 * xo, yo, ... of their buffers. Work-item 0 also does the last n % VEC
 * elements. No work-item touches anything outside [0, n). */

#define UNARY_KERNEL(NAME, EXPR)                                               \
  kernel void NAME(global const float *x, ulong xo, global float *y, ulong yo, \
                   ulong n, float a) {                                         \
    x += xo;                                                                   \
    y += yo;                                                                   \
    const ulong nvec = n / CLRELU_VEC;                                         \
    if (CLRELU_NT && VEC_ALIGNED(y)) {                                         \
      FOR_MY_VECTORS(i, nvec) {                                                \
        floatV v = VLOAD(i, x);                                                \
        STORE_NT(EXPR, i, y);                                                  \
      }                                                                        \
    } else {                                                                   \
      FOR_MY_VECTORS(i, nvec) {                                                \
        floatV v = VLOAD(i, x);                                                \
        VSTORE(EXPR, i, y);                                                    \
      }                                                                        \
    }                                                                          \
    const ulong t0 = nvec * CLRELU_VEC;                                        \
    if (get_global_id(0) == 0 && t0 < n) {                                     \
      floatV v = load_tail(x, t0, n);                                          \
      store_tail(EXPR, y, t0, n);                                              \
    }                                                                          \
  }

#define BINARY_KERNEL(NAME, EXPR)                                              \
  kernel void NAME(global const float *dy, ulong dyo, global const float *x,   \
                   ulong xo, global float *dx, ulong dxo, ulong n, float a) {  \
    dy += dyo;                                                                 \
    x += xo;                                                                   \
    dx += dxo;                                                                 \
    const ulong nvec = n / CLRELU_VEC;                                         \
    if (CLRELU_NT && VEC_ALIGNED(dx)) {                                        \
      FOR_MY_VECTORS(i, nvec) {                                                \
        floatV d = VLOAD(i, dy);                                               \
        floatV v = VLOAD(i, x);                                                \
        STORE_NT(EXPR, i, dx);                                                 \
      }                                                                        \
    } else {                                                                   \
      FOR_MY_VECTORS(i, nvec) {                                                \
        floatV d = VLOAD(i, dy);                                               \
        floatV v = VLOAD(i, x);                                                \
        VSTORE(EXPR, i, dx);                                                   \
      }                                                                        \
    }                                                                          \
    const ulong t0 = nvec * CLRELU_VEC;                                        \
    if (get_global_id(0) == 0 && t0 < n) {                                     \
      floatV d = load_tail(dy, t0, n);                                         \
      floatV v = load_tail(x, t0, n);                                          \
      store_tail(EXPR, dx, t0, n);                                             \
    }                                                                          \
  }

UNARY_KERNEL(clrelu_relu, op_relu(v))
UNARY_KERNEL(clrelu_relu_derivative, op_relu_derivative(v))
UNARY_KERNEL(clrelu_leaky_relu, op_leaky_relu(v, a))
BINARY_KERNEL(clrelu_relu_backward, op_relu_backward(d, v))
BINARY_KERNEL(clrelu_leaky_relu_backward, op_leaky_relu_backward(d, v, a))
