/* The host-array ops bit for bit against the scalar reference: sizes 0 to
 * 2^20 + 3, aligned and unaligned pointers, in place, every bias layout,
 * pinned memory from clrelu_host_alloc (and pointers inside it), on the
 * zero-copy path and on the chunked one (clrelu_options.host_path, or
 * $CLRELU_HOST_PATH=chunked with small chunks, so that chunks start and
 * end mid-plane and mid-row in every bias layout); bad calls
 * answer their status and change nothing; threads share a context. */
#include "reference.h"
#include "testutil.h"

#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define GUARD 8
static clrelu_context *ctx;
static int flush_ok;
static const char *path_name = "";
static clrelu_options path_opts; /* the host path ctx was made with */

/* BIAS: clrelu_host_bias_relu; BIAS_ACT: clrelu_host_bias_act with act
 * below, without a bias when no_bias. */
enum op { RELU, LEAKY, BIAS, BIAS_ACT };
static enum ref_act act;
static int no_bias;

/* Where the arrays come from. */
enum mem { PLAIN, UNALIGNED, PINNED, PINNED_INSIDE, MIXED, NMEM };
static const char *const mem_names[NMEM] = {"malloc", "unaligned", "pinned",
                                            "inside pinned", "pinned x only"};

/* An array of n floats with GUARD floats either side, from malloc (the
 * array at +shift floats) or from clrelu_host_alloc. */
typedef struct arr {
  float *base; /* the allocation */
  float *p;    /* the array: base + GUARD + shift */
  size_t n, size;
  int pinned;
} arr;

static int arr_make(arr *a, size_t n, size_t shift, int pinned) {
  a->n = n;
  a->size = n + 2 * GUARD + shift;
  a->pinned = pinned;
  a->base = pinned ? clrelu_host_alloc(ctx, a->size * sizeof(float))
                   : malloc(a->size * sizeof(float));
  if (!a->base) {
    fprintf(stderr, "allocation: %s\n", clrelu_last_error());
    return 0;
  }
  a->p = a->base + GUARD + shift;
  test_fill(a->base, a->size);
  return 1;
}

static void arr_free(arr *a) {
  if (a->pinned)
    clrelu_host_free(ctx, a->base);
  else
    free(a->base);
  a->base = a->p = NULL;
}

/* Compares the whole allocation with want. */
static void compare(const char *what, const arr *out, const float *want) {
  int shown = 0;
  for (size_t i = 0; i < out->size; ++i)
    if (!test_same(out->base[i], want[i], flush_ok)) {
      if (shown++ < 5)
        CHECK(0, "%s (%s): element %zd of %zu: got %a, want %a", what,
              path_name, (ptrdiff_t)(i - (size_t)(out->p - out->base)), out->n,
              (double)out->base[i], (double)want[i]);
      else
        ++test_failures;
    }
}

static clrelu_status run(enum op op, const float *x, const float *b, float *y,
                         size_t outer, size_t ch, size_t inner, float a) {
  switch (op) {
  case RELU:
    return clrelu_host_relu(ctx, x, y, outer * ch * inner);
  case LEAKY:
    return clrelu_host_leaky_relu(ctx, x, y, outer * ch * inner, a);
  case BIAS:
    return clrelu_host_bias_relu(ctx, x, b, y, outer, ch, inner, a);
  default: {
    const clrelu_act desc = {(clrelu_act_kind)act, a, 0.0f};
    return clrelu_host_bias_act(ctx, x, no_bias ? NULL : b, y, outer, ch, inner,
                                &desc);
  }
  }
}

