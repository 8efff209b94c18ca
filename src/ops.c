/* Device ops: argument checks in the documented order, then one launch. */
#include "internal.h"

#include <math.h>
#include <stdint.h>

/* The buffers of one call: inputs first, the output last. */
typedef struct op_call {
  const char *fn;
  clrelu_context *ctx;
  const clrelu_buffer *in[3];
  const char *in_names[3];
  int nin;
  clrelu_buffer *out;
  const char *out_name;
} op_call;

/* Whether the first n elements of a and b share bytes; *same is set when
 * they are exactly the same elements. */
static int overlaps(const clrelu_buffer *a, size_t na, const clrelu_buffer *b,
                    size_t nb, int *same) {
  *same = 0;
  if (a->root != b->root)
    return 0;
  size_t es = clrelu__dtype_size(a->dtype);
  size_t a0 = a->root_byte, a1 = a0 + na * es;
  size_t b0 = b->root_byte, b1 = b0 + nb * es;
  if (a1 <= b0 || b1 <= a0)
    return 0;
  *same = a0 == b0 && na == nb;
  return 1;
}

/* Checks 1-3 of the documented order: NULLs and values, contexts, dtypes. */
static clrelu_status check_handles(const op_call *c, float alpha, int use_alpha,
                                   const clrelu_events *ev) {
  if (ev && ev->done)
    *ev->done = NULL;
  if (!c->ctx)
    return clrelu__fail(CLRELU_ERROR_INVALID_ARGUMENT, "%s: ctx is NULL",
                        c->fn);
  for (int i = 0; i < c->nin; ++i)
    if (!c->in[i])
      return clrelu__fail(CLRELU_ERROR_INVALID_ARGUMENT, "%s: %s is NULL",
                          c->fn, c->in_names[i]);
  if (!c->out)
    return clrelu__fail(CLRELU_ERROR_INVALID_ARGUMENT, "%s: %s is NULL", c->fn,
                        c->out_name);
  if (ev && ev->num_wait > 0 && !ev->wait)
    return clrelu__fail(CLRELU_ERROR_INVALID_ARGUMENT,
                        "%s: ev->wait is NULL with ev->num_wait = %u", c->fn,
                        (unsigned)ev->num_wait);
  if (use_alpha && !isfinite(alpha))
    return clrelu__fail(CLRELU_ERROR_INVALID_ARGUMENT,
                        "%s: alpha is %g; it must be finite", c->fn,
                        (double)alpha);
  for (int i = 0; i < c->nin; ++i)
    if (c->in[i]->ctx != c->ctx)
      return clrelu__fail(CLRELU_ERROR_CONTEXT_MISMATCH,
                          "%s: %s belongs to another context", c->fn,
                          c->in_names[i]);
  if (c->out->ctx != c->ctx)
    return clrelu__fail(CLRELU_ERROR_CONTEXT_MISMATCH,
                        "%s: %s belongs to another context", c->fn,
                        c->out_name);
  for (int i = 0; i < c->nin; ++i)
    if (c->in[i]->dtype != c->out->dtype)
      return clrelu__fail(CLRELU_ERROR_DTYPE_MISMATCH,
                          "%s: %s and %s differ in dtype", c->fn,
                          c->in_names[i], c->out_name);
  return CLRELU_SUCCESS;
}

static clrelu_status check_count(const op_call *c, const clrelu_buffer *b,
                                 const char *name, size_t need) {
  if (b->count < need)
    return clrelu__fail(CLRELU_ERROR_OUT_OF_RANGE,
                        "%s: %zu elements asked of %s, which holds %zu", c->fn,
                        need, name, b->count);
  (void)c;
  return CLRELU_SUCCESS;
}

/* Checks 4-5 for elementwise ops (every buffer n elements). Every device
 * does every dtype, so check 6 (UNSUPPORTED) has nothing to refuse. */
