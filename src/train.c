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

/* The first three checks of a call with a mask: the act, NULLs (the
 * mask's too), contexts, dtypes. */
static clrelu_status check_first(const clrelu_call *c,
                                 const clrelu_buffer *mask,
                                 const clrelu_act *act,
                                 const clrelu_events *ev) {
  if (ev && ev->done)
    *ev->done = NULL;
  clrelu_status st = clrelu__check_act(c->fn, act);
  if (st != CLRELU_SUCCESS)
    return st;
  if (!mask)
    return clrelu__fail(CLRELU_ERROR_INVALID_ARGUMENT, "%s: mask is NULL",
                        c->fn);
  if ((st = clrelu__check_call(c, CLRELU_PARAM_KIND_NONE, 0.0f, ev)) !=
      CLRELU_SUCCESS)
    return st;
  return check_mask(c->fn, c->ctx, mask);
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
  clrelu_status st = check_first(&c, mask, act, ev);
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

/* ---- backward: dx, and dbias in the fixed order ---- */

#define BACKWARD_KERNELS(C, ID, name)                                          \
  static const enum clrelu_kernel_id name##_kernels[2] = {K_##ID##_BLOCKS,     \
                                                          K_##ID##_COLUMNS};
CLRELU_TRAIN_BACKWARDS(BACKWARD_KERNELS, 0)

/* The first level of the sum (out NULL: dx alone). Columns where a row is
 * a channel each (inner == 1), else blocks. */
static clrelu_status backward_first(clrelu_context *ctx, cl_mem out,
                                    cl_ulong oo, cl_ulong nb, void *user,
                                    const clrelu_events *ev) {
  const clrelu_sweep *b = user;
  const int columns = b->inner == 1 && b->channels > 1;
  const int from_mask = b->mask != NULL;
  const clrelu_buffer nob = clrelu__no_bias(ctx, b->dx->dtype);
  /* the channel array after x: the bias (input) or the slopes (PReLU) */
  const clrelu_buffer *chan = b->slope ? b->slope : b->bias ? b->bias : &nob;
  cl_ulong dyo = b->dy->offset, dxo = b->dx->offset, co = b->outer,
           cc = b->channels, ci = b->inner;
  cl_ulong so = from_mask ? b->mask->offset / 32 : b->x->offset,
           bo = chan->offset;
  cl_int has_bias = b->bias != NULL, kind = b->act ? (cl_int)b->act->kind : 0;
  float alpha = b->act ? b->act->alpha : 0.0f;
  clrelu_arg args[17];
  cl_uint k = 0;
  args[k++] = (clrelu_arg){sizeof(cl_mem), &b->dy->mem};
  args[k++] = (clrelu_arg){sizeof dyo, &dyo};
  args[k++] =
      (clrelu_arg){sizeof(cl_mem), from_mask ? &b->mask->mem : &b->x->mem};
  args[k++] = (clrelu_arg){sizeof so, &so};
  if (!from_mask) {
    args[k++] = (clrelu_arg){sizeof(cl_mem), &chan->mem};
    args[k++] = (clrelu_arg){sizeof bo, &bo};
    if (!b->slope)
      args[k++] = (clrelu_arg){sizeof has_bias, &has_bias};
  }
  args[k++] = (clrelu_arg){sizeof(cl_mem), &b->dx->mem};
  args[k++] = (clrelu_arg){sizeof dxo, &dxo};
  args[k++] = (clrelu_arg){sizeof(cl_mem), &out};
  args[k++] = (clrelu_arg){sizeof oo, &oo};
  args[k++] = (clrelu_arg){sizeof co, &co};
  args[k++] = (clrelu_arg){sizeof cc, &cc};
  args[k++] = (clrelu_arg){sizeof ci, &ci};
  args[k++] = (clrelu_arg){sizeof nb, &nb};
  args[k++] = (clrelu_arg){sizeof kind, &kind};
  args[k++] = (clrelu_arg){sizeof alpha, &alpha};
  /* kernels/train.cl: with CLRELU_CONTIG (CPUs) a work-item a block (or a
   * vector of channels down a block of rows), in work-groups of one: a
   * CPU's OpenCL runs a larger group as a loop over copies of each
   * work-item's private block, which ran at half the memory's speed.
   * Else a work-group a block. */
  const size_t local = (size_t)ctx->tuning.local;
  /* kernels/train.cl's COLUMN_VECS vectors of channels a work-item */
  const size_t width = 64 * (size_t)ctx->tuning.vec;
  const enum clrelu_kernel_id id =
      (from_mask  ? act_backward_mask_kernels
       : b->slope ? prelu_backward_kernels
                  : bias_act_backward_kernels)[columns];
  if (ctx->tuning.contig)
    return clrelu__launch_local(
        ctx, id, b->dx->dtype, args, k,
        columns ? (size_t)nb * ((b->channels + width - 1) / width)
                : b->channels * (size_t)nb,
        1, ev);
  const size_t groups = columns
                            ? (size_t)nb * ((b->channels + local - 1) / local)
                            : b->channels * (size_t)nb;
  return clrelu__launch(ctx, id, b->dx->dtype, args, k, groups * local, ev);
}

clrelu_status clrelu__sweep(clrelu_context *ctx, const clrelu_sweep *s,
                            const clrelu_buffer *sums,
                            const clrelu_events *ev) {
  /* one channel is one plane of everything: its terms are in memory order
   * either way, and the kernels then walk one run */
  clrelu_sweep one = *s;
  if (s->channels == 1) {
    one.inner = s->outer * s->inner;
    one.outer = 1;
  }
  const size_t m = s->outer * s->inner;
  if (!sums)
    return backward_first(ctx, NULL, 0, clrelu__sum_blocks(m), &one, ev);
  return clrelu__device_sum(ctx, sums, s->channels, m, backward_first, &one,
                            ev);
}

/* The checks past the first three, and the sweep. */
static clrelu_status backward(clrelu_context *ctx, const char *fn,
                              const clrelu_sweep *b, clrelu_buffer *dbias,
                              const clrelu_events *ev) {
  clrelu_status st = clrelu__check_gradient(fn, ctx, dbias, "dbias");
  if (st != CLRELU_SUCCESS)
    return st;
  const size_t outer = b->outer, channels = b->channels, inner = b->inner;
  const int empty = outer == 0 || inner == 0;
  if (channels == 0 || (empty && !dbias))
    return clrelu__marker(ctx, ev);
  if (dbias && (st = clrelu__check_count(fn, dbias, "dbias", channels)) !=
                   CLRELU_SUCCESS)
    return st;
  if (empty) { /* channels without elements: their sums are +0.0 */
    cl_int err = clrelu__fill_zeros(dbias, channels, ev);
    return err == CL_SUCCESS ? CLRELU_SUCCESS
                             : clrelu__cl_fail(err, "clEnqueueFillBuffer");
  }
  size_t total;
  const clrelu_buffer *src = b->mask ? b->dy : b->x;
  static const char *const bias_name[] = {"bias"};
  if ((st = clrelu__check_channels(fn, src, &b->bias, bias_name, 1, b->dx,
                                   outer, channels, inner, &total)) !=
      CLRELU_SUCCESS)
    return st;
  if ((st = clrelu__check_count(fn, b->dy, "dy", total)) != CLRELU_SUCCESS ||
      (st = clrelu__check_in_place(fn, b->dy, "dy", b->dx, "dx", total)) !=
          CLRELU_SUCCESS)
    return st;
  if (b->mask) {
    const clrelu_buffer *other[] = {b->dy, b->dx};
    const size_t counts[] = {total, total};
    static const char *const names[] = {"dy", "dx"};
    if ((st = check_mask_size(fn, b->mask, total, other, counts, names, 2)) !=
        CLRELU_SUCCESS)
      return st;
  }
  if (dbias) {
    const clrelu_buffer *other[] = {b->dy, b->x, b->bias, b->dx, b->mask};
    const size_t counts[] = {total, total, channels, total, total};
    static const char *const names[] = {"dy", "x", "bias", "dx", "mask"};
    for (int i = 0; i < 5; ++i)
      if (other[i] &&
          clrelu__overlaps(dbias, channels, other[i], counts[i], NULL))
        return clrelu__fail(CLRELU_ERROR_INVALID_ARGUMENT,
                            "%s: dbias overlaps %s", fn, names[i]);
  }
  return clrelu__sweep(ctx, b, dbias, ev);
}

clrelu_status clrelu_act_backward_mask_ev(
    clrelu_context *ctx, const clrelu_buffer *dy, const clrelu_buffer *mask,
    clrelu_buffer *dx, clrelu_buffer *dbias, size_t outer, size_t channels,
    size_t inner, const clrelu_act *act, const clrelu_events *ev) {
  static const char fn[] = "clrelu_act_backward_mask";
  clrelu_call c = {fn, ctx, {dy}, {"dy"}, 1, dx, "dx"};
  clrelu_status st = check_first(&c, mask, act, ev);
  if (st != CLRELU_SUCCESS)
    return st;
  const clrelu_sweep b = {dy, mask,  NULL,     NULL,  NULL,
                          dx, outer, channels, inner, act};
  return backward(ctx, fn, &b, dbias, ev);
}

clrelu_status clrelu_act_backward_mask(clrelu_context *ctx,
                                       const clrelu_buffer *dy,
                                       const clrelu_buffer *mask,
                                       clrelu_buffer *dx, clrelu_buffer *dbias,
                                       size_t outer, size_t channels,
                                       size_t inner, const clrelu_act *act) {
  return clrelu_act_backward_mask_ev(ctx, dy, mask, dx, dbias, outer, channels,
                                     inner, act, NULL);
}

clrelu_status
clrelu_bias_act_backward_ev(clrelu_context *ctx, const clrelu_buffer *dy,
                            const clrelu_buffer *x, const clrelu_buffer *bias,
                            clrelu_buffer *dx, clrelu_buffer *dbias,
                            size_t outer, size_t channels, size_t inner,
                            const clrelu_act *act, const clrelu_events *ev) {
  static const char fn[] = "clrelu_bias_act_backward";
  clrelu_call c = {fn,           ctx, {dy, x, bias}, {"dy", "x", "bias"},
                   bias ? 3 : 2, dx,  "dx"};
  if (ev && ev->done)
    *ev->done = NULL;
  clrelu_status st = clrelu__check_act(fn, act);
  if (st == CLRELU_SUCCESS)
    st = clrelu__check_call(&c, CLRELU_PARAM_KIND_NONE, 0.0f, ev);
  if (st != CLRELU_SUCCESS)
    return st;
  const clrelu_sweep b = {dy, NULL,  x,        bias,  NULL,
                          dx, outer, channels, inner, act};
  return backward(ctx, fn, &b, dbias, ev);
}

clrelu_status
clrelu_bias_act_backward(clrelu_context *ctx, const clrelu_buffer *dy,
                         const clrelu_buffer *x, const clrelu_buffer *bias,
                         clrelu_buffer *dx, clrelu_buffer *dbias, size_t outer,
                         size_t channels, size_t inner, const clrelu_act *act) {
  return clrelu_bias_act_backward_ev(ctx, dy, x, bias, dx, dbias, outer,
                                     channels, inner, act, NULL);
}
