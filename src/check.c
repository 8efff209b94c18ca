/* Argument checks shared by the device ops, the dense layer, the host-array
 * ops and the CPU functions, in the order the header documents. */
#include "internal.h"

#include <math.h>
#include <stdint.h>

clrelu_status clrelu__check_param(const char *fn, int kind, float value) {
  switch (kind) {
  case CLRELU_PARAM_KIND_ALPHA:
  case CLRELU_PARAM_KIND_THETA:
    if (!isfinite(value))
      return clrelu__fail(
          CLRELU_ERROR_INVALID_ARGUMENT, "%s: %s is %g; it must be finite", fn,
          kind == CLRELU_PARAM_KIND_ALPHA ? "alpha" : "theta", (double)value);
    break;
  case CLRELU_PARAM_KIND_CAP:
    if (!(value > 0.0f)) /* NaN too */
      return clrelu__fail(CLRELU_ERROR_INVALID_ARGUMENT,
                          "%s: cap is %g; it must be > 0 (+inf is allowed)", fn,
                          (double)value);
    break;
  default:
    break;
  }
  return CLRELU_SUCCESS;
}

#define ACT_PARAM(C, ID, name, param)                                          \
  [CLRELU_ACT_##ID] = CLRELU_PARAM_KIND_##param,
static const int act_param[] = {CLRELU_BIAS_ACTS(ACT_PARAM, 0)};

clrelu_status clrelu__check_act(const char *fn, const clrelu_act *act) {
  if (!act)
    return clrelu__fail(CLRELU_ERROR_INVALID_ARGUMENT, "%s: act is NULL", fn);
  if ((unsigned)act->kind >= sizeof act_param / sizeof act_param[0])
    return clrelu__fail(CLRELU_ERROR_INVALID_ARGUMENT,
                        "%s: act->kind is %d, not a clrelu_act_kind", fn,
                        (int)act->kind);
  return clrelu__check_param(fn, act_param[act->kind], act->alpha);
}

clrelu_status clrelu__check_call(const clrelu_call *c, int param, float alpha,
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
  if (clrelu__check_param(c->fn, param, alpha) != CLRELU_SUCCESS)
    return CLRELU_ERROR_INVALID_ARGUMENT;
  for (int i = 0; i < c->nin; ++i)
    if (c->in[i]->ctx != c->ctx)
      return clrelu__fail(CLRELU_ERROR_CONTEXT_MISMATCH,
                          "%s: %s belongs to another context", c->fn,
                          c->in_names[i]);
  if (c->out->ctx != c->ctx)
    return clrelu__fail(CLRELU_ERROR_CONTEXT_MISMATCH,
                        "%s: %s belongs to another context", c->fn,
                        c->out_name);
  for (int i = 0; i <= c->nin; ++i) {
    const clrelu_buffer *b = i < c->nin ? c->in[i] : c->out;
    if (b->dtype == CLRELU_MASK)
      return clrelu__fail(CLRELU_ERROR_DTYPE_MISMATCH,
                          "%s: %s is a mask (CLRELU_MASK), not data", c->fn,
                          i < c->nin ? c->in_names[i] : c->out_name);
  }
  for (int i = 0; i < c->nin; ++i)
    if (c->in[i]->dtype != c->out->dtype)
      return clrelu__fail(CLRELU_ERROR_DTYPE_MISMATCH,
                          "%s: %s and %s differ in dtype", c->fn,
                          c->in_names[i], c->out_name);
  return CLRELU_SUCCESS;
}

clrelu_status clrelu__check_count(const char *fn, const clrelu_buffer *b,
                                  const char *name, size_t need) {
  if (b->count < need)
    return clrelu__fail(CLRELU_ERROR_OUT_OF_RANGE,
                        "%s: %zu elements asked of %s, which holds %zu", fn,
                        need, name, b->count);
  return CLRELU_SUCCESS;
}

int clrelu__overlaps(const clrelu_buffer *a, size_t na, const clrelu_buffer *b,
                     size_t nb, int *same) {
  if (same)
    *same = 0;
  if (a->root != b->root)
    return 0;
  if (!clrelu__ranges_overlap(a->root_byte, clrelu__bytes(a->dtype, na),
                              b->root_byte, clrelu__bytes(b->dtype, nb)))
    return 0;
  if (same)
    *same = a->root_byte == b->root_byte && na == nb;
  return 1;
}

int clrelu__ranges_overlap(uintptr_t a, size_t abytes, uintptr_t b,
                           size_t bbytes) {
  return a < b + bbytes && b < a + abytes;
}

clrelu_status clrelu__check_in_place(const char *fn, const clrelu_buffer *in,
                                     const char *in_name,
                                     const clrelu_buffer *out,
                                     const char *out_name, size_t n) {
  int same;
  if (clrelu__overlaps(in, n, out, n, &same) && !same)
    return clrelu__fail(CLRELU_ERROR_INVALID_ARGUMENT,
                        "%s: %s partly overlaps %s (in place needs exactly "
                        "the same elements)",
                        fn, out_name, in_name);
  return CLRELU_SUCCESS;
}

clrelu_status clrelu__check_shape(const char *fn, size_t outer, size_t channels,
                                  size_t inner, size_t elem_size,
                                  size_t *total) {
  size_t lim = SIZE_MAX / elem_size;
  if (outer != 0 && channels != 0 &&
      (channels > lim / outer || inner > lim / (outer * channels)))
    return clrelu__fail(CLRELU_ERROR_OUT_OF_RANGE,
                        "%s: outer * channels * inner = %zu * %zu * %zu "
                        "overflows size_t",
                        fn, outer, channels, inner);
  *total = outer * channels * inner;
  return CLRELU_SUCCESS;
}

clrelu_status clrelu__check_channels(const char *fn, const clrelu_buffer *x,
                                     const clrelu_buffer *const *ch,
                                     const char *const *names, int nch,
                                     const clrelu_buffer *y, size_t outer,
                                     size_t channels, size_t inner,
                                     size_t *total) {
  clrelu_status st = clrelu__check_shape(fn, outer, channels, inner, 1, total);
  if (st == CLRELU_SUCCESS)
    st = clrelu__check_count(fn, x, "x", *total);
  for (int i = 0; i < nch && st == CLRELU_SUCCESS; ++i)
    if (ch[i])
      st = clrelu__check_count(fn, ch[i], names[i], channels);
  if (st == CLRELU_SUCCESS)
    st = clrelu__check_count(fn, y, "y", *total);
  if (st == CLRELU_SUCCESS)
    st = clrelu__check_in_place(fn, x, "x", y, "y", *total);
  for (int i = 0; i < nch && st == CLRELU_SUCCESS; ++i)
    if (ch[i] && clrelu__overlaps(ch[i], channels, y, *total, NULL))
      st = clrelu__fail(CLRELU_ERROR_INVALID_ARGUMENT, "%s: y overlaps %s", fn,
                        names[i]);
  return st;
}

clrelu_status clrelu__check_gradient(const char *fn, const clrelu_context *ctx,
                                     const clrelu_buffer *g, const char *name) {
  if (g && g->ctx != ctx)
    return clrelu__fail(CLRELU_ERROR_CONTEXT_MISMATCH,
                        "%s: %s belongs to another context", fn, name);
  if (g && g->dtype != CLRELU_F32)
    return clrelu__fail(CLRELU_ERROR_DTYPE_MISMATCH,
                        "%s: %s must be CLRELU_F32 (gradients are summed in "
                        "float32 whatever the data's dtype)",
                        fn, name);
  return CLRELU_SUCCESS;
}
