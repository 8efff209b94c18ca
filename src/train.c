/* Training passes on the device: the forward bias + activation that saves
 * a 1-bit mask of the branch each element took (kernels/train.cl). */
#include "internal.h"

#define MASK_KERNELS(C, ID, ...)                                               \
  [CLRELU_ACT_##ID] = {K_MASK_##ID##_ROWS, K_MASK_##ID##_PLANES},
static const enum clrelu_kernel_id mask_kernels[][2] = {
    CLRELU_BIAS_ACTS(MASK_KERNELS, 0)};

/* The mask's own checks (after the data's first three): its context and
 * dtype; with sizes, that it holds n bits and overlaps no other buffer. */
static clrelu_status check_mask(const char *fn, clrelu_context *ctx,
                                const clrelu_buffer *mask) {
  if (mask->ctx != ctx)
    return clrelu__fail(CLRELU_ERROR_CONTEXT_MISMATCH,
                        "%s: mask belongs to another context", fn);
  if (mask->dtype != CLRELU_MASK)
    return clrelu__fail(CLRELU_ERROR_DTYPE_MISMATCH,
                        "%s: mask is not a mask (CLRELU_MASK)", fn);
  return CLRELU_SUCCESS;
}

static clrelu_status check_mask_size(const char *fn, const clrelu_buffer *mask,
                                     size_t n,
                                     const clrelu_buffer *const *other,
                                     const size_t *counts,
                                     const char *const *names, int nother) {
  if (mask->count < n)
    return clrelu__fail(CLRELU_ERROR_OUT_OF_RANGE,
                        "%s: the mask holds %zu bits, fewer than the %zu "
                        "elements",
                        fn, mask->count, n);
  for (int i = 0; i < nother; ++i)
    if (other[i] && clrelu__overlaps(mask, n, other[i], counts[i], NULL))
      return clrelu__fail(CLRELU_ERROR_INVALID_ARGUMENT, "%s: mask overlaps %s",
                          fn, names[i]);
  return CLRELU_SUCCESS;
}

/* Rows for inner == 1, planes otherwise, as clrelu__channel_launch. */
static clrelu_status mask_launch(clrelu_context *ctx, const clrelu_buffer *x,
                                 const clrelu_buffer *b, clrelu_buffer *y,
                                 clrelu_buffer *mask, size_t total,
                                 size_t channels, size_t inner,
                                 const clrelu_act *act,
                                 const clrelu_events *ev) {
  const int rows = inner == 1 && channels > 1;
  cl_ulong xo = x->offset, bo = b->offset, yo = y->offset,
           mo = mask->offset / 32, n = total, ch = channels;
  cl_ulong in = rows ? channels : channels == 1 ? total : inner;
  float alpha = act->alpha;
  const clrelu_arg args[] = {{sizeof(cl_mem), &x->mem},
                             {sizeof xo, &xo},
                             {sizeof(cl_mem), &b->mem},
                             {sizeof bo, &bo},
                             {sizeof(cl_mem), &y->mem},
                             {sizeof yo, &yo},
                             {sizeof(cl_mem), &mask->mem},
                             {sizeof mo, &mo},
                             {sizeof n, &n},
                             {sizeof in, &in},
                             {sizeof ch, &ch},
                             {sizeof alpha, &alpha}};
  /* as MASK_WORDS in kernels/train.cl */
  size_t words = (size_t)ctx->tuning.items * (size_t)ctx->tuning.vec / 32;
  if (words == 0)
    words = 1;
  const size_t nw = total / 32 + (total % 32 != 0);
  return clrelu__launch(ctx, mask_kernels[act->kind][rows ? 0 : 1], y->dtype,
                        args, sizeof args / sizeof args[0],
                        (nw + words - 1) / words, ev);
}

clrelu_status clrelu_bias_act_mask_ev(
    clrelu_context *ctx, const clrelu_buffer *x, const clrelu_buffer *bias,
    clrelu_buffer *y, clrelu_buffer *mask, size_t outer, size_t channels,
    size_t inner, const clrelu_act *act, const clrelu_events *ev) {
  static const char fn[] = "clrelu_bias_act_mask";
  clrelu_call c = {fn, ctx, {x, bias}, {"x", "bias"}, bias ? 2 : 1, y, "y"};
  if (ev && ev->done)
    *ev->done = NULL;
  clrelu_status st = clrelu__check_act(fn, act);
  if (st == CLRELU_SUCCESS && !mask)
    st = clrelu__fail(CLRELU_ERROR_INVALID_ARGUMENT, "%s: mask is NULL", fn);
  if (st == CLRELU_SUCCESS)
    st = clrelu__check_call(&c, CLRELU_PARAM_KIND_NONE, 0.0f, ev);
  if (st == CLRELU_SUCCESS)
    st = check_mask(fn, ctx, mask);
  if (st != CLRELU_SUCCESS)
    return st;
  if (outer == 0 || channels == 0 || inner == 0)
    return clrelu__marker(ctx, ev);
  size_t total;
  static const char *const names[] = {"bias", "x", "y"};
  if ((st = clrelu__check_channels(fn, x, &bias, names, 1, y, outer, channels,
                                   inner, &total)) != CLRELU_SUCCESS)
    return st;
  const clrelu_buffer *other[] = {bias, x, y};
  const size_t counts[] = {channels, total, total};
  if ((st = check_mask_size(fn, mask, total, other, counts, names, 3)) !=
      CLRELU_SUCCESS)
    return st;
  if (bias)
    return mask_launch(ctx, x, bias, y, mask, total, channels, inner, act, ev);
  const clrelu_buffer nb = clrelu__no_bias(ctx, y->dtype);
  return mask_launch(ctx, x, &nb, y, mask, total, 1, 1, act, ev);
}

clrelu_status clrelu_bias_act_mask(clrelu_context *ctx, const clrelu_buffer *x,
                                   const clrelu_buffer *bias, clrelu_buffer *y,
                                   clrelu_buffer *mask, size_t outer,
                                   size_t channels, size_t inner,
                                   const clrelu_act *act) {
  return clrelu_bias_act_mask_ev(ctx, x, bias, y, mask, outer, channels, inner,
                                 act, NULL);
}
