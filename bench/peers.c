/* The references that set the memory limit: two-thread host copies (one
 * with streaming stores, one plain) and oneDNN's eltwise ReLU. */
#include "peers.h"

#include "bench.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define BENCH_X86 1
#endif

/* ---- the two-thread team ------------------------------------------------- */

typedef void (*team_fn)(void *arg, int part);

struct host_team {
  pthread_t tid;
  int started;
  pthread_mutex_t mu;
  pthread_cond_t cv;
  unsigned gen; /* job number; under mu */
  int quit;     /* under mu */
  team_fn fn;
  void *arg;
  atomic_int done; /* the helper finished job gen */
};

static void *team_helper(void *p) {
  host_team *t = p;
  unsigned seen = 0;
  pthread_mutex_lock(&t->mu);
  for (;;) {
    while (t->gen == seen && !t->quit)
      pthread_cond_wait(&t->cv, &t->mu);
    if (t->quit)
      break;
    seen = t->gen;
    team_fn fn = t->fn;
    void *arg = t->arg;
    pthread_mutex_unlock(&t->mu);
    fn(arg, 1);
    atomic_store_explicit(&t->done, 1, memory_order_release);
    pthread_mutex_lock(&t->mu);
  }
  pthread_mutex_unlock(&t->mu);
  return NULL;
}

int team_create(host_team **out) {
  host_team *t = calloc(1, sizeof *t);
  if (!t)
    return bench_error("out of memory for the copy threads");
  pthread_mutex_init(&t->mu, NULL);
  pthread_cond_init(&t->cv, NULL);
  /* without a helper thread the caller does both halves */
  t->started = pthread_create(&t->tid, NULL, team_helper, t) == 0;
  *out = t;
  return 0;
}

void team_destroy(host_team *t) {
  if (!t)
    return;
  if (t->started) {
    pthread_mutex_lock(&t->mu);
    t->quit = 1;
    pthread_cond_signal(&t->cv);
    pthread_mutex_unlock(&t->mu);
    pthread_join(t->tid, NULL);
  }
  pthread_cond_destroy(&t->cv);
  pthread_mutex_destroy(&t->mu);
  free(t);
}

/* Runs fn(arg, 0) here and fn(arg, 1) on the helper; returns when both are
 * done. */
static void team_run(host_team *t, team_fn fn, void *arg) {
  if (!t->started) {
    fn(arg, 0);
    fn(arg, 1);
    return;
  }
  atomic_store_explicit(&t->done, 0, memory_order_relaxed);
  pthread_mutex_lock(&t->mu);
  t->fn = fn;
  t->arg = arg;
  ++t->gen;
  pthread_cond_signal(&t->cv);
  pthread_mutex_unlock(&t->mu);
  fn(arg, 0);
  while (!atomic_load_explicit(&t->done, memory_order_acquire))
    sched_yield();
}

/* ---- copies -------------------------------------------------------------- */

typedef void (*copy_fn)(float *dst, const float *src, size_t n);

typedef struct copy_job {
  copy_fn fn;
  float *dst;
  const float *src;
  size_t n;
} copy_job;

/* Halves split at a 64-byte boundary of the destination. */
static void copy_half(void *arg, int part) {
  const copy_job *j = arg;
  size_t mid = j->n / 2;
  uintptr_t end = (uintptr_t)(j->dst + mid);
  size_t back = (size_t)(end & 63) / sizeof(float);
  if (mid > back)
    mid -= back;
  if (part == 0)
    j->fn(j->dst, j->src, mid);
  else
    j->fn(j->dst + mid, j->src + mid, j->n - mid);
}

/* Plain copy loop. The build keeps the compiler from turning it into a
 * memcpy call (see CMakeLists.txt). */
static void copy_plain(float *dst, const float *src, size_t n) {
  for (size_t i = 0; i < n; ++i)
    dst[i] = src[i];
}

