/* The plain scalar reference every result is checked against. Written from
 * the semantics table alone, independent of the library's own CPU code. */
#ifndef CLRELU_TEST_REFERENCE_H
#define CLRELU_TEST_REFERENCE_H

#include <stddef.h>

float ref_relu(float x);
float ref_relu_derivative(float x);
float ref_relu_backward(float dy, float x);
float ref_leaky_relu(float x, float alpha);
float ref_leaky_relu_backward(float dy, float x, float alpha);
float ref_bias_relu(float x, float bias, float alpha);

/* The elementwise ops by number, in the order tests loop over them. */
enum ref_op { REF_RELU, REF_DERIV, REF_LEAKY, REF_RBWD, REF_LBWD, REF_NOPS };
extern const char *const ref_op_names[REF_NOPS];
/* Whether op reads dy (the backward ops). */
int ref_op_binary(enum ref_op op);
/* op at one element; dy is read by the backward ops only. */
float ref_op(enum ref_op op, float dy, float x, float alpha);

/* y[(o*channels + c)*inner + i] = ref_bias_relu(x[...], bias[c], alpha) */
void ref_bias_relu_array(const float *x, const float *bias, float *y,
                         size_t outer, size_t channels, size_t inner,
                         float alpha);

#endif

/* 16-bit formats, written from their definitions with double arithmetic
 * (independent of the library's integer tricks). dtype: 1 = F16, 2 = BF16
 * (the values of CLRELU_F16 and CLRELU_BF16). */
float ref_16_to_f32(int dtype, unsigned short h);
unsigned short ref_f32_to_16(int dtype, float f); /* nearest even */
int ref_16_is_nan(int dtype, unsigned short h);