/* One call: x, bias and y made as mem says, y separate or x itself. */
static void check(enum op op, size_t outer, size_t ch, size_t inner,
                  enum mem mem, int in_place, float a) {
  size_t n = outer * ch * inner;
  int pin_x = mem == PINNED || mem == PINNED_INSIDE || mem == MIXED;
  int pin_y = mem == PINNED || mem == PINNED_INSIDE;
  size_t shift = mem == UNALIGNED || mem == PINNED_INSIDE ? 1 : 0;
  arr x, y, b;
  int ok = arr_make(&x, n, shift, pin_x) &&
           (op < BIAS || arr_make(&b, ch, shift + 2, pin_x)) &&
           (in_place || arr_make(&y, n, shift ? 3 : 0, pin_y));
  CHECK(ok, "setup");
  if (!ok)
    return;
  const arr *out = in_place ? &x : &y;
  float *want = malloc(out->size * sizeof(float));
  if (want) {
    memcpy(want, out->base, out->size * sizeof(float));
    float *w = want + (out->p - out->base);
    if (op == BIAS)
      ref_bias_relu_array(x.p, b.p, w, outer, ch, inner, a);
    else if (op == BIAS_ACT)
      ref_bias_act_array(x.p, no_bias ? NULL : b.p, w, outer, ch, inner, act,
                         a);
    else
      for (size_t i = 0; i < n; ++i)
        w[i] = op == RELU ? ref_relu(x.p[i]) : ref_leaky_relu(x.p[i], a);
    CHECK_STATUS(
        run(op, x.p, op >= BIAS ? b.p : NULL, out->p, outer, ch, inner, a),
        CLRELU_SUCCESS);
    char what[160];
    snprintf(what, sizeof what, "%s%s%s %zux%zux%zu %s%s alpha=%g",
             op == RELU    ? "relu"
             : op == LEAKY ? "leaky_relu"
             : op == BIAS  ? "bias_relu"
                           : "bias_act ",
             op == BIAS_ACT ? ref_act_names[act] : "",
             op == BIAS_ACT && no_bias ? " (no bias)" : "", outer, ch, inner,
             mem_names[mem], in_place ? " in place" : "", (double)a);
    compare(what, out, want);
    free(want);
  }
  arr_free(&x);
  if (op >= BIAS)
    arr_free(&b);
  if (!in_place)
    arr_free(&y);
}

static const size_t sizes[] = {0, 1, 3, 17, 1000, ((size_t)1 << 20) + 3};
#define NSIZES (sizeof sizes / sizeof sizes[0])

/* Bias layouts (outer, channels, inner): dense rows, NCHW planes shorter and
 * longer than a chunk, NHWC, one channel, a row longer than a chunk. */
static const size_t layouts[][3] = {
    {300, 17, 1}, {3, 5, 333},   {2, 3, 2500}, {1000, 3, 1}, {7, 1, 1001},
    {2, 1500, 1}, {2, 64, 8193}, {1, 1, 1},    {5, 7, 0},
};
#define NLAYOUTS (sizeof layouts / sizeof layouts[0])

static void all_checks(void) {
  for (size_t s = 0; s < NSIZES; ++s)
    for (int m = 0; m < NMEM; ++m) {
      check(RELU, 1, 1, sizes[s], (enum mem)m, 0, 0.0f);
      check(LEAKY, 1, 1, sizes[s], (enum mem)m, m % 2, 0.01f);
      check(RELU, 1, 1, sizes[s], (enum mem)m, 1, 0.0f);
    }
  check(LEAKY, 1, 1, 4099, PLAIN, 0, -0.5f);
  check(LEAKY, 1, 1, 4099, UNALIGNED, 1, 1e-40f);
  for (size_t l = 0; l < NLAYOUTS; ++l)
    for (int m = 0; m < NMEM; ++m) {
      const size_t *d = layouts[l];
      check(BIAS, d[0], d[1], d[2], (enum mem)m, 0, 0.0f);
      check(BIAS, d[0], d[1], d[2], (enum mem)m, 1, 0.01f);
      act = (enum ref_act)((l + (size_t)m) % REF_NACTS);
      no_bias = m == UNALIGNED;
      check(BIAS_ACT, d[0], d[1], d[2], (enum mem)m, m % 2,
            ref_act_param(act, (int)l));
    }
  printf("%s: checked\n", path_name);
}

/* ---- errors ---- */

