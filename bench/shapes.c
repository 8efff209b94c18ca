/* Names, shapes and byte counts of what clrelu-bench measures. */
#include "bench.h"

#define OP_NAME(C, ID, name, ...) [OP_##ID] = #name,
#define BIAS_NAME(C, ID, name, ...) [OP_BIAS_##ID] = "bias_" #name,
#define SLOPE_NAME(C, ID, name, ...) [OP_##ID] = #name,
#define TRAIN_NAME(ID, name, ...) [OP_##ID] = #name,
const char *const bench_op_names[OP_COUNT] = {
    CLRELU_ELTWISE_OPS(OP_NAME, 0) CLRELU_BIAS_ACTS(BIAS_NAME, 0)
        CLRELU_SLOPE_OPS(SLOPE_NAME, 0) BENCH_TRAIN_OPS(TRAIN_NAME)};

#define OP_INFO(C, ID, name, in, par, out, b16)                                \
  [OP_##ID] = {.inputs = in,                                                   \
               .alpha = CLRELU_PARAM_HAS_##par,                                \
               .bits16 = b16,                                                  \
               .param = CLRELU_PARAM_TYPICAL_##par},
#define BIAS_INFO(C, ID, name, par)                                            \
  [OP_BIAS_##ID] = {.bias = 1,                                                 \
                    .inputs = 1,                                               \
                    .alpha = CLRELU_PARAM_HAS_##par,                           \
                    .param = CLRELU_PARAM_TYPICAL_##par,                       \
                    .act = CLRELU_ACT_##ID},
#define SLOPE_INFO(C, ID, name, in, arrays)                                    \
  [OP_##ID] = {.bias = 1, .inputs = in, .slope = 1},
#define TRAIN_INFO(ID, name, in, m)                                            \
  [OP_##ID] = {.bias = 1, .inputs = in, .mask = m, .act = CLRELU_ACT_RELU},
const bench_op_info bench_ops[OP_COUNT] = {
    CLRELU_ELTWISE_OPS(OP_INFO, 0) CLRELU_BIAS_ACTS(BIAS_INFO, 0)
        CLRELU_SLOPE_OPS(SLOPE_INFO, 0) BENCH_TRAIN_OPS(TRAIN_INFO)};

const char *const bench_dtype_names[BENCH_NDTYPES] = {"f32", "f16", "bf16"};

const char *const bench_layout_names[LAY_COUNT] = {"dense", "nchw7x7",
                                                   "nchw112x112", "nhwc", "c1"};

const char *const bench_layout_help[LAY_COUNT] = {
    "[N][1024], inner 1", "NCHW, C <= 64, H*W = 7*7",
    "NCHW, C <= 64, H*W = 112*112", "NHWC, C = 64 (inner 1)", "channels = 1"};

const char *const bench_path_names[P_COUNT] = {
    "dev-kernel",   "dev-call",   "e2e",       "cpu-1t",      "cpu-all",
    "2pass-kernel", "2pass-call", "bias-add",  "stream-copy", "plain-copy",
    "dnnl-relu",    "dnnl-leaky", "dnnl-clip", "cl-copy",     "memcpy",
    "ovh-clrelu",   "ovh-bare",   "torch"};

clrelu_act bench_act(const op_shape *s) {
  clrelu_act act = {(clrelu_act_kind)bench_ops[s->op].act, s->alpha, 0.0f};
  return act;
}

static size_t min_size(size_t a, size_t b) { return a < b ? a : b; }

int bench_shape(op_id op, layout_id layout, clrelu_dtype dtype, size_t size,
                op_shape *out) {
  op_shape s = {op, LAY_NONE, dtype, size, size, 1, 1, 0.0f};
  s.alpha = bench_ops[op].param;
  if (bench_ops[op].bias) {
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
  /* arrays read and written (a bias op's bias and a sum's results are left
   * out), and a mask's bits */
  int arrays = bench_ops[op].inputs + 1;
  return arrays * bench_dtype_bytes(dtype) * (double)n +
         (bench_ops[op].mask ? (double)n / 8.0 : 0.0);
}
