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
#define E_RELU RELU_OF(A)
#define E_DERIV ((vf)(((A > Z) & ONE) | ((A != A) & (vi)A)))
#define E_LEAKY LEAKY_OF(A)
#define E_RBWD ((vf)(((B > Z) & (vi)A) | ((B != B) & (vi)B)))
#define E_LBWD SEL(B > Z, A, SEL(B != B, B, AV * A))
#define E_BRELU RELU_OF(A + B)
#define E_BLEAKY LEAKY_OF(A + B)

/* One loop over m elements: y[i] = EXPR(a[i], b[i] or bs). With nt, the
 * output is first brought to vector alignment, then written with streaming
 * stores. */
typedef void (*cpu_loop)(const float *a, const float *b, float *y, size_t m,
                         float alpha, float bs, int nt);

#define CPU_LOOP(NAME, TARGET_ATTR, W, STREAM, FENCE, LOAD_B, EXPR)            \
  TARGET_ATTR static void NAME(const float *a, const float *b, float *y,       \
                               size_t m, float alpha, float bs, int nt) {      \
    typedef float vf __attribute__((vector_size((size_t)(W)*4)));              \
    typedef int32_t vi __attribute__((vector_size((size_t)(W)*4)));            \
    const vf Z = {0};                                                          \
    vf AV, BS;                                                                 \
    vi ONE;                                                                    \
    for (int l = 0; l < (W); ++l) {                                            \
      AV[l] = alpha;                                                           \
      BS[l] = bs;                                                              \
      ONE[l] = 0x3f800000;                                                     \
    }                                                                          \
    (void)AV;                                                                  \
    (void)BS;                                                                  \
    (void)ONE;                                                                 \
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
      FENCE();                                                                 \
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

enum {
  OP_RELU,
  OP_DERIV,
  OP_LEAKY,
  OP_RBWD,
  OP_LBWD,
  OP_BRELU_E, /* bias per element */
  OP_BLEAKY_E,
  OP_BRELU_S, /* one bias for the whole run */
  OP_BLEAKY_S,
  OP_COUNT
};

#define CPU_TABLE(PREFIX, TARGET_ATTR, W, STREAM, FENCE)                       \
  CPU_LOOP(PREFIX##_relu, TARGET_ATTR, W, STREAM, FENCE, 0, E_RELU)            \
  CPU_LOOP(PREFIX##_deriv, TARGET_ATTR, W, STREAM, FENCE, 0, E_DERIV)          \
  CPU_LOOP(PREFIX##_leaky, TARGET_ATTR, W, STREAM, FENCE, 0, E_LEAKY)          \
  CPU_LOOP(PREFIX##_rbwd, TARGET_ATTR, W, STREAM, FENCE, 1, E_RBWD)            \
  CPU_LOOP(PREFIX##_lbwd, TARGET_ATTR, W, STREAM, FENCE, 1, E_LBWD)            \
  CPU_LOOP(PREFIX##_brelu_e, TARGET_ATTR, W, STREAM, FENCE, 1, E_BRELU)        \
  CPU_LOOP(PREFIX##_bleaky_e, TARGET_ATTR, W, STREAM, FENCE, 1, E_BLEAKY)      \
  CPU_LOOP(PREFIX##_brelu_s, TARGET_ATTR, W, STREAM, FENCE, 0, E_BRELU)        \
  CPU_LOOP(PREFIX##_bleaky_s, TARGET_ATTR, W, STREAM, FENCE, 0, E_BLEAKY)      \
  static const cpu_loop PREFIX##_table[OP_COUNT] = {                           \
      PREFIX##_relu,     PREFIX##_deriv,   PREFIX##_leaky,                     \
      PREFIX##_rbwd,     PREFIX##_lbwd,    PREFIX##_brelu_e,                   \
      PREFIX##_bleaky_e, PREFIX##_brelu_s, PREFIX##_bleaky_s};

#define NO_ATTR
#define PLAIN_STORE(p, v)                                                      \
  do {                                                                         \
    vf r_ = (v);                                                               \
    memcpy((p), &r_, sizeof r_);                                               \
  } while (0)
#define NO_FENCE()                                                             \
  do {                                                                         \
  } while (0)

#ifdef CLRELU_X86
#define STREAM_128(p, v) _mm_stream_ps((p), (__m128)(v))
#define STREAM_256(p, v) _mm256_stream_ps((p), (__m256)(v))
#define STREAM_512(p, v) _mm512_stream_ps((p), (__m512)(v))
#define SFENCE() _mm_sfence()
CPU_TABLE(sse2, __attribute__((target("sse2"))), 4, STREAM_128, SFENCE)
CPU_TABLE(avx2, __attribute__((target("avx2"))), 8, STREAM_256, SFENCE)
CPU_TABLE(avx512, __attribute__((target("avx512f"))), 16, STREAM_512, SFENCE)
#else
CPU_TABLE(generic, NO_ATTR, 4, PLAIN_STORE, NO_FENCE)
#endif

/* ---- dispatch ---- */

typedef struct isa {
  const char *name;
  const cpu_loop *table;
} isa;

static const isa *choose_isa(void) {
#ifdef CLRELU_X86
  static const isa isas[] = {
      {"avx512", avx512_table}, {"avx2", avx2_table}, {"sse2", sse2_table}};
  /* CLRELU_CPU caps the instruction set (for testing every path). */
  const char *cap = getenv("CLRELU_CPU");
  int first = 0;
  if (cap && strcmp(cap, "avx2") == 0)
    first = 1;
  else if (cap && strcmp(cap, "sse2") == 0)
    first = 2;
  __builtin_cpu_init();
  if (first <= 0 && __builtin_cpu_supports("avx512f"))
    return &isas[0];
  if (first <= 1 && __builtin_cpu_supports("avx2"))
    return &isas[1];
  return &isas[2];
#else
  static const isa generic = {"generic", generic_table};
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

/* ---- threads ---- */

/* Below this many elements one thread does all; streaming stores from this
 * many on (the output would only evict the cache). */
#define PARALLEL_MIN ((size_t)1 << 18)
#define STREAM_MIN ((size_t)1 << 20)
#define MAX_THREADS 64

static atomic_int thread_setting;

int clrelu_cpu_set_threads(int threads) {
  return atomic_exchange(&thread_setting, threads < 0 ? 0 : threads);
}

static int threads_for(size_t n) {
  if (n < PARALLEL_MIN)
    return 1;
  int t = atomic_load(&thread_setting);
  if (t <= 0) {
    long c = sysconf(_SC_NPROCESSORS_ONLN);
    t = c > 0 ? (int)c : 1;
  }
  size_t most = n / (PARALLEL_MIN / 4);
  if ((size_t)t > most)
    t = (int)most;
  return t > MAX_THREADS ? MAX_THREADS : (t < 1 ? 1 : t);
}

/* A job over elements [0, total), cut into pieces at 64-byte boundaries. */
typedef struct job {
  const cpu_loop *table;
  int op; /* elementwise op, or -1 for bias */
  const float *a, *b;
  float *y;
  float alpha;
  int nt;
  /* bias: rows of len elements; per_elem or bias[r % channels] */
  size_t len, channels;
  int per_elem, leaky;
} job;

typedef struct piece {
  const job *j;
  size_t p0, p1;
} piece;

static void run_piece(const job *j, size_t p0, size_t p1) {
  if (j->op >= 0) {
    j->table[j->op](j->a + p0, j->b ? j->b + p0 : NULL, j->y + p0, p1 - p0,
                    j->alpha, 0.0f, j->nt);
    return;
  }
  cpu_loop fn = j->table[j->per_elem ? (j->leaky ? OP_BLEAKY_E : OP_BRELU_E)
                                     : (j->leaky ? OP_BLEAKY_S : OP_BRELU_S)];
  size_t r = p0 / j->len, c = p0 - r * j->len;
  while (p0 < p1) {
    size_t m = j->len - c < p1 - p0 ? j->len - c : p1 - p0;
    if (j->per_elem)
      fn(j->a + p0, j->b + c, j->y + p0, m, j->alpha, 0.0f, j->nt);
    else
      fn(j->a + p0, NULL, j->y + p0, m, j->alpha, j->b[r % j->channels], j->nt);
    p0 += m;
    ++r;
    c = 0;
  }
}

static void *piece_thread(void *arg) {
  const piece *p = arg;
  run_piece(p->j, p->p0, p->p1);
  return NULL;
}

static void run_job(job *j, size_t total) {
  j->table = get_isa()->table;
  j->nt = total >= STREAM_MIN;
  int t = threads_for(total);
  if (t == 1) {
    run_piece(j, 0, total);
    return;
  }
  piece pieces[MAX_THREADS];
  pthread_t tids[MAX_THREADS];
  int started[MAX_THREADS] = {0};
  size_t per = (total / (size_t)t + 15) & ~(size_t)15;
  for (int k = 0; k < t; ++k) {
    size_t p0 = per * (size_t)k;
    pieces[k].j = j;
    pieces[k].p0 = p0 < total ? p0 : total;
    pieces[k].p1 = p0 + per < total && k + 1 < t ? p0 + per : total;
  }
  for (int k = 1; k < t; ++k)
    started[k] = pthread_create(&tids[k], NULL, piece_thread, &pieces[k]) == 0;
  run_piece(j, pieces[0].p0, pieces[0].p1);
  for (int k = 1; k < t; ++k) {
    if (started[k])
      pthread_join(tids[k], NULL);
    else /* no thread to be had: do the piece here */
      run_piece(j, pieces[k].p0, pieces[k].p1);
  }
}

static void eltwise(int op, const float *a, const float *b, float *y, size_t n,
                    float alpha) {
  if (n == 0)
    return;
  job j = {0};
  j.op = op;
  j.a = a;
  j.b = b;
  j.y = y;
  j.alpha = alpha;
  run_job(&j, n);
}

void clrelu_cpu_relu(const float *x, float *y, size_t n) {
  eltwise(OP_RELU, x, NULL, y, n, 0.0f);
}
void clrelu_cpu_relu_derivative(const float *x, float *d, size_t n) {
  eltwise(OP_DERIV, x, NULL, d, n, 0.0f);
}
void clrelu_cpu_relu_backward(const float *dy, const float *x, float *dx,
                              size_t n) {
  eltwise(OP_RBWD, dy, x, dx, n, 0.0f);
}
void clrelu_cpu_leaky_relu(const float *x, float *y, size_t n, float alpha) {
  eltwise(OP_LEAKY, x, NULL, y, n, alpha);
}
void clrelu_cpu_leaky_relu_backward(const float *dy, const float *x, float *dx,
                                    size_t n, float alpha) {
  eltwise(OP_LBWD, dy, x, dx, n, alpha);
}

void clrelu_cpu_bias_relu(const float *x, const float *bias, float *y,
                          size_t outer, size_t channels, size_t inner,
                          float alpha) {
  if (outer == 0 || channels == 0 || inner == 0)
    return;
  job j = {0};
  j.op = -1;
  j.a = x;
  j.b = bias;
  j.y = y;
  j.alpha = alpha;
  j.leaky = alpha != 0.0f;
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
  run_job(&j, total);
}