#ifdef BENCH_X86
#if defined(__GNUC__)
__attribute__((target("avx")))
#endif
static void
copy_stream_avx(float *dst, const float *src, size_t n) {
  size_t i = 0;
  while (i < n && ((uintptr_t)(dst + i) & 31) != 0) { /* peel to 32 bytes */
    dst[i] = src[i];
    ++i;
  }
  for (; i + 32 <= n; i += 32) {
    __m256 a = _mm256_loadu_ps(src + i);
    __m256 b = _mm256_loadu_ps(src + i + 8);
    __m256 c = _mm256_loadu_ps(src + i + 16);
    __m256 d = _mm256_loadu_ps(src + i + 24);
    _mm256_stream_ps(dst + i, a);
    _mm256_stream_ps(dst + i + 8, b);
    _mm256_stream_ps(dst + i + 16, c);
    _mm256_stream_ps(dst + i + 24, d);
  }
  for (; i + 8 <= n; i += 8)
    _mm256_stream_ps(dst + i, _mm256_loadu_ps(src + i));
  for (; i < n; ++i)
    dst[i] = src[i];
  _mm_sfence();
}

static void copy_stream_sse2(float *dst, const float *src, size_t n) {
  size_t i = 0;
  while (i < n && ((uintptr_t)(dst + i) & 15) != 0) { /* peel to 16 bytes */
    dst[i] = src[i];
    ++i;
  }
  for (; i + 16 <= n; i += 16) {
    __m128 a = _mm_loadu_ps(src + i);
    __m128 b = _mm_loadu_ps(src + i + 4);
    __m128 c = _mm_loadu_ps(src + i + 8);
    __m128 d = _mm_loadu_ps(src + i + 12);
    _mm_stream_ps(dst + i, a);
    _mm_stream_ps(dst + i + 4, b);
    _mm_stream_ps(dst + i + 8, c);
    _mm_stream_ps(dst + i + 12, d);
  }
  for (; i < n; ++i)
    dst[i] = src[i];
  _mm_sfence();
}
#endif

static copy_fn stream_fn(const char **name) {
#ifdef BENCH_X86
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx")) {
    *name = "avx";
    return copy_stream_avx;
  }
  *name = "sse2";
  return copy_stream_sse2;
#else
  *name = "plain";
  return copy_plain;
#endif
}

void copy_stream2(host_team *t, float *dst, const float *src, size_t n) {
  const char *name;
  copy_job j = {stream_fn(&name), dst, src, n};
  team_run(t, copy_half, &j);
}

void copy_plain2(host_team *t, float *dst, const float *src, size_t n) {
  copy_job j = {copy_plain, dst, src, n};
  team_run(t, copy_half, &j);
}

const char *copy_stream_isa(void) {
  const char *name;
  stream_fn(&name);
  return name;
}

/* ---- oneDNN -------------------------------------------------------------- */

#ifdef CLRELU_BENCH_HAVE_DNNL
#include <oneapi/dnnl/dnnl.h>

struct dnnl_peer {
  dnnl_engine_t engine;
  dnnl_stream_t stream;
  dnnl_primitive_t prim[DNNL_NPRIMS]; /* by DNNL_* */
  dnnl_memory_t src, dst;
  char version[64];
};

static int dnnl_fail(const char *what, dnnl_status_t s) {
  return bench_error("oneDNN %s: status %d", what, (int)s);
}

static void dnnl_release(dnnl_peer *p) {
  for (int i = 0; i < 2; ++i) {
    if (p->prim[i])
      dnnl_primitive_destroy(p->prim[i]);
    p->prim[i] = NULL;
  }
  if (p->src)
    dnnl_memory_destroy(p->src);
  if (p->dst)
    dnnl_memory_destroy(p->dst);
  p->src = p->dst = NULL;
}

int dnnl_peer_create(dnnl_peer **out, const char **why) {
  *out = NULL;
  *why = "";
  dnnl_peer *p = calloc(1, sizeof *p);
  if (!p)
    return bench_error("out of memory for oneDNN");
  if (dnnl_engine_create(&p->engine, dnnl_cpu, 0) != dnnl_success) {
    *why = "oneDNN has no CPU engine";
    free(p);
    return 0;
  }
  dnnl_status_t s =
      dnnl_stream_create(&p->stream, p->engine, dnnl_stream_default_flags);
  if (s != dnnl_success) {
    dnnl_engine_destroy(p->engine);
    free(p);
    return dnnl_fail("dnnl_stream_create", s);
  }
  const dnnl_version_t *v = dnnl_version();
  snprintf(p->version, sizeof p->version, "%d.%d.%d", v->major, v->minor,
           v->patch);
  *out = p;
  return 0;
}

void dnnl_peer_destroy(dnnl_peer *p) {
  if (!p)
    return;
  dnnl_release(p);
  dnnl_stream_destroy(p->stream);
  dnnl_engine_destroy(p->engine);
  free(p);
}

