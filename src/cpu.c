/* The ops on host arrays: vectorised for the running CPU (chosen at run
 * time, so one binary runs on every x86-64), multi-threaded for large
 * arrays, with streaming stores once the output no longer fits in cache.
 *
 * Every op is written once, as an expression over vectors of W floats (GCC
 * and clang vector extensions); comparisons yield lanes of all ones or all
 * zeros, so selecting is done on the bits and NaN, -0.0 and infinities come
 * out exactly as in the scalar definition. Heads and tails shorter than a
 * vector go through the same expression on a partly filled vector. */
#include "internal.h"

#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define CLRELU_X86 1
#endif

/* ---- the ops as vector expressions ----
 * A: first input (x, or dy for backward), B: second input (x for backward,
 * the bias for bias ops), Z: zeros, AV: alpha in every lane, ONE: 1.0f's
 * bits in every lane. */
#define SEL(m, t, f) ((vf)(((vi)(t) & (m)) | ((vi)(f) & ~(m))))
#define RELU_OF(t) ((vf)((vi)(t) & ~((t) <= Z)))
#define LEAKY_OF(t) SEL((t) > Z, (t), AV * (t))
/* t >= cap takes cap (NaN does not), then ReLU clears t <= 0 */
#define CLIPPED_OF(t) RELU_OF(SEL((t) >= AV, AV, (t)))
#define THRESHOLDED_OF(t) ((vf)((vi)(t) & (((t) > AV) | ((t) != (t)))))
/* The op table's expressions (src/optable.h): E_<ID> for the elementwise
 * ops, ACT_<ID>(t) for the bias activations. */
#define E_RELU RELU_OF(A)
#define E_RELU_DERIVATIVE ((vf)(((A > Z) & ONE) | ((A != A) & (vi)A)))
#define E_LEAKY_RELU LEAKY_OF(A)
#define E_RELU_BACKWARD ((vf)(((B > Z) & (vi)A) | ((B != B) & (vi)B)))
#define E_LEAKY_RELU_BACKWARD SEL(B > Z, A, SEL(B != B, B, AV * A))
#define E_CLIPPED_RELU CLIPPED_OF(A)
#define E_CLIPPED_RELU_BACKWARD                                                \
  ((vf)(((B > Z) & (B < AV) & (vi)A) | ((B != B) & (vi)B)))
#define E_THRESHOLDED_RELU THRESHOLDED_OF(A)
#define E_THRESHOLDED_RELU_BACKWARD                                            \
  ((vf)(((B > AV) & (vi)A) | ((B != B) & (vi)B)))
#define ACT_IDENTITY(t) (t)
#define ACT_RELU(t) RELU_OF(t)
#define ACT_LEAKY_RELU(t) LEAKY_OF(t)
#define ACT_CLIPPED_RELU(t) CLIPPED_OF(t)
#define ACT_THRESHOLDED_RELU(t) THRESHOLDED_OF(t)

/* What the expressions use, in a loop over vectors vf / vi of W lanes. */
#define OP_CONSTANTS(W)                                                        \
  const vf Z = {0};                                                            \
  vf AV, BS;                                                                   \
  vi ONE;                                                                      \
  for (int l = 0; l < (W); ++l) {                                              \
    AV[l] = alpha;                                                             \
    BS[l] = bs;                                                                \
    ONE[l] = 0x3f800000;                                                       \
  }                                                                            \
  (void)Z;                                                                     \
  (void)AV;                                                                    \
  (void)BS;                                                                    \
  (void)ONE

/* One loop over m elements: y[i] = EXPR(a[i], b[i] or bs). With nt, the
 * output is first brought to vector alignment, then written with streaming
 * stores. */
typedef void (*cpu_loop)(const float *a, const float *b, float *y, size_t m,
                         float alpha, float bs, int nt);

#define CPU_LOOP(NAME, TARGET_ATTR, W, STREAM, LOAD_B, EXPR)                   \
  TARGET_ATTR static void NAME(const float *a, const float *b, float *y,       \
                               size_t m, float alpha, float bs, int nt) {      \
    typedef float vf __attribute__((vector_size((size_t)(W)*4)));              \
    typedef int32_t vi __attribute__((vector_size((size_t)(W)*4)));            \
    OP_CONSTANTS(W);                                                           \
    (void)b;                                                                   \
    size_t i = 0;                                                              \
    if (nt && ((uintptr_t)y & 3) != 0)                                         \
      nt = 0;                                                                  \
    if (nt) {                          /* peel until y is aligned */           \
      const size_t vb = (size_t)(W)*4; /* vector bytes */                      \
      size_t h = ((vb - ((uintptr_t)y & (vb - 1))) & (vb - 1)) / 4;            \
      i = h < m ? h : m;                                                       \
    }                                                                          \
    if (i > 0) { /* the partial head [0, i) */                                 \
      vf A = Z, B = BS;                                                        \
      memcpy(&A, a, i * 4);                                                    \
      if (LOAD_B)                                                              \
        memcpy(&B, b, i * 4);                                                  \
      vf R = EXPR;                                                             \
      memcpy(y, &R, i * 4);                                                    \
    }                                                                          \
    if (nt) {                                                                  \
      for (; i + (W) <= m; i += (W)) {                                         \
        vf A, B = BS;                                                          \
        memcpy(&A, a + i, sizeof A);                                           \
        if (LOAD_B)                                                            \
          memcpy(&B, b + i, sizeof B);                                         \
        STREAM(y + i, EXPR);                                                   \
      }                                                                        \
    } else {                                                                   \
      for (; i + (W) <= m; i += (W)) {                                         \
        vf A, B = BS;                                                          \
        memcpy(&A, a + i, sizeof A);                                           \
        if (LOAD_B)                                                            \
          memcpy(&B, b + i, sizeof B);                                         \
        vf R = EXPR;                                                           \
        memcpy(y + i, &R, sizeof R);                                           \
      }                                                                        \
    }                                                                          \
    if (i < m) {                                                               \
      vf A = Z, B = BS;                                                        \
      memcpy(&A, a + i, (m - i) * 4);                                          \
      if (LOAD_B)                                                              \
        memcpy(&B, b + i, (m - i) * 4);                                        \
      vf R = EXPR;                                                             \
      memcpy(y + i, &R, (m - i) * 4);                                          \
    }                                                                          \
  }

