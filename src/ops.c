/* Device ops: argument checks in the documented order, then one launch. */
#include "internal.h"

#include <stdint.h>

/* Checks 4-5 for elementwise ops (every buffer n elements). Every device
 * does every dtype, so check 6 (UNSUPPORTED) has nothing to refuse. */
static clrelu_status check_eltwise(const clrelu_call *c, size_t n) {
  clrelu_status st = CLRELU_SUCCESS;
  for (int i = 0; i < c->nin && st == CLRELU_SUCCESS; ++i)
    st = clrelu__check_count(c->fn, c->in[i], c->in_names[i], n);
  if (st == CLRELU_SUCCESS)
    st = clrelu__check_count(c->fn, c->out, c->out_name, n);
  for (int i = 0; i < c->nin && st == CLRELU_SUCCESS; ++i)
    st = clrelu__check_in_place(c->fn, c->in[i], c->in_names[i], c->out,
                                c->out_name, n);
  return st;
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
  [K_##ID] = {"clrelu_" #name, inputs, CLRELU_PARAM_KIND_##param, #out},
const clrelu_op_info clrelu__op_info[K_ELTWISE_COUNT] = {
    CLRELU_ELTWISE_OPS(OP_INFO, 0)};

/* The kernel takes each input with its offset, the output with its offset,
 * then n and the parameter. */
clrelu_status clrelu__eltwise(clrelu_context *ctx, enum clrelu_kernel_id id,
                              const clrelu_buffer *const *in, clrelu_buffer *y,
                              size_t n, float alpha, const clrelu_events *ev) {
  const clrelu_op_info *op = &clrelu__op_info[id];
  clrelu_call c = {op->fn, ctx, {in[0]}, {"x", "", ""}, 1, y, op->out};
  if (op->inputs == 2)
    c = (clrelu_call){op->fn, ctx, {in[0], in[1]}, {"dy", "x", ""},
                      2,      y,   op->out};
  clrelu_status st = clrelu__check_call(&c, op->param, alpha, ev);
  if (st != CLRELU_SUCCESS)
    return st;
  if (n == 0)
    return clrelu__marker(ctx, ev);
  if ((st = check_eltwise(&c, n)) != CLRELU_SUCCESS)
    return st;
  cl_ulong offs[3], cn = n;
  clrelu_arg args[8];
  cl_uint k = 0;
  for (int i = 0; i <= c.nin; ++i) {
    const clrelu_buffer *b = i < c.nin ? c.in[i] : y;
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

clrelu_act clrelu__act_of_alpha(float alpha) {
  clrelu_act act = {alpha == 0.0f ? CLRELU_ACT_RELU : CLRELU_ACT_LEAKY_RELU,
                    alpha, 0.0f};
  return act;
}

/* Bias + activation as fn. bias may be NULL unless need_bias; a missing
 * bias is one -0.0 for every element (x + -0.0 is x). */
static clrelu_status bias_act(const char *fn, clrelu_context *ctx,
                              const clrelu_buffer *x, const clrelu_buffer *bias,
                              int need_bias, clrelu_buffer *y, size_t outer,
                              size_t channels, size_t inner,
                              const clrelu_act *act, const clrelu_events *ev) {
  const int nin = bias || need_bias ? 2 : 1;
  clrelu_call c = {fn, ctx, {x, bias}, {"x", "bias"}, nin, y, "y"};
  if (ev && ev->done)
    *ev->done = NULL;
  clrelu_status st = clrelu__check_act(fn, act); /* before the contexts */
  if (st == CLRELU_SUCCESS)
    st = clrelu__check_call(&c, CLRELU_PARAM_KIND_NONE, 0.0f, ev);
  if (st != CLRELU_SUCCESS)
    return st;
  if (outer == 0 || channels == 0 || inner == 0)
    return clrelu__marker(ctx, ev);
  size_t total;
  static const char *const names[] = {"bias"};
  if ((st = clrelu__check_channels(fn, x, &bias, names, 1, y, outer, channels,
                                   inner, &total)) != CLRELU_SUCCESS)
    return st;
  if (bias)
    return clrelu__bias_launch(ctx, x, bias, y, total, channels, inner, 0, act,
                               ev);
  const clrelu_buffer nb = clrelu__no_bias(ctx, y->dtype);
  return clrelu__bias_launch(ctx, x, &nb, y, total, 1, 1, 0, act, ev);
}

/* see no_bias in internal.h */
clrelu_buffer clrelu__no_bias(clrelu_context *ctx, clrelu_dtype dtype) {
  const clrelu_buffer nb = {ctx, ctx->no_bias, dtype == CLRELU_F32 ? 0 : 1,
                            1,   dtype,        ctx->no_bias,
                            0};
  return nb;
}

clrelu_status clrelu_bias_relu_ev(clrelu_context *ctx, const clrelu_buffer *x,
                                  const clrelu_buffer *bias, clrelu_buffer *y,
                                  size_t outer, size_t channels, size_t inner,
                                  float alpha, const clrelu_events *ev) {
  const clrelu_act act = clrelu__act_of_alpha(alpha);
  return bias_act("clrelu_bias_relu", ctx, x, bias, 1, y, outer, channels,
                  inner, &act, ev);
}

clrelu_status clrelu_bias_relu(clrelu_context *ctx, const clrelu_buffer *x,
                               const clrelu_buffer *bias, clrelu_buffer *y,
                               size_t outer, size_t channels, size_t inner,
                               float alpha) {
  return clrelu_bias_relu_ev(ctx, x, bias, y, outer, channels, inner, alpha,
                             NULL);
}

clrelu_status clrelu_bias_act_ev(clrelu_context *ctx, const clrelu_buffer *x,
                                 const clrelu_buffer *bias, clrelu_buffer *y,
                                 size_t outer, size_t channels, size_t inner,
                                 const clrelu_act *act,
                                 const clrelu_events *ev) {
  return bias_act("clrelu_bias_act", ctx, x, bias, 0, y, outer, channels, inner,
                  act, ev);
}

clrelu_status clrelu_bias_act(clrelu_context *ctx, const clrelu_buffer *x,
                              const clrelu_buffer *bias, clrelu_buffer *y,
                              size_t outer, size_t channels, size_t inner,
                              const clrelu_act *act) {
  return clrelu_bias_act_ev(ctx, x, bias, y, outer, channels, inner, act, NULL);
}

/* See kernels/bias_relu.cl: rows for inner == 1 (element k takes channel
 * k % channels, so the kernel's "plane" is a row of channels), planes
 * otherwise; one channel is one plane of everything, where the phase does
 * not matter. */
clrelu_status clrelu__channel_launch(
    clrelu_context *ctx, const enum clrelu_kernel_id ids[2],
    const clrelu_buffer *dy, const clrelu_buffer *x, const clrelu_buffer *b,
    const clrelu_buffer *s, clrelu_buffer *y, size_t total, size_t channels,
    size_t inner, size_t phase, float alpha, const clrelu_events *ev) {
  cl_ulong dyo = dy ? dy->offset : 0, xo = x->offset, bo = b->offset,
           so = s ? s->offset : 0, yo = y->offset;
  size_t vec = (size_t)ctx->tuning.vec, items = (size_t)ctx->tuning.items;
  int rows = inner == 1 && channels > 1;
  cl_ulong n = total, ch = channels, ph = channels == 1 ? 0 : phase;
  cl_ulong in = rows ? channels : channels == 1 ? total : inner;
  clrelu_arg args[15];
  cl_uint k = 0;
  if (dy) {
    args[k++] = (clrelu_arg)MEM_ARG(dy);
    args[k++] = (clrelu_arg){sizeof dyo, &dyo};
  }
  args[k++] = (clrelu_arg)MEM_ARG(x);
  args[k++] = (clrelu_arg){sizeof xo, &xo};
  args[k++] = (clrelu_arg)MEM_ARG(b);
  args[k++] = (clrelu_arg){sizeof bo, &bo};
  if (s) {
    args[k++] = (clrelu_arg)MEM_ARG(s);
    args[k++] = (clrelu_arg){sizeof so, &so};
  }
  args[k++] = (clrelu_arg)MEM_ARG(y);
  args[k++] = (clrelu_arg){sizeof yo, &yo};
  args[k++] = (clrelu_arg){sizeof n, &n};
  args[k++] = (clrelu_arg){sizeof in, &in};
  args[k++] = (clrelu_arg){sizeof ch, &ch};
  args[k++] = (clrelu_arg){sizeof ph, &ph};
  args[k++] = (clrelu_arg){sizeof alpha, &alpha};
  size_t nvec = (total + vec - 1) / vec;
  return clrelu__launch(ctx, ids[rows ? 0 : 1], y->dtype, args, k,
                        (nvec + items - 1) / items, ev);
}

/* The kernels of each activation kind: rows, planes. */
#define BIAS_KERNELS(C, ID, ...)                                               \
  [CLRELU_ACT_##ID] = {K_BIAS_##ID##_ROWS, K_BIAS_##ID##_PLANES},
static const enum clrelu_kernel_id bias_kernels[][2] = {
    CLRELU_BIAS_ACTS(BIAS_KERNELS, 0)};

clrelu_status clrelu__bias_launch(clrelu_context *ctx, const clrelu_buffer *x,
                                  const clrelu_buffer *bias, clrelu_buffer *y,
                                  size_t total, size_t channels, size_t inner,
                                  size_t phase, const clrelu_act *act,
                                  const clrelu_events *ev) {
  return clrelu__channel_launch(ctx, bias_kernels[act->kind], NULL, x, bias,
                                NULL, y, total, channels, inner, phase,
                                act->alpha, ev);
}
