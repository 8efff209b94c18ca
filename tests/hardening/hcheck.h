/* Helpers shared by the hardening tests: the ops by number, their reference
 * results on arrays of any dtype (from tests/reference.c), comparisons and
 * seeded inputs with an explicit state, so threads can each have one. */
#ifndef CLRELU_HCHECK_H
#define CLRELU_HCHECK_H

#include "clrelu.h"
#include "optable.h"

#include <stddef.h>
#include <stdint.h>

/* The elementwise ops of the op table, numbered as the reference's
 * (HC_<ID> == REF_<ID>), then bias + ReLU (clrelu_bias_relu: Leaky ReLU for
 * alpha != 0), then clrelu_bias_act with each activation (HC_BIAS_<ID>),
 * then PReLU (its slopes where the bias ops have the bias). Every op from
 * HC_BIAS on takes a channel array. */
#define HC_ID(C, ID, ...) HC_##ID,
#define HC_BIAS_ID(C, ID, ...) HC_BIAS_##ID,
enum hc_op {
  CLRELU_ELTWISE_OPS(HC_ID, 0) HC_BIAS,
  CLRELU_BIAS_ACTS(HC_BIAS_ID, 0) HC_PRELU,
  HC_NOPS
};
#undef HC_ID
#undef HC_BIAS_ID
/* Whether op is a bias op (its second array is the bias). */
int hc_is_bias(enum hc_op op);
/* Whether op's bias may be NULL (clrelu_bias_act: then t = x). */
int hc_bias_optional(enum hc_op op);

extern const char *const hc_op_names[HC_NOPS];
extern const char *const hc_dtype_names[3];

/* Whether op reads a second array (dy, or the bias for HC_BIAS). */
int hc_binary(enum hc_op op);
/* Whether op takes a parameter (alpha, cap or theta). */
int hc_has_alpha(enum hc_op op);
/* Whether op accepts v as its parameter (clrelu.h: a cap > 0, +inf
 * included; a finite alpha or theta; anything for ops without one). */
int hc_param_ok(enum hc_op op, float v);
/* Bytes per element. */
size_t hc_size(clrelu_dtype d);

/* Element i of an array of dtype d as float32 (exact for every dtype). */
float hc_load(clrelu_dtype d, const void *p, size_t i);
/* Stores v as element i of an array of dtype d, rounded to nearest even. */
void hc_store(clrelu_dtype d, void *p, size_t i, float v);

/* The reference result of op over n elements: y[i] from a[i] (dy; for
 * HC_BIAS, a is the bias and element i takes a[(i / inner) % channels];
 * NULL where the bias is optional and absent) and
 * x[i]. Every input element is read before y[i] is written, so y may be x or
 * a exactly. */
void hc_expect(enum hc_op op, clrelu_dtype d, const void *a, const void *x,
               void *y, size_t n, size_t channels, size_t inner, float alpha);

/* Whether element i of got is an acceptable result for element i of want:
 * the same bits, or both NaN; when flush_ok, a denormal float32 (or bfloat16)
 * may also come back as a zero of its sign. */
int hc_same(clrelu_dtype d, const void *got, const void *want, size_t i,
            int flush_ok);

/* Runs op on the device. Elementwise ops use n; HC_BIAS uses outer, channels
 * and inner (a is the bias). ev may be NULL. */
clrelu_status hc_call(clrelu_context *ctx, enum hc_op op,
                      const clrelu_buffer *a, const clrelu_buffer *x,
                      clrelu_buffer *y, size_t n, size_t outer, size_t channels,
                      size_t inner, float alpha, const clrelu_events *ev);

/* splitmix64 on *s. */
uint64_t hc_rand(uint64_t *s);
/* n elements of dtype d: mostly ordinary values, with NaNs (payloads, both
 * signs), infinities, signed zeros, denormals and extremes mixed in. */
void hc_fill(clrelu_dtype d, void *p, size_t n, uint64_t *s);
/* A finite alpha: 0, -0, small, negative, large, denormal. */
float hc_param(enum hc_op op, uint64_t *s);

#endif