const char *dnnl_peer_version(const dnnl_peer *p) {
  return p ? p->version : "";
}

int dnnl_peer_prepare(dnnl_peer *p, const float *src, float *dst, size_t n,
                      float alpha) {
  dnnl_release(p);
  dnnl_dims_t dims = {(dnnl_dim_t)n};
  const dnnl_alg_kind_t kinds[DNNL_NPRIMS] = {
      dnnl_eltwise_relu, dnnl_eltwise_relu, dnnl_eltwise_clip};
  const float alphas[DNNL_NPRIMS] = {0.0f, alpha, 0.0f},
              betas[DNNL_NPRIMS] = {0.0f, 0.0f, 6.0f};
  dnnl_status_t s;
#if DNNL_VERSION_MAJOR >= 3
  dnnl_memory_desc_t md;
  s = dnnl_memory_desc_create_with_tag(&md, 1, dims, dnnl_f32, dnnl_a);
  if (s != dnnl_success)
    return dnnl_fail("dnnl_memory_desc_create_with_tag", s);
  for (int i = 0; i < DNNL_NPRIMS && s == dnnl_success; ++i) {
    dnnl_primitive_desc_t pd;
    s = dnnl_eltwise_forward_primitive_desc_create(
        &pd, p->engine, dnnl_forward_inference, kinds[i], md, md, alphas[i],
        betas[i], NULL);
    if (s == dnnl_success) {
      s = dnnl_primitive_create(&p->prim[i], pd);
      dnnl_primitive_desc_destroy(pd);
    }
  }
  if (s == dnnl_success)
    s = dnnl_memory_create(&p->src, md, p->engine, (void *)src);
  if (s == dnnl_success)
    s = dnnl_memory_create(&p->dst, md, p->engine, dst);
  dnnl_memory_desc_destroy(md);
#else
  dnnl_memory_desc_t md;
  s = dnnl_memory_desc_init_by_tag(&md, 1, dims, dnnl_f32, dnnl_a);
  for (int i = 0; i < DNNL_NPRIMS && s == dnnl_success; ++i) {
    dnnl_eltwise_desc_t ed;
    s = dnnl_eltwise_forward_desc_init(&ed, dnnl_forward_inference, kinds[i],
                                       &md, alphas[i], betas[i]);
    dnnl_primitive_desc_t pd;
    if (s == dnnl_success)
      s = dnnl_primitive_desc_create(&pd, &ed, NULL, p->engine, NULL);
    if (s == dnnl_success) {
      s = dnnl_primitive_create(&p->prim[i], pd);
      dnnl_primitive_desc_destroy(pd);
    }
  }
  if (s == dnnl_success)
    s = dnnl_memory_create(&p->src, &md, p->engine, (void *)src);
  if (s == dnnl_success)
    s = dnnl_memory_create(&p->dst, &md, p->engine, dst);
#endif
  if (s != dnnl_success) {
    dnnl_release(p);
    return dnnl_fail("eltwise ReLU setup", s);
  }
  return 0;
}

int dnnl_peer_run(dnnl_peer *p, int which) {
  dnnl_exec_arg_t args[2] = {{DNNL_ARG_SRC, p->src}, {DNNL_ARG_DST, p->dst}};
  dnnl_status_t s = dnnl_primitive_execute(p->prim[which], p->stream, 2, args);
  if (s == dnnl_success)
    s = dnnl_stream_wait(p->stream);
  return s == dnnl_success ? 0 : dnnl_fail("dnnl_primitive_execute", s);
}

#else /* no oneDNN */

int dnnl_peer_create(dnnl_peer **out, const char **why) {
  *out = NULL;
  *why = "built without oneDNN";
  return 0;
}
void dnnl_peer_destroy(dnnl_peer *p) { (void)p; }
const char *dnnl_peer_version(const dnnl_peer *p) {
  (void)p;
  return "";
}
int dnnl_peer_prepare(dnnl_peer *p, const float *src, float *dst, size_t n,
                      float alpha) {
  (void)p, (void)src, (void)dst, (void)n, (void)alpha;
  return bench_error("oneDNN is not built in");
}
int dnnl_peer_run(dnnl_peer *p, int which) {
  (void)p, (void)which;
  return bench_error("oneDNN is not built in");
}
#endif
