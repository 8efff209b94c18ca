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

/* y[(o*channels + c)*inner + i] = ref_bias_relu(x[...], bias[c], alpha) */
void ref_bias_relu_array(const float *x, const float *bias, float *y,
                         size_t outer, size_t channels, size_t inner,
                         float alpha);

#endif