static clrelu_status check_eltwise(const op_call *c, size_t n) {
  for (int i = 0; i < c->nin; ++i) {
    clrelu_status st = check_count(c, c->in[i], c->in_names[i], n);
    if (st != CLRELU_SUCCESS)
      return st;
  }
  clrelu_status st = check_count(c, c->out, c->out_name, n);
  if (st != CLRELU_SUCCESS)
    return st;
  for (int i = 0; i < c->nin; ++i) {
    int same;
    if (overlaps(c->in[i], n, c->out, n, &same) && !same)
      return clrelu__fail(CLRELU_ERROR_INVALID_ARGUMENT,
                          "%s: %s partly overlaps %s (in place needs exactly "
                          "the same elements)",
                          c->fn, c->out_name, c->in_names[i]);
  }
  return CLRELU_SUCCESS;
}

/* Work-items for an elementwise kernel over n elements: each does up to
 * `items` whole vectors; work-item 0 also does the last n % vec. */
static size_t eltwise_items(const clrelu_context *ctx, size_t n) {
  size_t nvec = n / (size_t)ctx->tuning.vec;
  return (nvec + (size_t)ctx->tuning.items - 1) / (size_t)ctx->tuning.items;
}

#define MEM_ARG(b)                                                             \
  { sizeof(cl_mem), &(b)->mem }

