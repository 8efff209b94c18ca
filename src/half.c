/* Conversions between float32 and the 16-bit dtypes on the host: exact
 * integer versions (the same algorithms as the kernels), and F16C
 * instructions where the CPU has them. Round to nearest even; NaN stays NaN.
 */
#include "internal.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#include <immintrin.h>
#define CLRELU_X86 1
#endif

static uint32_t bits_of(float f) {
  uint32_t u;
  memcpy(&u, &f, sizeof u);
  return u;
}

static float float_of(uint32_t u) {
  float f;
  memcpy(&f, &u, sizeof f);
  return f;
}

float clrelu__f16_to_f32(uint16_t h) {
  uint32_t sign = (uint32_t)(h & 0x8000u) << 16, em = h & 0x7fffu;
  if (em < 0x400u) /* zero and denormals: em * 2^-24, exact */
    return float_of(bits_of((float)em * 0x1p-24f) | sign);
  uint32_t r = (em << 13) + 0x38000000u; /* rebias 15 -> 127 */
  if (em >= 0x7c00u)                     /* inf, NaN: exponent 255 */
    r += 0x38000000u;
  return float_of(r | sign);
}

uint16_t clrelu__f32_to_f16(float f) {
  uint32_t x = bits_of(f), sign = (x >> 16) & 0x8000u, ax = x & 0x7fffffffu;
  uint32_t r;
  if (ax > 0x7f800000u) /* NaN */
    r = 0x7e00u;
  else if (ax >= 0x47800000u) /* overflow: inf */
    r = 0x7c00u;
  else if (ax < 0x38800000u) /* denormal: let the adder round, against 0.5 */
    r = bits_of(float_of(ax) + 0.5f) - 0x3f000000u;
  else /* normal: rebias and round on the 13 dropped bits */
    r = (ax + 0xc8000fffu + ((ax >> 13) & 1u)) >> 13;
  return (uint16_t)(r | sign);
}

float clrelu__bf16_to_f32(uint16_t h) { return float_of((uint32_t)h << 16); }

uint16_t clrelu__f32_to_bf16(float f) {
  uint32_t x = bits_of(f);
  if ((x & 0x7fffffffu) > 0x7f800000u) /* NaN: keep it one, quiet */
    return (uint16_t)((x >> 16) | 0x40u);
  return (uint16_t)((x + 0x7fffu + ((x >> 16) & 1u)) >> 16);
}

/* ---- arrays ---- */

#ifdef CLRELU_X86
__attribute__((target("avx,f16c"))) static void
f16_to_f32_f16c(const uint16_t *s, float *d, size_t n) {
  size_t i = 0;
  for (; i + 8 <= n; i += 8)
    _mm256_storeu_ps(
        d + i, _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(s + i))));
  for (; i < n; ++i)
    d[i] = clrelu__f16_to_f32(s[i]);
}

__attribute__((target("avx,f16c"))) static void
f32_to_f16_f16c(const float *s, uint16_t *d, size_t n) {
  size_t i = 0;
  for (; i + 8 <= n; i += 8)
    _mm_storeu_si128(
        (__m128i *)(d + i),
        _mm256_cvtps_ph(_mm256_loadu_ps(s + i), _MM_FROUND_TO_NEAREST_INT));
  for (; i < n; ++i)
    d[i] = clrelu__f32_to_f16(s[i]);
}

static int have_f16c;
static pthread_once_t f16c_once = PTHREAD_ONCE_INIT;
static void f16c_init(void) {
  unsigned a, b, c, d;
  __builtin_cpu_init();
  /* CLRELU_CPU=sse2 caps the instruction set, F16C included */
  have_f16c = __builtin_cpu_supports("avx") && __get_cpuid(1, &a, &b, &c, &d) &&
              (c & bit_F16C) && clrelu__cpu_cap() != CLRELU_CAP_SSE2;
}
static int use_f16c(void) {
  pthread_once(&f16c_once, f16c_init);
  return have_f16c;
}
#endif

int clrelu__f16c(void) {
#ifdef CLRELU_X86
  return use_f16c();
#else
  return 0;
#endif
}

void clrelu_f16_to_f32(const uint16_t *src, float *dst, size_t n) {
#ifdef CLRELU_X86
  if (use_f16c()) {
    f16_to_f32_f16c(src, dst, n);
    return;
  }
#endif
  for (size_t i = 0; i < n; ++i)
    dst[i] = clrelu__f16_to_f32(src[i]);
}

void clrelu_f32_to_f16(const float *src, uint16_t *dst, size_t n) {
#ifdef CLRELU_X86
  if (use_f16c()) {
    f32_to_f16_f16c(src, dst, n);
    return;
  }
#endif
  for (size_t i = 0; i < n; ++i)
    dst[i] = clrelu__f32_to_f16(src[i]);
}

/* Simple loops: compilers vectorise these integer operations. */
void clrelu_bf16_to_f32(const uint16_t *src, float *dst, size_t n) {
  for (size_t i = 0; i < n; ++i)
    dst[i] = clrelu__bf16_to_f32(src[i]);
}

void clrelu_f32_to_bf16(const float *src, uint16_t *dst, size_t n) {
  for (size_t i = 0; i < n; ++i)
    dst[i] = clrelu__f32_to_bf16(src[i]);
}

void clrelu__to_f32(clrelu_dtype dtype, const uint16_t *src, float *dst,
                    size_t n) {
  if (dtype == CLRELU_F16)
    clrelu_f16_to_f32(src, dst, n);
  else
    clrelu_bf16_to_f32(src, dst, n);
}

void clrelu__from_f32(clrelu_dtype dtype, const float *src, uint16_t *dst,
                      size_t n) {
  if (dtype == CLRELU_F16)
    clrelu_f32_to_f16(src, dst, n);
  else
    clrelu_f32_to_bf16(src, dst, n);
}
