/* Where an element of an [outer][channels][inner] array sits, for the CPU
 * twins that work in runs of elements. */
#include "internal.h"

#include <string.h>

void clrelu__channel_values(const float *values, size_t channels, size_t inner,
                            size_t p, size_t n, float *out) {
  const size_t plane = p / inner;
  size_t pos = p - plane * inner, c = plane % channels;
  for (size_t k = 0; k < n;) {
    if (inner == 1) { /* a row: channels c, c + 1, ... */
      const size_t run = channels - c < n - k ? channels - c : n - k;
      memcpy(out + k, values + c, run * sizeof *out);
      k += run;
      c = c + run == channels ? 0 : c + run;
      continue;
    }
    const size_t run = inner - pos < n - k ? inner - pos : n - k;
    for (size_t r = 0; r < run; ++r)
      out[k + r] = values[c];
    k += run;
    pos += run;
    if (pos == inner) {
      pos = 0;
      c = c + 1 == channels ? 0 : c + 1;
    }
  }
}
