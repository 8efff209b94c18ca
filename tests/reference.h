/* The plain scalar reference every result is checked against. Written from
 * the semantics table alone, independent of the library's own CPU code. */
#ifndef CLRELU_TEST_REFERENCE_H
#define CLRELU_TEST_REFERENCE_H

#include "optable.h"

#include <stddef.h>

float ref_relu(float x);
float ref_relu_derivative(float x);
float ref_relu_backward(float dy, float x);
float ref_leaky_relu(float x, float alpha);
float ref_leaky_relu_backward(float dy, float x, float alpha);
float ref_bias_relu(float x, float bias, float alpha);

/* The elementwise ops by number, from the library's op table (so no test
 * loop can leave an op out): REF_<ID>, in the table's order. */
#define REF_ID(C, ID, ...) REF_##ID,
enum ref_op { CLRELU_ELTWISE_OPS(REF_ID, 0) REF_NOPS };
#undef REF_ID
extern const char *const ref_op_names[REF_NOPS];
/* Whether op reads dy (the backward ops). */
int ref_op_binary(enum ref_op op);
/* Whether op takes alpha. */
int ref_op_has_alpha(enum ref_op op);
/* op at one element; dy is read by the backward ops only. */
float ref_op(enum ref_op op, float dy, float x, float alpha);

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
