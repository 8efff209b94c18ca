/* The plain scalar reference every result is checked against. Written from
 * the semantics table alone, independent of the library's own CPU code. */
#ifndef CLRELU_TEST_REFERENCE_H
#define CLRELU_TEST_REFERENCE_H

#include "optable.h"

#include <stddef.h>
#include <stdint.h>

float ref_relu(float x);
float ref_relu_derivative(float x);
float ref_relu_backward(float dy, float x);
float ref_leaky_relu(float x, float alpha);
float ref_leaky_relu_backward(float dy, float x, float alpha);
float ref_clipped_relu(float x, float cap);
float ref_clipped_relu_backward(float dy, float x, float cap);
float ref_thresholded_relu(float x, float theta);
float ref_thresholded_relu_backward(float dy, float x, float theta);
float ref_bias_relu(float x, float bias, float alpha);

/* The elementwise ops by number, from the library's op table (so no test
 * loop can leave an op out): REF_<ID>, in the table's order. */
#define REF_ID(C, ID, ...) REF_##ID,
enum ref_op { CLRELU_ELTWISE_OPS(REF_ID, 0) REF_NOPS };
#undef REF_ID
extern const char *const ref_op_names[REF_NOPS];
/* Whether op reads dy (the backward ops). */
int ref_op_binary(enum ref_op op);
/* Whether op takes a parameter (alpha, cap or theta). */
int ref_op_has_alpha(enum ref_op op);
/* The k-th of REF_NPARAMS parameters valid for op (any k >= 0, taken
 * modulo): alphas of every sign, caps from tiny to +inf, negative thetas;
 * 0 for ops without one. */
#define REF_NPARAMS 5
float ref_op_param(enum ref_op op, int k);
/* A parameter op must refuse (NaN, +-inf, or for a cap 0 and below), the
 * k-th of REF_NBAD_PARAMS; NAN for ops without one. */
#define REF_NBAD_PARAMS 3
float ref_op_bad_param(enum ref_op op, int k);
/* op at one element; dy is read by the backward ops only. */
float ref_op(enum ref_op op, float dy, float x, float alpha);

/* The activations of the fused ops by number, from the op table: REF_ACT_<ID>
 * is CLRELU_ACT_<ID>. */
#define REF_ACT_ID(C, ID, ...) REF_ACT_##ID,
enum ref_act { CLRELU_BIAS_ACTS(REF_ACT_ID, 0) REF_NACTS };
#undef REF_ACT_ID
extern const char *const ref_act_names[REF_NACTS];
/* a(t) of activation act with parameter alpha. */
float ref_act(enum ref_act act, float alpha, float t);
/* Whether act takes alpha; its valid and refused values, as ref_op_param and
 * ref_op_bad_param. */
int ref_act_has_param(enum ref_act act);
float ref_act_param(enum ref_act act, int k);
float ref_act_bad_param(enum ref_act act, int k);
/* y[(o*channels + c)*inner + i] = ref_act(act, alpha, x[...] + bias[c]),
 * the sum rounded to float; with bias NULL, of x[...] alone. */
void ref_bias_act_array(const float *x, const float *bias, float *y,
                        size_t outer, size_t channels, size_t inner,
                        enum ref_act act, float alpha);

/* Training masks: whether t takes act's pass-through branch (clrelu.h's
 * clrelu_bias_act_mask); the mask words of t = x + bias[c] (bias NULL:
 * t = x) over [outer][channels][inner], bit i of word i / 32, the last
 * word's bits past the end 0. */
int ref_act_pass(enum ref_act act, float alpha, float t);
void ref_bias_act_mask(const float *x, const float *bias, uint32_t *mask,
                       size_t outer, size_t channels, size_t inner,
                       enum ref_act act, float alpha);

/* The backward passes at one element: from a mask bit, and from the
 * forward pre-activation t (NaN where t is NaN). */
float ref_backward_mask(enum ref_act act, float alpha, int bit, float dy);
float ref_bias_act_backward(enum ref_act act, float alpha, float t, float dy);
/* sums[c] = the fixed-order sum of clrelu.h (clrelu_act_backward_mask's
 * dbias) of channel c's elements of v, laid out [outer][channels][inner]. */
void ref_channel_sums(const float *v, size_t outer, size_t channels,
                      size_t inner, float *sums);

/* PReLU with slope s; its backward pass. */
float ref_prelu(float x, float s);
float ref_prelu_backward(float dy, float x, float s);
/* dslope[c] for PReLU's backward pass over [outer][channels][inner], in the
 * fixed order of clrelu.h, written from that text. */
void ref_prelu_dslope(const float *dy, const float *x, size_t outer,
                      size_t channels, size_t inner, float *dslope);

/* y[(o*channels + c)*inner + i] = ref_bias_relu(x[...], bias[c], alpha) */
void ref_bias_relu_array(const float *x, const float *bias, float *y,
                         size_t outer, size_t channels, size_t inner,
                         float alpha);

/* 16-bit formats, written from their definitions with double arithmetic
 * (independent of the library's integer tricks). dtype: 1 = F16, 2 = BF16
 * (the values of CLRELU_F16 and CLRELU_BF16). */
float ref_16_to_f32(int dtype, unsigned short h);
unsigned short ref_f32_to_16(int dtype, float f); /* nearest even */
int ref_16_is_nan(int dtype, unsigned short h);

#endif
