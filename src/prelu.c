/* PReLU on the device: one slope per channel, on the bias ops' layout,
 * alone or after a bias add, in one pass. */
#include "internal.h"

static const enum clrelu_kernel_id prelu_kernels[2] = {K_PRELU_ROWS,
                                                       K_PRELU_PLANES};
static const enum clrelu_kernel_id bias_prelu_kernels[2] = {
    K_BIAS_PRELU_ROWS, K_BIAS_PRELU_PLANES};

/* fn on x, slope and bias (NULL: PReLU of x alone) into y. */
static clrelu_status prelu(const char *fn, clrelu_context *ctx,
                           const clrelu_buffer *x, const clrelu_buffer *bias,
                           const clrelu_buffer *slope, clrelu_buffer *y,
                           size_t outer, size_t channels, size_t inner,
                           const clrelu_events *ev) {
  clrelu_call c = {
      fn, ctx, {x, slope, bias}, {"x", "slope", "bias"}, bias ? 3 : 2, y, "y"};
  clrelu_status st = clrelu__check_call(&c, CLRELU_PARAM_KIND_NONE, 0.0f, ev);
  if (st != CLRELU_SUCCESS)
    return st;
  if (outer == 0 || channels == 0 || inner == 0)
    return clrelu__marker(ctx, ev);
  size_t total;
  const clrelu_buffer *ch[] = {slope, bias};
  static const char *const names[] = {"slope", "bias"};
  if ((st = clrelu__check_channels(fn, x, ch, names, 2, y, outer, channels,
                                   inner, &total)) != CLRELU_SUCCESS)
    return st;
  if (!bias)
    return clrelu__channel_launch(ctx, prelu_kernels, NULL, x, slope, NULL, y,
                                  total, channels, inner, 0, 0.0f, ev);
  return clrelu__channel_launch(ctx, bias_prelu_kernels, NULL, x, bias, slope,
                                y, total, channels, inner, 0, 0.0f, ev);
}

clrelu_status clrelu_prelu_ev(clrelu_context *ctx, const clrelu_buffer *x,
                              const clrelu_buffer *slope, clrelu_buffer *y,
                              size_t outer, size_t channels, size_t inner,
                              const clrelu_events *ev) {
  return prelu("clrelu_prelu", ctx, x, NULL, slope, y, outer, channels, inner,
               ev);
}

clrelu_status clrelu_prelu(clrelu_context *ctx, const clrelu_buffer *x,
                           const clrelu_buffer *slope, clrelu_buffer *y,
                           size_t outer, size_t channels, size_t inner) {
  return clrelu_prelu_ev(ctx, x, slope, y, outer, channels, inner, NULL);
}

clrelu_status clrelu_bias_prelu_ev(clrelu_context *ctx, const clrelu_buffer *x,
                                   const clrelu_buffer *bias,
                                   const clrelu_buffer *slope, clrelu_buffer *y,
                                   size_t outer, size_t channels, size_t inner,
                                   const clrelu_events *ev) {
  return prelu("clrelu_bias_prelu", ctx, x, bias, slope, y, outer, channels,
               inner, ev);
}

clrelu_status clrelu_bias_prelu(clrelu_context *ctx, const clrelu_buffer *x,
                                const clrelu_buffer *bias,
                                const clrelu_buffer *slope, clrelu_buffer *y,
                                size_t outer, size_t channels, size_t inner) {
  return clrelu_bias_prelu_ev(ctx, x, bias, slope, y, outer, channels, inner,
                              NULL);
}

/* ---- the backward pass and the slope gradient ---- */

static const enum clrelu_kernel_id backward_kernels[2] = {
    K_PRELU_BACKWARD_ROWS, K_PRELU_BACKWARD_PLANES};

/* Checks of clrelu_prelu_backward past the first three; *total: its
 * elements. */
static clrelu_status
check_backward(const char *fn, const clrelu_buffer *dy, const clrelu_buffer *x,
               const clrelu_buffer *slope, const clrelu_buffer *dx,
               const clrelu_buffer *dslope, size_t outer, size_t channels,
               size_t inner, size_t *total) {
  static const char *const names[] = {"slope"};
  clrelu_status st = clrelu__check_channels(fn, x, &slope, names, 1, dx, outer,
                                            channels, inner, total);
  if (st == CLRELU_SUCCESS)
    st = clrelu__check_count(fn, dy, "dy", *total);
  if (st == CLRELU_SUCCESS)
    st = clrelu__check_in_place(fn, dy, "dy", dx, "dx", *total);
  if (st != CLRELU_SUCCESS || !dslope)
    return st;
  const clrelu_buffer *other[] = {dy, x, slope, dx};
  const size_t counts[] = {*total, *total, channels, *total};
  static const char *const onames[] = {"dy", "x", "slope", "dx"};
  for (int i = 0; i < 4; ++i)
    if (clrelu__overlaps(dslope, channels, other[i], counts[i], NULL))
      return clrelu__fail(CLRELU_ERROR_INVALID_ARGUMENT,
                          "%s: dslope overlaps %s", fn, onames[i]);
  return CLRELU_SUCCESS;
}

clrelu_status clrelu_prelu_backward_ev(
    clrelu_context *ctx, const clrelu_buffer *dy, const clrelu_buffer *x,
    const clrelu_buffer *slope, clrelu_buffer *dx, clrelu_buffer *dslope,
    size_t outer, size_t channels, size_t inner, const clrelu_events *ev) {
  static const char fn[] = "clrelu_prelu_backward";
  clrelu_call c = {fn, ctx, {dy, x, slope}, {"dy", "x", "slope"}, 3, dx, "dx"};
  clrelu_status st = clrelu__check_call(&c, CLRELU_PARAM_KIND_NONE, 0.0f, ev);
  if (st != CLRELU_SUCCESS)
    return st;
  if ((st = clrelu__check_gradient(fn, ctx, dslope, "dslope")) !=
      CLRELU_SUCCESS)
    return st;
  const int empty = outer == 0 || inner == 0;
  if (channels == 0 || (empty && !dslope))
    return clrelu__marker(ctx, ev);
  if (dslope && (st = clrelu__check_count(fn, dslope, "dslope", channels)) !=
                    CLRELU_SUCCESS)
    return st;
  if (empty) { /* channels without elements: their sums are +0.0 */
    cl_int err = clrelu__fill_zeros(dslope, channels, ev);
    return err == CL_SUCCESS ? CLRELU_SUCCESS
                             : clrelu__cl_fail(err, "clrelu_prelu_backward: "
                                                    "clEnqueueFillBuffer");
  }
  size_t total;
  st = check_backward(fn, dy, x, slope, dx, dslope, outer, channels, inner,
                      &total);
  if (st != CLRELU_SUCCESS)
    return st;
  if (!dslope)
    return clrelu__channel_launch(ctx, backward_kernels, dy, x, slope, NULL, dx,
                                  total, channels, inner, 0, 0.0f, ev);
  /* dx and the slope terms in one sweep (kernels/train.cl) */
  const clrelu_sweep s = {dy, NULL,  x,        NULL,  slope,
                          dx, outer, channels, inner, NULL};
  return clrelu__sweep(ctx, &s, dslope, ev);
}

clrelu_status
clrelu_prelu_backward(clrelu_context *ctx, const clrelu_buffer *dy,
                      const clrelu_buffer *x, const clrelu_buffer *slope,
                      clrelu_buffer *dx, clrelu_buffer *dslope, size_t outer,
                      size_t channels, size_t inner) {
  return clrelu_prelu_backward_ev(ctx, dy, x, slope, dx, dslope, outer,
                                  channels, inner, NULL);
}