/* The loops' ids: the elementwise ops of the table, then two per bias
 * activation (a bias per element, one bias for the whole run). */
#define OP_ELTWISE_ID(C, ID, ...) OP_##ID,
#define OP_BIAS_IDS(C, ID, ...) OP_BIAS_##ID##_E, OP_BIAS_##ID##_S,
enum {
  CLRELU_ELTWISE_OPS(OP_ELTWISE_ID, 0) CLRELU_BIAS_ACTS(OP_BIAS_IDS, 0) OP_COUNT
};

/* One loop function per id, made by LOOP(NAME, BKIND, EXPR), where LOOP
 * stands for one instruction set and BKIND says what the second input is
 * (0: none, 1: a second array like the first, 2: float32 biases); then the
 * table of them, PREFIX_table, of type FN_T. */
#define BKIND_OF_1 0
#define BKIND_OF_2 1
#define LOOP_ELTWISE(LOOP, ID, name, inputs, ...)                              \
  LOOP(name, BKIND_OF_##inputs, E_##ID)
#define LOOP_BIAS(LOOP, ID, name, ...)                                         \
  LOOP(bias_##name##_e, 2, ACT_##ID(A + B))                                    \
  LOOP(bias_##name##_s, 0, ACT_##ID(A + B))
#define PTR_ELTWISE(P, ID, name, ...) [OP_##ID] = P##_##name,
#define PTR_BIAS(P, ID, name, ...)                                             \
  [OP_BIAS_##ID##_E] = P##_bias_##name##_e,                                    \
  [OP_BIAS_##ID##_S] = P##_bias_##name##_s,
#define OP_TABLE(LOOP, FN_T, PREFIX)                                           \
  CLRELU_ELTWISE_OPS(LOOP_ELTWISE, LOOP)                                       \
  CLRELU_BIAS_ACTS(LOOP_BIAS, LOOP)                                            \
  static const FN_T PREFIX##_table[OP_COUNT] = {CLRELU_ELTWISE_OPS(            \
      PTR_ELTWISE, PREFIX) CLRELU_BIAS_ACTS(PTR_BIAS, PREFIX)};

#define NO_ATTR
#define PLAIN_STORE(p, v)                                                      \
  do {                                                                         \
    vf r_ = (v);                                                               \
    memcpy((p), &r_, sizeof r_);                                               \
  } while (0)

/* ---- 16-bit ReLU, its derivative and backward pass, on the bits ----
 * Each result is the input, +0, 1.0 or the kept NaN, so no conversion: the
 * same expressions as the kernels, on 16-bit lanes (two per float lane).
 * As signed 16-bit numbers, NINF is -infinity's bits: above it lie +0, the
 * positives, positive NaNs and the negative NaNs; INF is +infinity's bits,
 * above which a magnitude is NaN. */
#define NAN16(h) (((vs)((h)&0x7fff)) > INF)
#define POS16(h) (((vs)(h) > ZS) & ~NAN16(h))
#define E16_RELU ((vh)A & (vh)((vs)A > NINF))
#define E16_RELU_DERIVATIVE ((vh)((POS16(A) & ONE) | (NAN16(A) & (vs)A)))
#define E16_RELU_BACKWARD ((vh)((POS16(B) & (vs)A) | (NAN16(B) & (vs)B)))

typedef void (*cpu_loop16)(const uint16_t *a, const uint16_t *b, uint16_t *y,
                           size_t m, uint16_t inf, uint16_t one, int nt);

/* Elements [p, e) of a partly filled vector. */
#define PARTIAL16(p, e, EXPR)                                                  \
  do {                                                                         \
    vh A = {0}, B = {0};                                                       \
    memcpy(&A, a + (p), ((e) - (p)) * 2);                                      \
    if (b)                                                                     \
      memcpy(&B, b + (p), ((e) - (p)) * 2);                                    \
    vh R = EXPR;                                                               \
    memcpy(y + (p), &R, ((e) - (p)) * 2);                                      \
  } while (0)

#define CPU_LOOP16(NAME, TARGET_ATTR, W, STREAM, EXPR)                         \
  TARGET_ATTR static void NAME(const uint16_t *a, const uint16_t *b,           \
                               uint16_t *y, size_t m, uint16_t inf,            \
                               uint16_t one, int nt) {                         \
    typedef uint16_t vh __attribute__((vector_size((size_t)(W)*4)));           \
    typedef int16_t vs __attribute__((vector_size((size_t)(W)*4)));            \
    enum { L = (W)*2 }; /* lanes */                                            \
    vs INF, NINF, ONE, ZS = {0};                                               \
    for (int l = 0; l < L; ++l) {                                              \
      INF[l] = (int16_t)inf;                                                   \
      NINF[l] = (int16_t)(inf | 0x8000);                                       \
      ONE[l] = (int16_t)one;                                                   \
    }                                                                          \
    (void)b;                                                                   \
    (void)INF;                                                                 \
    (void)NINF;                                                                \
    (void)ONE;                                                                 \
    (void)ZS;                                                                  \
    size_t i = 0;                                                              \
    if (nt && ((uintptr_t)y & 1) != 0)                                         \
      nt = 0;                                                                  \
    if (nt) { /* peel until y is aligned */                                    \
      size_t vb = sizeof(vh),                                                  \
             h = ((vb - ((uintptr_t)y & (vb - 1))) & (vb - 1)) / 2;            \
      i = h < m ? h : m;                                                       \
    }                                                                          \
    if (i > 0)                                                                 \
      PARTIAL16(0, i, EXPR);                                                   \
    for (; i + L <= m; i += L) {                                               \
      vh A, B = {0};                                                           \
      memcpy(&A, a + i, sizeof A);                                             \
      if (b)                                                                   \
        memcpy(&B, b + i, sizeof B);                                           \
      vh R = EXPR;                                                             \
      if (nt)                                                                  \
        STREAM(y + i, R);                                                      \
      else                                                                     \
        memcpy(y + i, &R, sizeof R);                                           \
    }                                                                          \
    if (i < m)                                                                 \
      PARTIAL16(i, m, EXPR);                                                   \
  }

/* Indexed by op, for the rows with bits16 = 1 (NULL elsewhere); LOOP(NAME,
 * EXPR) stands for one instruction set. */
#define LOOP16_ELTWISE(LOOP, ID, name, inputs, param, out, bits16)             \
  CLRELU_WHEN_##bits16(LOOP(name##16, E16_##ID))
#define PTR16_ITEM(P, ID, name) [OP_##ID] = P##_##name##16,
#define PTR16_ELTWISE(P, ID, name, inputs, param, out, bits16)                 \
  CLRELU_WHEN_##bits16(PTR16_ITEM(P, ID, name))
#define OP_TABLE16(LOOP, PREFIX)                                               \
  CLRELU_ELTWISE_OPS(LOOP16_ELTWISE, LOOP)                                     \
  static const cpu_loop16 PREFIX##_table16[OP_COUNT] = {                       \
      CLRELU_ELTWISE_OPS(PTR16_ELTWISE, PREFIX)};

/* ---- the float ops on 16-bit data, converting in registers ----
 * The same expressions, with each vector of W elements converted on load
 * and rounded once on store (LD/ST); B is the second 16-bit input (BKIND
 * 1), the float32 bias (2) or BS (0). The tail goes through a zeroed
 * vector's worth of elements. */
typedef void (*cpu_loopx)(const void *a, const void *b, void *y, size_t m,
                          float alpha, float bs);

#define CPU_LOOPX(NAME, TARGET_ATTR, W, LD, ST, BKIND, EXPR)                   \
  TARGET_ATTR static void NAME(const void *a_, const void *b_, void *y_,       \
                               size_t m, float alpha, float bs) {              \
    typedef float vf __attribute__((vector_size((size_t)(W)*4)));              \
    typedef int32_t vi __attribute__((vector_size((size_t)(W)*4)));            \
    const uint16_t *a = a_, *b16 = b_;                                         \
    const float *bf = b_;                                                      \
    uint16_t *y = y_;                                                          \
    OP_CONSTANTS(W);                                                           \
    (void)b16;                                                                 \
    (void)bf;                                                                  \
    size_t i = 0;                                                              \
    for (; i + (W) <= m; i += (W)) {                                           \
      vf A, B = BS;                                                            \
      LD(A, a + i);                                                            \
      if ((BKIND) == 1)                                                        \
        LD(B, b16 + i);                                                        \
      if ((BKIND) == 2)                                                        \
        memcpy(&B, bf + i, sizeof B);                                          \
      ST(y + i, EXPR);                                                         \
    }                                                                          \
    if (i < m) {                                                               \
      uint16_t ta[W] = {0}, tb[W] = {0}, ty[W];                                \
      vf A, B = BS;                                                            \
      memcpy(ta, a + i, (m - i) * 2);                                          \
      LD(A, ta);                                                               \
      if ((BKIND) == 1) {                                                      \
        memcpy(tb, b16 + i, (m - i) * 2);                                      \
        LD(B, tb);                                                             \
      }                                                                        \
      if ((BKIND) == 2)                                                        \
        memcpy(&B, bf + i, (m - i) * 4);                                       \
      ST(ty, EXPR);                                                            \
      memcpy(y + i, ty, (m - i) * 2);                                          \
    }                                                                          \
  }

/* The unsigned 32- and 16-bit vectors with as many lanes as vf. */
#define HALF_TYPES                                                             \
  typedef uint32_t vu __attribute__((vector_size(sizeof(vf))));                \
  typedef uint16_t vh __attribute__((vector_size(sizeof(vf) / 2)))
/* bfloat16: the upper half of a float32; rounding to nearest even on the
 * integer bits, NaN kept (quieted), as clrelu__f32_to_bf16. */
#define LD_BF16(A, p)                                                          \
  do {                                                                         \
    HALF_TYPES;                                                                \
    vh h_;                                                                     \
    memcpy(&h_, (p), sizeof h_);                                               \
    (A) = (vf)(__builtin_convertvector(h_, vu) << 16);                         \
  } while (0)
#define ST_BF16(p, v)                                                          \
  do {                                                                         \
    HALF_TYPES;                                                                \
    const vf f_ = (v);                                                         \
    const vu x_ = (vu)f_, nan_ = (vu)(f_ != f_);                               \
    vu r_ = x_ + 0x7fffu + ((x_ >> 16) & 1u);                                  \
    r_ = (r_ & ~nan_) | ((x_ | 0x400000u) & nan_);                             \
    const vh h_ = __builtin_convertvector(r_ >> 16, vh);                       \
    memcpy((p), &h_, sizeof h_);                                               \
  } while (0)

/* binary16 in integer operations, as clrelu__f16_to_f32 / clrelu__f32_to_f16
 * (and the kernels): exact, round to nearest even, NaN kept. */
#define LD_F16(A, p)                                                           \
  do {                                                                         \
    HALF_TYPES;                                                                \
    vh h_;                                                                     \
    memcpy(&h_, (p), sizeof h_);                                               \
    const vu u_ = __builtin_convertvector(h_, vu), em_ = u_ & 0x7fffu;         \
    vu r_ = (em_ << 13) + 0x38000000u;        /* rebias 15 -> 127 */           \
    r_ += (vu)(em_ >= 0x7c00u) & 0x38000000u; /* inf, NaN: exponent 255 */     \
    const vf den_ = __builtin_convertvector(em_, vf) * 0x1p-24f;               \
    const vu small_ = (vu)(em_ < 0x400u); /* zero and denormals */             \
    r_ = (r_ & ~small_) | ((vu)den_ & small_);                                 \
    (A) = (vf)(r_ | ((u_ & 0x8000u) << 16));                                   \
  } while (0)
#define ST_F16(p, v)                                                           \
  do {                                                                         \
    HALF_TYPES;                                                                \
    const vu x_ = (vu)(v), ax_ = x_ & 0x7fffffffu;                             \
    vu r_ = (ax_ + 0xc8000fffu + ((ax_ >> 13) & 1u)) >> 13;                    \
    const vf d_ = (vf)ax_ + 0.5f; /* denormal results: the adder rounds */     \
    vu m_ = (vu)(ax_ < 0x38800000u);                                           \
    r_ = (r_ & ~m_) | (((vu)d_ - 0x3f000000u) & m_);                           \
    m_ = (vu)(ax_ >= 0x47800000u); /* overflow: inf */                         \
    r_ = (r_ & ~m_) | (0x7c00u & m_);                                          \
    m_ = (vu)(ax_ > 0x7f800000u); /* NaN */                                    \
    r_ = (r_ & ~m_) | (0x7e00u & m_);                                          \
    const vh h_ = __builtin_convertvector(r_ | ((x_ >> 16) & 0x8000u), vh);    \
    memcpy((p), &h_, sizeof h_);                                               \
  } while (0)

#ifdef CLRELU_X86
/* The same bfloat16 conversions with x86's widening loads and narrowing
 * stores (the generic ones compile to shuffles). */
#define BF16_ROUND(v)                                                          \
  typedef uint32_t vu __attribute__((vector_size(sizeof(vf))));                \
  const vu x_ = (vu)(v), nan_ = (vu)((v) != (v));                              \
  vu r_ = x_ + 0x7fffu + ((x_ >> 16) & 1u);                                    \
  r_ = ((r_ & ~nan_) | ((x_ | 0x400000u) & nan_)) >> 16
#define LD_BF16_256(A, p)                                                      \
  ((A) = (vf)_mm256_slli_epi32(_mm256_cvtepu16_epi32(_mm_loadu_si128(          \
                                   (const __m128i *)(const void *)(p))),       \
                               16))
#define ST_BF16_256(p, v)                                                      \
  do {                                                                         \
    const vf f_ = (v);                                                         \
    BF16_ROUND(f_);                                                            \
    _mm_storeu_si128(                                                          \
        (__m128i *)(void *)(p),                                                \
        _mm_packus_epi32(_mm256_castsi256_si128((__m256i)r_),                  \
                         _mm256_extracti128_si256((__m256i)r_, 1)));           \
  } while (0)
#define LD_BF16_512(A, p)                                                      \
  ((A) = (vf)_mm512_slli_epi32(_mm512_cvtepu16_epi32(_mm256_loadu_si256(       \
                                   (const __m256i *)(const void *)(p))),       \
                               16))
#define ST_BF16_512(p, v)                                                      \
  do {                                                                         \
    const vf f_ = (v);                                                         \
    BF16_ROUND(f_);                                                            \
    _mm256_storeu_si256((__m256i *)(void *)(p),                                \
                        _mm512_cvtepi32_epi16((__m512i)r_));                   \
  } while (0)
/* binary16 through the F16C instructions (round to nearest even). */
#define LD_F16_256(A, p)                                                       \
  ((A) = (vf)_mm256_cvtph_ps(                                                  \
       _mm_loadu_si128((const __m128i *)(const void *)(p))))
#define ST_F16_256(p, v)                                                       \
  _mm_storeu_si128((__m128i *)(void *)(p),                                     \
                   _mm256_cvtps_ph((__m256)(v), _MM_FROUND_TO_NEAREST_INT))
#define LD_F16_512(A, p)                                                       \
  ((A) = (vf)_mm512_cvtph_ps(                                                  \
       _mm256_loadu_si256((const __m256i *)(const void *)(p))))
#define ST_F16_512(p, v)                                                       \
  _mm256_storeu_si256((__m256i *)(void *)(p),                                  \
                      _mm512_cvtps_ph((__m512)(v), _MM_FROUND_TO_NEAREST_INT))
#endif

/* Every loop of every instruction set: LOOP_<isa>(NAME, BKIND, EXPR) for
 * float32, LOOPX_<isa>_<dtype> converting 16-bit data in registers,
 * LOOP16_<isa>(NAME, EXPR) on 16-bit bits. */
#ifdef CLRELU_X86
#define STREAM_128(p, v) _mm_stream_ps((p), (__m128)(v))
#define STREAM_256(p, v) _mm256_stream_ps((p), (__m256)(v))
#define STREAM_512(p, v) _mm512_stream_ps((p), (__m512)(v))
#define STREAM16_128(p, v)                                                     \
  _mm_stream_si128((__m128i *)(void *)(p), (__m128i)(v))
#define STREAM16_256(p, v)                                                     \
  _mm256_stream_si256((__m256i *)(void *)(p), (__m256i)(v))
#define STREAM16_512(p, v) _mm512_stream_si512((void *)(p), (__m512i)(v))
#define SSE2 __attribute__((target("sse2")))
#define AVX2 __attribute__((target("avx2")))
#define AVX512 __attribute__((target("avx512f")))
#define LOOP_sse2(N, K, E) CPU_LOOP(sse2_##N, SSE2, 4, STREAM_128, K, E)
#define LOOP_avx2(N, K, E) CPU_LOOP(avx2_##N, AVX2, 8, STREAM_256, K, E)
#define LOOP_avx512(N, K, E) CPU_LOOP(avx512_##N, AVX512, 16, STREAM_512, K, E)
#define LOOP16_sse2(N, E) CPU_LOOP16(sse2_##N, SSE2, 4, STREAM16_128, E)
#define LOOP16_avx2(N, E) CPU_LOOP16(avx2_##N, AVX2, 8, STREAM16_256, E)
/* 16-bit lanes of 512-bit vectors need AVX-512 BW (without it the compiler
 * splits every 16-bit operation). */
#define AVX512BW __attribute__((target("avx512f,avx512bw")))
#define LOOP16_avx512(N, E)                                                    \
  CPU_LOOP16(avx512_##N, AVX512BW, 16, STREAM16_512, E)
#define LOOPX_sse2_bf16(N, K, E)                                               \
  CPU_LOOPX(sse2_bf16_##N, SSE2, 4, LD_BF16, ST_BF16, K, E)
#define LOOPX_sse2_f16(N, K, E)                                                \
  CPU_LOOPX(sse2_f16_##N, SSE2, 4, LD_F16, ST_F16, K, E)
#define LOOPX_avx2_bf16(N, K, E)                                               \
  CPU_LOOPX(avx2_bf16_##N, AVX2, 8, LD_BF16_256, ST_BF16_256, K, E)
#define LOOPX_avx512_bf16(N, K, E)                                             \
  CPU_LOOPX(avx512_bf16_##N, AVX512, 16, LD_BF16_512, ST_BF16_512, K, E)
#define LOOPX_avx2_f16(N, K, E)                                                \
  CPU_LOOPX(avx2_f16_##N, __attribute__((target("avx2,f16c"))), 8, LD_F16_256, \
            ST_F16_256, K, E)
#define LOOPX_avx512_f16(N, K, E)                                              \
  CPU_LOOPX(avx512_f16_##N, AVX512, 16, LD_F16_512, ST_F16_512, K, E)
OP_TABLE(LOOP_sse2, cpu_loop, sse2)
OP_TABLE(LOOP_avx2, cpu_loop, avx2)
OP_TABLE(LOOP_avx512, cpu_loop, avx512)
OP_TABLE16(LOOP16_sse2, sse2)
OP_TABLE16(LOOP16_avx2, avx2)
OP_TABLE16(LOOP16_avx512, avx512)
OP_TABLE(LOOPX_sse2_bf16, cpu_loopx, sse2_bf16)
OP_TABLE(LOOPX_sse2_f16, cpu_loopx, sse2_f16)
OP_TABLE(LOOPX_avx2_bf16, cpu_loopx, avx2_bf16)
OP_TABLE(LOOPX_avx512_bf16, cpu_loopx, avx512_bf16)
OP_TABLE(LOOPX_avx2_f16, cpu_loopx, avx2_f16)
OP_TABLE(LOOPX_avx512_f16, cpu_loopx, avx512_f16)
#else
#define PLAIN_STORE16(p, v) memcpy((p), &(v), sizeof(v))
#define LOOP_generic(N, K, E)                                                  \
  CPU_LOOP(generic_##N, NO_ATTR, 4, PLAIN_STORE, K, E)
#define LOOP16_generic(N, E)                                                   \
  CPU_LOOP16(generic_##N, NO_ATTR, 4, PLAIN_STORE16, E)
#define LOOPX_generic_bf16(N, K, E)                                            \
  CPU_LOOPX(generic_bf16_##N, NO_ATTR, 4, LD_BF16, ST_BF16, K, E)
#define LOOPX_generic_f16(N, K, E)                                             \
  CPU_LOOPX(generic_f16_##N, NO_ATTR, 4, LD_F16, ST_F16, K, E)
OP_TABLE(LOOP_generic, cpu_loop, generic)
OP_TABLE16(LOOP16_generic, generic)
OP_TABLE(LOOPX_generic_bf16, cpu_loopx, generic_bf16)
OP_TABLE(LOOPX_generic_f16, cpu_loopx, generic_f16)
#endif

/* ---- dispatch ---- */

typedef struct isa {
  const char *name;
  const cpu_loop *table;
  const cpu_loop16 *table16;
  const cpu_loopx *bf16, *f16, *f16_int; /* f16: NULL without F16C */
} isa;

static const isa *choose_isa(void) {
#ifdef CLRELU_X86
  static const isa isas[] = {{"avx512", avx512_table, avx512_table16,
                              avx512_bf16_table, avx512_f16_table,
                              sse2_f16_table},
                             {"avx2", avx2_table, avx2_table16, avx2_bf16_table,
                              avx2_f16_table, sse2_f16_table},
                             {"sse2", sse2_table, sse2_table16, sse2_bf16_table,
                              NULL, sse2_f16_table}};
  /* CLRELU_CPU caps the instruction set (for testing every path). */
  const int first = (int)clrelu__cpu_cap(); /* 0: none, 1: avx2, 2: sse2 */
  __builtin_cpu_init();
  if (first <= 0 && __builtin_cpu_supports("avx512f") &&
      __builtin_cpu_supports("avx512bw"))
    return &isas[0];
  if (first <= 1 && __builtin_cpu_supports("avx2"))
    return &isas[1];
  return &isas[2];
#else
  static const isa generic = {
      "generic",          generic_table, generic_table16,
      generic_bf16_table, NULL,          generic_f16_table};
  return &generic;
#endif
}

static const isa *the_isa;
static pthread_once_t isa_once = PTHREAD_ONCE_INIT;
static void isa_init(void) { the_isa = choose_isa(); }
static const isa *get_isa(void) {
  pthread_once(&isa_once, isa_init);
  return the_isa;
}

const char *clrelu_cpu_isa(void) { return get_isa()->name; }

/* ---- jobs: pieces for threads, bias patterns ---- */

/* Below this many elements one thread does all; streaming stores from this
 * many on (the output would only evict the cache). */
#define PARALLEL_MIN ((size_t)1 << 17)
#define STREAM_MIN ((size_t)1 << 20)
/* Short rows repeat their bias pattern; calls see at least this many. */
#define PATTERN_MIN 4096
#define PATTERN_MAX ((size_t)1 << 16)

static atomic_int thread_setting;

int clrelu_cpu_set_threads(int threads) {
  return atomic_exchange(&thread_setting, threads < 0 ? 0 : threads);
}

int clrelu__cpu_threads(size_t n) {
  if (n < PARALLEL_MIN)
    return 1;
  int t = atomic_load(&thread_setting);
  if (t <= 0)
    t = clrelu__cores();
  size_t most = n / (PARALLEL_MIN / 2);
  if ((size_t)t > most)
    t = (int)most;
  return t < 1 ? 1 : t;
}

typedef struct job {
  const cpu_loop *table;
  const cpu_loop16 *table16;
  const cpu_loopx *tablex; /* 16-bit: the dtype's converting loops */
  int op;                  /* elementwise op, or -1 for bias */
  clrelu_dtype dtype;      /* of a, b (elementwise) and y */
  const void *a, *b;
  void *y;
  size_t total;
  float alpha;
  int nt;
  /* bias: rows of len elements, adding bias[0 .. len) (per_elem) or
   * bias[r % channels]; or, for short rows, a repeating pattern */
  const float *bias;
  size_t len, channels;
  int per_elem;
  int act; /* the activation's clrelu_act_kind */
  const float *pattern;
  size_t period, pattern_len;
} job;

static const void *at(const job *j, const void *p, size_t i) {
  return (const char *)p + i * (j->dtype == CLRELU_F32 ? 4 : 2);
}

static void *out_at(const job *j, size_t i) {
  return (char *)j->y + i * (j->dtype == CLRELU_F32 ? 4 : 2);
}

/* Op over elements [p, p + m) of the job's arrays; bf (float32, already
 * offset) or else the job's own b is the second input. */
static void call(const job *j, int op, size_t p, size_t m, const float *bf,
                 float bs) {
  const void *b = bf ? (const void *)bf : j->b ? at(j, j->b, p) : NULL;
  if (j->dtype == CLRELU_F32)
    j->table[op](at(j, j->a, p), b, out_at(j, p), m, j->alpha, bs, j->nt);
  else
    j->tablex[op](at(j, j->a, p), b, out_at(j, p), m, j->alpha, bs);
}

/* Whether the job runs on 16-bit bits (a loop of table16). */
static int on_bits16(const job *j) {
  return j->dtype != CLRELU_F32 && j->op >= 0 && j->table16[j->op] != NULL;
}

/* The bias loops of each activation kind: a bias per element, one bias for
 * the whole call. */
#define BIAS_LOOPS(C, ID, ...)                                                 \
  [CLRELU_ACT_##ID] = {OP_BIAS_##ID##_E, OP_BIAS_##ID##_S},
static const int bias_loops[][2] = {CLRELU_BIAS_ACTS(BIAS_LOOPS, 0)};

static void run_piece(const job *j, size_t p0, size_t p1) {
  if (on_bits16(j)) {
    int f16 = j->dtype == CLRELU_F16;
    j->table16[j->op](at(j, j->a, p0), j->b ? at(j, j->b, p0) : NULL,
                      out_at(j, p0), p1 - p0, f16 ? 0x7c00 : 0x7f80,
                      f16 ? 0x3c00 : 0x3f80, j->nt);
    return;
  }
  if (j->op >= 0) {
    call(j, j->op, p0, p1 - p0, NULL, 0.0f);
    return;
  }
  int per_elem = bias_loops[j->act][0];
  if (j->pattern) {
    for (size_t p = p0, off = p0 % j->period; p < p1; off = 0) {
      size_t m = j->pattern_len - off < p1 - p ? j->pattern_len - off : p1 - p;
      call(j, per_elem, p, m, j->pattern + off, 0.0f);
      p += m;
    }
    return;
  }
  int scalar = bias_loops[j->act][1];
  size_t r = p0 / j->len, c = p0 - r * j->len;
  while (p0 < p1) {
    size_t m = j->len - c < p1 - p0 ? j->len - c : p1 - p0;
    if (j->per_elem)
      call(j, per_elem, p0, m, j->bias + c, 0.0f);
    else
      call(j, scalar, p0, m, NULL, j->bias[r % j->channels]);
    p0 += m;
    ++r;
    c = 0;
  }
}

static void piece(void *arg, int k, int n) {
  const job *j = arg;
  size_t p0, p1;
  clrelu__piece_range(j->total, k, n, &p0, &p1);
  if (p0 < p1)
    run_piece(j, p0, p1);
#ifdef CLRELU_X86
  if (j->nt) /* streaming stores are weakly ordered: publish them */
    _mm_sfence();
#endif
}

static void run_job(job *j, size_t total) {
  const isa *is = get_isa();
  j->table = is->table;
  j->table16 = is->table16;
  j->tablex = j->dtype == CLRELU_BF16     ? is->bf16
              : is->f16 && clrelu__f16c() ? is->f16
                                          : is->f16_int;
  j->total = total;
  j->nt = (j->dtype == CLRELU_F32 || on_bits16(j)) && total >= STREAM_MIN;
  clrelu__parallel(piece, j, clrelu__cpu_threads(total));
}

static void eltwise(int op, clrelu_dtype dtype, const void *a, const void *b,
                    void *y, size_t n, float alpha) {
  if (n == 0)
    return;
  job j = {0};
  j.op = op;
  j.dtype = dtype;
  j.a = a;
  j.b = b;
  j.y = y;
  j.alpha = alpha;
  run_job(&j, n);
}

/* The checks of the CPU functions that return a status: pointers (a, b, y
 * with n elements) and the parameter of kind param. */
static clrelu_status check_cpu(const char *fn, const void *a, const void *b,
                               const void *y, size_t n, int param,
                               float value) {
  if (n > 0 && (!a || !b || !y))
    return clrelu__fail(CLRELU_ERROR_INVALID_ARGUMENT, "%s: a pointer is NULL",
                        fn);
  return clrelu__check_param(fn, param, value);
}

/* bias is float32 here (16-bit biases are converted first). */
static void bias_job(clrelu_dtype dtype, const void *x, const float *bias,
                     void *y, size_t outer, size_t channels, size_t inner,
                     int act, float alpha) {
  job j = {0};
  j.op = -1;
  j.dtype = dtype;
  j.a = x;
  j.y = y;
  j.alpha = alpha;
  j.act = act;
  j.bias = bias;
  j.channels = channels;
  size_t total = outer * channels * inner;
  if (channels == 1) { /* one bias for everything */
    j.len = total;
  } else if (inner == 1) { /* rows of channels, bias per element */
    j.len = channels;
    j.per_elem = 1;
  } else { /* planes of inner, bias per plane */
    j.len = inner;
  }
  /* Short rows: the bias repeats with period P; lay it out a few periods
   * long so each call does a few thousand elements. */
  float *pattern = NULL;
  size_t period = j.per_elem ? channels : channels * inner;
  if (j.len < PATTERN_MIN && channels > 1 && period <= PATTERN_MAX) {
    size_t want = total < PATTERN_MIN ? total : PATTERN_MIN;
    size_t len = (want + period - 1) / period * period;
    pattern = malloc(len * sizeof *pattern);
    if (pattern) { /* without it, the row by row way below */
      for (size_t k = 0; k < len; ++k)
        pattern[k] = bias[j.per_elem ? k % channels : (k / inner) % channels];
      j.pattern = pattern;
      j.period = period;
      j.pattern_len = len;
    }
  }
  run_job(&j, total);
  free(pattern);
}

/* clrelu_cpu_<name> for every elementwise op: void for parameters that
 * cannot be refused, else a status; the _16 forms are below. */
#define CPU_VOID_ENTRY(ID, name, inputs, param, out)                           \
  void clrelu_cpu_##name(CLRELU_IN_DECL_##inputs(float), float *out,           \
                         size_t n CLRELU_PARAM_DECL_##param) {                 \
    eltwise(OP_##ID, CLRELU_F32, CLRELU_IN_A_##inputs(dy, x),                  \
            CLRELU_IN_B_##inputs(dy, x), out, n,                               \
            CLRELU_PARAM_VALUE_##param(alpha));                                \
  }
#define CPU_STATUS_ENTRY(ID, name, inputs, param, out)                         \
  clrelu_status clrelu_cpu_##name(CLRELU_IN_DECL_##inputs(float), float *out,  \
                                  size_t n CLRELU_PARAM_DECL_##param) {        \
    const float *a = CLRELU_IN_A_##inputs(dy, x);                              \
    clrelu_status st = check_cpu("clrelu_cpu_" #name, a, x, out, n,            \
                                 CLRELU_PARAM_KIND_##param, alpha);            \
    if (st == CLRELU_SUCCESS)                                                  \
      eltwise(OP_##ID, CLRELU_F32, a, CLRELU_IN_B_##inputs(dy, x), out, n,     \
              alpha);                                                          \
    return st;                                                                 \
  }
#define CPU_ENTRY(C, ID, name, inputs, param, out, bits16)                     \
  CLRELU_UNLESS(CLRELU_PARAM_STATUS_##param,                                   \
                CPU_VOID_ENTRY(ID, name, inputs, param, out))                  \
  CLRELU_WHEN(CLRELU_PARAM_STATUS_##param,                                     \
              CPU_STATUS_ENTRY(ID, name, inputs, param, out))
CLRELU_ELTWISE_OPS(CPU_ENTRY, 0)

void clrelu_cpu_bias_relu(const float *x, const float *bias, float *y,
                          size_t outer, size_t channels, size_t inner,
                          float alpha) {
  if (outer == 0 || channels == 0 || inner == 0)
    return;
  bias_job(CLRELU_F32, x, bias, y, outer, channels, inner,
           alpha == 0.0f ? CLRELU_ACT_RELU : CLRELU_ACT_LEAKY_RELU, alpha);
}

/* A missing bias is one bias of -0.0 for everything: x + -0.0 is x, every
 * zero's sign included. */
static const float no_bias = -0.0f;

/* Checks a bias + activation call and its shape (total: its elements). */
static clrelu_status check_bias_act(const char *fn, const void *x,
                                    const void *y, size_t outer,
                                    size_t channels, size_t inner,
                                    const clrelu_act *act, size_t es,
                                    size_t *total) {
  *total = 0;
  clrelu_status st = clrelu__check_act(fn, act);
  if (st != CLRELU_SUCCESS || outer == 0 || channels == 0 || inner == 0)
    return st;
  if ((st = clrelu__check_shape(fn, outer, channels, inner, es, total)) !=
      CLRELU_SUCCESS)
    return st;
  return check_cpu(fn, x, x, y, *total, CLRELU_PARAM_KIND_NONE, 0.0f);
}

static clrelu_status check16(const char *fn, clrelu_dtype dtype, const void *a,
                             const void *b, const void *y, size_t n, int param,
                             float value);

clrelu_status clrelu__check_cpu_bias_act(const char *fn, clrelu_dtype dtype,
                                         const void *x, const void *y,
                                         size_t outer, size_t channels,
                                         size_t inner, const clrelu_act *act,
                                         size_t *total) {
  *total = 0;
  clrelu_status st =
      dtype == CLRELU_F32
          ? CLRELU_SUCCESS
          : check16(fn, dtype, x, x, y, 0, CLRELU_PARAM_KIND_NONE, 0.0f);
  if (st == CLRELU_SUCCESS)
    st = check_bias_act(fn, x, y, outer, channels, inner, act,
                        dtype == CLRELU_F32 ? 4 : 2, total);
  return st;
}

clrelu_status clrelu_cpu_bias_act(const float *x, const float *bias, float *y,
                                  size_t outer, size_t channels, size_t inner,
                                  const clrelu_act *act) {
  size_t total;
  clrelu_status st = check_bias_act("clrelu_cpu_bias_act", x, y, outer,
                                    channels, inner, act, sizeof *x, &total);
  if (st != CLRELU_SUCCESS || total == 0)
    return st;
  if (bias)
    bias_job(CLRELU_F32, x, bias, y, outer, channels, inner, (int)act->kind,
             act->alpha);
  else
    bias_job(CLRELU_F32, x, &no_bias, y, 1, 1, total, (int)act->kind,
             act->alpha);
  return CLRELU_SUCCESS;
}

/* ---- 16-bit ---- */

static clrelu_status check16(const char *fn, clrelu_dtype dtype, const void *a,
                             const void *b, const void *y, size_t n, int param,
                             float value) {
  if (dtype != CLRELU_F16 && dtype != CLRELU_BF16)
    return clrelu__fail(CLRELU_ERROR_INVALID_ARGUMENT,
                        "%s: dtype %d is not CLRELU_F16 or CLRELU_BF16", fn,
                        (int)dtype);
  return check_cpu(fn, a, b, y, n, param, value);
}

#define CPU16_ENTRY(C, ID, name, inputs, param, out, bits16)                   \
  clrelu_status clrelu_cpu_##name##_16(                                        \
      clrelu_dtype dtype, CLRELU_IN_DECL_##inputs(uint16_t), uint16_t *out,    \
      size_t n CLRELU_PARAM_DECL_##param) {                                    \
    const uint16_t *a = CLRELU_IN_A_##inputs(dy, x);                           \
    const float p = CLRELU_PARAM_VALUE_##param(alpha);                         \
    clrelu_status st = check16("clrelu_cpu_" #name "_16", dtype, a, x, out, n, \
                               CLRELU_PARAM_KIND_##param, p);                  \
    if (st == CLRELU_SUCCESS)                                                  \
      eltwise(OP_##ID, dtype, a, CLRELU_IN_B_##inputs(dy, x), out, n, p);      \
    return st;                                                                 \
  }
CLRELU_ELTWISE_OPS(CPU16_ENTRY, 0)

/* 16-bit bias + activation: the bias converted to float32 first (or the
 * one -0.0 of a missing bias). */
static clrelu_status bias16(const char *fn, clrelu_dtype dtype,
                            const uint16_t *x, const uint16_t *bias,
                            uint16_t *y, size_t outer, size_t channels,
                            size_t inner, int act, float alpha) {
  size_t total = outer * channels * inner; /* checked */
  if (!bias) {
    bias_job(dtype, x, &no_bias, y, 1, 1, total, act, alpha);
    return CLRELU_SUCCESS;
  }
  float *b = malloc(channels * sizeof *b);
  if (!b)
    return clrelu__fail(CLRELU_ERROR_OUT_OF_MEMORY, "%s: out of host memory",
                        fn);
  clrelu__to_f32(dtype, bias, b, channels);
  bias_job(dtype, x, b, y, outer, channels, inner, act, alpha);
  free(b);
  return CLRELU_SUCCESS;
}

clrelu_status clrelu_cpu_bias_relu_16(clrelu_dtype dtype, const uint16_t *x,
                                      const uint16_t *bias, uint16_t *y,
                                      size_t outer, size_t channels,
                                      size_t inner, float alpha) {
  static const char fn[] = "clrelu_cpu_bias_relu_16";
  const int empty = outer == 0 || channels == 0 || inner == 0;
  clrelu_status st =
      check16(fn, dtype, x, bias, y, !empty, CLRELU_PARAM_KIND_ALPHA, alpha);
  size_t total = 0;
  if (st == CLRELU_SUCCESS && !empty)
    st = clrelu__check_shape(fn, outer, channels, inner, sizeof *x, &total);
  if (st != CLRELU_SUCCESS || empty)
    return st;
  return bias16(fn, dtype, x, bias, y, outer, channels, inner,
                alpha == 0.0f ? CLRELU_ACT_RELU : CLRELU_ACT_LEAKY_RELU, alpha);
}

clrelu_status clrelu_cpu_bias_act_16(clrelu_dtype dtype, const uint16_t *x,
                                     const uint16_t *bias, uint16_t *y,
                                     size_t outer, size_t channels,
                                     size_t inner, const clrelu_act *act) {
  static const char fn[] = "clrelu_cpu_bias_act_16";
  clrelu_status st =
      check16(fn, dtype, x, x, y, 0, CLRELU_PARAM_KIND_NONE, 0.0f);
  size_t total = 0;
  if (st == CLRELU_SUCCESS)
    st = check_bias_act(fn, x, y, outer, channels, inner, act, sizeof *x,
                        &total);
  if (st != CLRELU_SUCCESS || total == 0)
    return st;
  return bias16(fn, dtype, x, bias, y, outer, channels, inner, (int)act->kind,
                act->alpha);
}
