/* Names, shapes and byte counts of what clrelu-bench measures. */
#include "bench.h"

const char *const bench_op_names[OP_COUNT] = {
    "relu",       "relu_derivative",     "relu_backward",
    "leaky_relu", "leaky_relu_backward", "bias_relu"};

const char *const bench_dtype_names[BENCH_NDTYPES] = {"f32", "f16", "bf16"};

const char *const bench_layout_names[LAY_COUNT] = {"dense", "nchw7x7",
                                                   "nchw112x112", "nhwc", "c1"};

const char *const bench_layout_help[LAY_COUNT] = {
    "[N][1024], inner 1", "NCHW, C <= 64, H*W = 7*7",
    "NCHW, C <= 64, H*W = 112*112", "NHWC, C = 64 (inner 1)", "channels = 1"};

const char *const bench_path_names[P_COUNT] = {
    "dev-kernel",   "dev-call",   "e2e",      "cpu-1t",      "cpu-all",
    "2pass-kernel", "2pass-call", "bias-add", "stream-copy", "plain-copy",
    "dnnl-relu",    "dnnl-leaky", "cl-copy",  "memcpy",      "ovh-clrelu",
    "ovh-bare",     "torch"};

static size_t min_size(size_t a, size_t b) { return a < b ? a : b; }

int bench_shape(op_id op, layout_id layout, clrelu_dtype dtype, size_t size,
                op_shape *out) {
  op_shape s = {op, LAY_NONE, dtype, size, size, 1, 1, 0.0f};
  if (op == OP_LEAKY_RELU || op == OP_LEAKY_RELU_BACKWARD)
    s.alpha = BENCH_LEAKY_ALPHA;
  if (op == OP_BIAS_RELU) {
    s.layout = layout;
    switch (layout) {
    case LAY_DENSE:
      s.channels = min_size(1024, size);
      s.inner = 1;
      break;
    case LAY_NCHW7:
    case LAY_NCHW112:
      s.inner = layout == LAY_NCHW7 ? 7 * 7 : 112 * 112;
      if (size < 2 * s.inner) /* not even two channels of one image */
        return 0;
      s.channels = min_size(64, size / s.inner);
      break;
    case LAY_NHWC:
      if (size < 2 * 64)
        return 0;
      s.channels = 64;
      s.inner = 1;
      break;
    case LAY_C1:
      s.channels = 1;
      s.inner = 1;
      break;
    default:
      return 0;
    }
    s.outer = size / (s.channels * s.inner);
    s.n = s.outer * s.channels * s.inner;
  }
  *out = s;
  return 1;
}

double bench_op_bytes(op_id op, clrelu_dtype dtype, size_t n) {
  /* arrays read and written: 3 for the backward ops, else 2 (bias_relu's
   * bias is left out) */
  int arrays = op == OP_RELU_BACKWARD || op == OP_LEAKY_RELU_BACKWARD ? 3 : 2;
  return arrays * bench_dtype_bytes(dtype) * (double)n;
}