#define OP_INFO(C, ID, name, inputs, param, out, bits16)                       \
  [K_##ID] = {"clrelu_" #name, inputs, CLRELU_PARAM_HAS_##param, #out},
const clrelu_op_info clrelu__op_info[K_ELTWISE_COUNT] = {
    CLRELU_ELTWISE_OPS(OP_INFO, 0)};

/* The kernel takes each input with its offset, the output with its offset,
 * then n and the parameter. */
clrelu_status clrelu__eltwise(clrelu_context *ctx, enum clrelu_kernel_id id,
                              const clrelu_buffer *const *in, clrelu_buffer *y,
                              size_t n, float alpha, const clrelu_events *ev) {
  const clrelu_op_info *op = &clrelu__op_info[id];
  const int nin = op->inputs;
  op_call c = {op->fn, ctx, {in[0]}, {"x", "", ""}, 1, y, op->out};
  if (nin == 2) {
    c = (op_call){op->fn, ctx, {in[0], in[1]}, {"dy", "x", ""}, 2, y, op->out};
  }
  clrelu_status st = check_handles(&c, alpha, op->has_param, ev);
  if (st != CLRELU_SUCCESS)
    return st;
  if (n == 0)
    return clrelu__marker(ctx, ev);
  if ((st = check_eltwise(&c, n)) != CLRELU_SUCCESS)
    return st;
  cl_ulong offs[3], cn = n;
  clrelu_arg args[8];
  cl_uint k = 0;
  for (int i = 0; i <= nin; ++i) {
    const clrelu_buffer *b = i < nin ? in[i] : y;
    offs[i] = b->offset;
    args[k++] = (clrelu_arg)MEM_ARG(b);
    args[k++] = (clrelu_arg){sizeof offs[i], &offs[i]};
  }
  args[k++] = (clrelu_arg){sizeof cn, &cn};
  args[k++] = (clrelu_arg){sizeof alpha, &alpha};
  return clrelu__launch(ctx, id, y->dtype, args, k, eltwise_items(ctx, n), ev);
}

/* clrelu_<name>_ev and clrelu_<name> for every elementwise op. */
#define ELTWISE_ENTRY(C, ID, name, inputs, param, out, bits16)                 \
  clrelu_status clrelu_##name##_ev(                                            \
      clrelu_context *ctx, CLRELU_IN_DECL_##inputs(clrelu_buffer),             \
      clrelu_buffer *out, size_t n CLRELU_PARAM_DECL_##param,                  \
      const clrelu_events *ev) {                                               \
    const clrelu_buffer *in[] = {CLRELU_IN_ARGS_##inputs(dy, x)};              \
    return clrelu__eltwise(ctx, K_##ID, in, out, n,                            \
                           CLRELU_PARAM_VALUE_##param(alpha), ev);             \
  }                                                                            \
  clrelu_status clrelu_##name(                                                 \
      clrelu_context *ctx, CLRELU_IN_DECL_##inputs(clrelu_buffer),             \
      clrelu_buffer *out, size_t n CLRELU_PARAM_DECL_##param) {                \
    return clrelu_##name##_ev(ctx, CLRELU_IN_ARGS_##inputs(dy, x), out,        \
                              n CLRELU_PARAM_ARG_##param(alpha), NULL);        \
  }
CLRELU_ELTWISE_OPS(ELTWISE_ENTRY, 0)

clrelu_status clrelu_bias_relu(clrelu_context *ctx, const clrelu_buffer *x,
                               const clrelu_buffer *bias, clrelu_buffer *y,
                               size_t outer, size_t channels, size_t inner,
                               float alpha) {
  return clrelu_bias_relu_ev(ctx, x, bias, y, outer, channels, inner, alpha,
                             NULL);
}

clrelu_status clrelu_bias_relu_ev(clrelu_context *ctx, const clrelu_buffer *x,
                                  const clrelu_buffer *bias, clrelu_buffer *y,
                                  size_t outer, size_t channels, size_t inner,
                                  float alpha, const clrelu_events *ev) {
  op_call c = {"clrelu_bias_relu", ctx, {x, bias}, {"x", "bias"}, 2, y, "y"};
  clrelu_status st = check_handles(&c, alpha, 1, ev);
  if (st != CLRELU_SUCCESS)
    return st;
  if (outer == 0 || channels == 0 || inner == 0)
    return clrelu__marker(ctx, ev);
  if (channels > SIZE_MAX / outer || inner > SIZE_MAX / (outer * channels))
    return clrelu__fail(CLRELU_ERROR_OUT_OF_RANGE,
                        "clrelu_bias_relu: outer * channels * inner = %zu * "
                        "%zu * %zu overflows size_t",
                        outer, channels, inner);
  size_t total = outer * channels * inner;
  if ((st = check_count(&c, x, "x", total)) != CLRELU_SUCCESS ||
      (st = check_count(&c, bias, "bias", channels)) != CLRELU_SUCCESS ||
      (st = check_count(&c, y, "y", total)) != CLRELU_SUCCESS)
    return st;
  int same;
  if (overlaps(x, total, y, total, &same) && !same)
    return clrelu__fail(CLRELU_ERROR_INVALID_ARGUMENT,
                        "clrelu_bias_relu: y partly overlaps x (in place "
                        "needs exactly the same elements)");
  if (overlaps(bias, channels, y, total, &same))
    return clrelu__fail(CLRELU_ERROR_INVALID_ARGUMENT,
                        "clrelu_bias_relu: y overlaps bias");

  return clrelu__bias_launch(ctx, x, bias, y, total, channels, inner, 0, alpha,
                             ev);
}

/* See kernels/bias_relu.cl: rows for inner == 1 (element k adds
 * bias[k % channels], so the kernel's "plane" is a row of channels), planes
 * otherwise; one channel is one plane of everything, where the phase does
 * not matter. */
clrelu_status clrelu__bias_launch(clrelu_context *ctx, const clrelu_buffer *x,
                                  const clrelu_buffer *bias, clrelu_buffer *y,
                                  size_t total, size_t channels, size_t inner,
                                  size_t phase, float alpha,
                                  const clrelu_events *ev) {
  cl_ulong xo = x->offset, bo = bias->offset, yo = y->offset;
  size_t vec = (size_t)ctx->tuning.vec, items = (size_t)ctx->tuning.items;
  int leaky = alpha != 0.0f, rows = inner == 1 && channels > 1;
  cl_ulong n = total, ch = channels, ph = channels == 1 ? 0 : phase;
  cl_ulong in = rows ? channels : channels == 1 ? total : inner;
  clrelu_arg args[] = {MEM_ARG(x),
                       {sizeof xo, &xo},
                       MEM_ARG(bias),
                       {sizeof bo, &bo},
                       MEM_ARG(y),
                       {sizeof yo, &yo},
                       {sizeof n, &n},
                       {sizeof in, &in},
                       {sizeof ch, &ch},
                       {sizeof ph, &ph},
                       {sizeof alpha, &alpha}};
  enum clrelu_kernel_id id =
      rows ? (leaky ? K_BIAS_LEAKY_RELU_ROWS : K_BIAS_RELU_ROWS)
           : (leaky ? K_BIAS_LEAKY_RELU_PLANES : K_BIAS_RELU_PLANES);
  size_t nvec = (total + vec - 1) / vec;
  return clrelu__launch(ctx, id, y->dtype, args,
                        (cl_uint)(sizeof args / sizeof args[0]),
                        (nvec + items - 1) / items, ev);
}
