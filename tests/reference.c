#include "reference.h"

#include <math.h>

float ref_relu(float x) {
  if (isnan(x))
    return x;
  return x > 0.0f ? x : 0.0f;
}

float ref_relu_derivative(float x) {
  if (isnan(x))
    return x;
  return x > 0.0f ? 1.0f : 0.0f;
}

float ref_relu_backward(float dy, float x) {
  if (isnan(x))
    return x;
  return x > 0.0f ? dy : 0.0f;
}

float ref_leaky_relu(float x, float alpha) {
  if (isnan(x))
    return x;
  return x > 0.0f ? x : alpha * x;
}

float ref_leaky_relu_backward(float dy, float x, float alpha) {
  if (isnan(x))
    return x;
  return x > 0.0f ? dy : alpha * dy;
}

float ref_bias_relu(float x, float bias, float alpha) {
  float t = x + bias; /* rounded to float once */
  return alpha == 0.0f ? ref_relu(t) : ref_leaky_relu(t, alpha);
}

void ref_bias_relu_array(const float *x, const float *bias, float *y,
                         size_t outer, size_t channels, size_t inner,
                         float alpha) {
  for (size_t o = 0; o < outer; ++o)
    for (size_t c = 0; c < channels; ++c)
      for (size_t i = 0; i < inner; ++i) {
        size_t k = (o * channels + c) * inner + i;
        y[k] = ref_bias_relu(x[k], bias[c], alpha);
      }
}
