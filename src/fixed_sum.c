/* The fixed-order sum of kernels/reduce.cl on the CPU: the same additions
 * in the same order, so the CPU gives the device's bits. */
#include "internal.h"

#include <string.h>

float clrelu__block_sum(float *v) {
  typedef float v4 __attribute__((vector_size(16)));
  for (size_t s = CLRELU_SUM_BLOCK / 2; s >= 4; s >>= 1)
    for (size_t i = 0; i < s; i += 4) { /* four additions at once */
      v4 a, b;
      memcpy(&a, v + i, sizeof a);
      memcpy(&b, v + i + s, sizeof b);
      a = a + b;
      memcpy(v + i, &a, sizeof a);
    }
  for (size_t s = 2; s > 0; s >>= 1)
    for (size_t i = 0; i < s; ++i)
      v[i] = v[i] + v[i + s];
  return v[0];
}

size_t clrelu__sum_blocks(size_t m) {
  return (m + CLRELU_SUM_BLOCK - 1) / CLRELU_SUM_BLOCK;
}

float clrelu__fixed_sum(clrelu_terms_fn terms, const void *arg, size_t m,
                        float *scratch) {
  float v[CLRELU_SUM_BLOCK];
  size_t nb = clrelu__sum_blocks(m);
  if (nb == 0)
    return 0.0f;
  for (size_t b = 0; b < nb; ++b) {
    size_t j0 = b * CLRELU_SUM_BLOCK,
           k = m - j0 < CLRELU_SUM_BLOCK ? m - j0 : CLRELU_SUM_BLOCK;
    terms(arg, j0, k, v);
    memset(v + k, 0, (CLRELU_SUM_BLOCK - k) * sizeof *v); /* +0.0 */
    scratch[b] = clrelu__block_sum(v);
  }
  while (nb > 1) { /* the next level, in place: block b reads from 256 b */
    size_t nb2 = clrelu__sum_blocks(nb);
    for (size_t b = 0; b < nb2; ++b) {
      size_t j0 = b * CLRELU_SUM_BLOCK,
             k = nb - j0 < CLRELU_SUM_BLOCK ? nb - j0 : CLRELU_SUM_BLOCK;
      memcpy(v, scratch + j0, k * sizeof *v);
      memset(v + k, 0, (CLRELU_SUM_BLOCK - k) * sizeof *v);
      scratch[b] = clrelu__block_sum(v);
    }
    nb = nb2;
  }
  return scratch[0];
}