#define EN 64
static void check_errors(void) {
  float *x = malloc(2 * EN * sizeof(float)), *y = malloc(EN * sizeof(float));
  float *keep = malloc(2 * EN * sizeof(float));
  if (!x || !y || !keep) {
    CHECK(0, "out of memory");
    free(x);
    free(y);
    free(keep);
    return;
  }
  test_fill(x, 2 * EN);
  memcpy(keep, x, 2 * EN * sizeof(float));
#define FAILS(call, want)                                                      \
  do {                                                                         \
    CHECK_STATUS(call, want);                                                  \
    CHECK(clrelu_last_error()[0] != 0, "%s: no message", #call);               \
    CHECK(memcmp(x, keep, 2 * EN * sizeof(float)) == 0, "%s changed x",        \
          #call);                                                              \
  } while (0)
  FAILS(clrelu_host_relu(NULL, x, x, EN), CLRELU_ERROR_INVALID_ARGUMENT);
  FAILS(clrelu_host_relu(ctx, NULL, x, EN), CLRELU_ERROR_INVALID_ARGUMENT);
  FAILS(clrelu_host_relu(ctx, x, NULL, EN), CLRELU_ERROR_INVALID_ARGUMENT);
  FAILS(clrelu_host_leaky_relu(ctx, x, x, EN, NAN),
        CLRELU_ERROR_INVALID_ARGUMENT);
  FAILS(clrelu_host_leaky_relu(ctx, x, x, EN, INFINITY),
        CLRELU_ERROR_INVALID_ARGUMENT);
  FAILS(clrelu_host_leaky_relu(ctx, x, x, 0, NAN),
        CLRELU_ERROR_INVALID_ARGUMENT);
  FAILS(clrelu_host_bias_relu(ctx, x, NULL, x, 2, 4, 8, 0),
        CLRELU_ERROR_INVALID_ARGUMENT);
  FAILS(clrelu_host_bias_relu(ctx, x, x, x, 2, 4, 8, NAN),
        CLRELU_ERROR_INVALID_ARGUMENT);
  FAILS(clrelu_host_bias_relu(NULL, x, x + EN, x, 2, 4, 8, 0),
        CLRELU_ERROR_INVALID_ARGUMENT);
  {
    const clrelu_act bad_kind = {(clrelu_act_kind)99, 0.0f, 0.0f},
                     bad_theta = {CLRELU_ACT_THRESHOLDED_RELU, NAN, 0.0f};
    FAILS(clrelu_host_bias_act(ctx, x, x + EN, x, 2, 4, 8, NULL),
          CLRELU_ERROR_INVALID_ARGUMENT);
    FAILS(clrelu_host_bias_act(ctx, x, x + EN, x, 2, 4, 8, &bad_kind),
          CLRELU_ERROR_INVALID_ARGUMENT);
    FAILS(clrelu_host_bias_act(ctx, x, NULL, x, 2, 4, 8, &bad_theta),
          CLRELU_ERROR_INVALID_ARGUMENT);
  }
  /* partial overlap of x and y; bias inside y */
  FAILS(clrelu_host_relu(ctx, x, x + 1, EN), CLRELU_ERROR_INVALID_ARGUMENT);
  FAILS(clrelu_host_leaky_relu(ctx, x + 3, x, EN, 0.1f),
        CLRELU_ERROR_INVALID_ARGUMENT);
  FAILS(clrelu_host_bias_relu(ctx, x, x + 10, x, 2, 4, 8, 0),
        CLRELU_ERROR_INVALID_ARGUMENT);
  FAILS(clrelu_host_bias_relu(ctx, x + EN, x + 63, x, 2, 4, 8, 0),
        CLRELU_ERROR_INVALID_ARGUMENT);
  /* sizes that overflow */
  FAILS(clrelu_host_bias_relu(ctx, x, x + EN, y, SIZE_MAX / 2, 4, 1, 0),
        CLRELU_ERROR_OUT_OF_RANGE);
  FAILS(clrelu_host_relu(ctx, x, y, SIZE_MAX / 2), CLRELU_ERROR_OUT_OF_RANGE);
  /* an unknown path, read when the context is made */
  {
    setenv("CLRELU_HOST_PATH", "sideways", 1);
    clrelu_context *c = NULL;
    CHECK_STATUS(clrelu_context_create(NULL, &c), CLRELU_SUCCESS);
    unsetenv("CLRELU_HOST_PATH");
    FAILS(clrelu_host_relu(c, x, y, EN), CLRELU_ERROR_INVALID_ARGUMENT);
    clrelu_context_destroy(c);
  }
  /* zero elements: success, even with NULL pointers */
  CHECK_STATUS(clrelu_host_relu(ctx, NULL, NULL, 0), CLRELU_SUCCESS);
  CHECK_STATUS(clrelu_host_leaky_relu(ctx, NULL, NULL, 0, 0.5f),
               CLRELU_SUCCESS);
  CHECK_STATUS(clrelu_host_bias_relu(ctx, NULL, NULL, NULL, 0, 3, 3, 0),
               CLRELU_SUCCESS);
  CHECK_STATUS(clrelu_host_bias_relu(ctx, x, x, x, 4, 0, 3, 0), CLRELU_SUCCESS);
  CHECK(memcmp(x, keep, 2 * EN * sizeof(float)) == 0, "zero-sized calls");
  /* a bias that is read-only shared with x is fine (same bytes, not y) */
  CHECK_STATUS(clrelu_host_bias_relu(ctx, x, x + 5, y, 2, 4, 8, 0),
               CLRELU_SUCCESS);

  /* pinned memory */
  CHECK(clrelu_host_alloc(NULL, 64) == NULL, "host_alloc(NULL ctx)");
  CHECK(clrelu_host_alloc(ctx, 0) == NULL, "host_alloc(0)");
  CHECK(clrelu_last_error()[0] != 0, "no message");
  CHECK(clrelu_host_alloc(ctx, SIZE_MAX / 2) == NULL, "host_alloc(huge)");
  clrelu_host_free(ctx, NULL);
  clrelu_host_free(NULL, x);
  clrelu_host_free(ctx, x); /* not clrelu's: nothing happens */
  free(x);
  free(y);
  free(keep);
}

/* Pinned memory holds a reference on its context, like a buffer: after
 * clrelu_context_destroy it stays usable until clrelu_host_free. */
static void check_pinned_lifetime(void) {
  clrelu_context *c = NULL;
  CHECK_STATUS(clrelu_context_create_with(&path_opts, &c), CLRELU_SUCCESS);
  if (!c)
    return;
  float *p = clrelu_host_alloc(c, 1000 * sizeof(float));
  CHECK(p != NULL, "host_alloc: %s", clrelu_last_error());
  if (p) {
    for (int i = 0; i < 1000; ++i)
      p[i] = (float)(i - 500);
    CHECK_STATUS(clrelu_host_relu(c, p + 1, p + 1, 999), CLRELU_SUCCESS);
    int bad = 0;
    for (int i = 1; i < 1000; ++i)
      bad += p[i] != (i > 500 ? (float)(i - 500) : 0.0f);
    CHECK(bad == 0 && p[0] == -500.0f, "relu in place inside pinned memory");
  }
  clrelu_context_destroy(c);
  if (p) {
    for (int i = 0; i < 1000; ++i)
      p[i] = 1.0f; /* still mapped */
    clrelu_host_free(c, p);
  }
}

/* ---- threads ---- */

#define THREADS 4
typedef struct job {
  int k, failures;
} job;

static void *thread_main(void *arg) {
  job *j = arg;
  size_t n = 300000 + (size_t)j->k * 777;
  float *x = malloc(n * sizeof(float)), *y = malloc(n * sizeof(float));
  float *b = malloc(100 * sizeof(float));
  if (!x || !y || !b) {
    j->failures++;
    goto out;
  }
  for (size_t i = 0; i < n; ++i)
    x[i] = (float)((double)(i * 2654435761u % 1000) - 500.0) / 7.0f;
  for (int i = 0; i < 100; ++i)
    b[i] = (float)(i - 50);
  for (int rep = 0; rep < 4; ++rep) {
    size_t outer = n / 100;
    if (clrelu_host_bias_relu(ctx, x, b, y, outer, 100, 1, 0.0f) !=
        CLRELU_SUCCESS) {
      j->failures++;
      break;
    }
    for (size_t i = 0; i < outer * 100; ++i)
      if (!test_same(y[i], ref_bias_relu(x[i], b[i % 100], 0.0f), 0)) {
        j->failures++;
        break;
      }
  }
out:
  free(x);
  free(y);
  free(b);
  return NULL;
}

static void check_threads(void) {
  job jobs[THREADS];
  pthread_t t[THREADS];
  int started[THREADS];
  for (int i = 0; i < THREADS; ++i) {
    jobs[i].k = i;
    jobs[i].failures = 0;
    started[i] = pthread_create(&t[i], NULL, thread_main, &jobs[i]) == 0;
  }
  for (int i = 0; i < THREADS; ++i) {
    if (started[i])
      pthread_join(t[i], NULL);
    CHECK(started[i] && jobs[i].failures == 0, "%s: thread %d failed",
          path_name, i);
  }
}

/* Makes ctx again with host path and chunk (0: the default; NULL: the
 * environment's): a context's settings are fixed when it is made. */
static void use_path(const char *name, const char *path, size_t chunk) {
  clrelu_context_destroy(ctx);
  ctx = NULL;
  path_name = name;
  path_opts.host_path = path;
  path_opts.host_chunk = chunk;
  CHECK_STATUS(clrelu_context_create_with(&path_opts, &ctx), CLRELU_SUCCESS);
  if (!ctx)
    exit(test_finish("test_host"));
}

int main(void) {
  test_init();
  unsetenv("CLRELU_HOST_CHUNK");
  unsetenv("CLRELU_HOST_PATH");
  ctx = test_context();
  flush_ok = !test_device_denorms(ctx);

  check_errors();

  path_name = "default path";
  all_checks();
  check_threads();
  check_pinned_lifetime();

  use_path("zero-copy", "zero-copy", 0);
  all_checks();

  /* through the environment, as set before the context is made */
  setenv("CLRELU_HOST_PATH", "chunked", 1);
  setenv("CLRELU_HOST_CHUNK", "1000", 1);
  use_path("chunked, 1000-element chunks", NULL, 0);
  unsetenv("CLRELU_HOST_CHUNK");
  unsetenv("CLRELU_HOST_PATH");
  all_checks();
  check_threads();
  use_path("chunked, default chunks", "chunked", 0);
  all_checks();
  check_pinned_lifetime();

  clrelu_context_destroy(ctx);
  return test_finish("test_host");
}
